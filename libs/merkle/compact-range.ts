/**
 * A compact range [0, size): the roots of the perfect subtrees that the binary decomposition of
 * `size` yields, left to right, largest first. That is all the state needed to append leaves and to
 * compute the tree head at the current size, in O(log n) memory (RFC 9162 §2.1.1; the same idea as
 * transparency-dev's compact ranges).
 */
import { assertHash, emptyRoot, hashChildren } from './hash.js';

export class CompactRange {
  #size = 0;
  /** One hash per set bit of #size, highest bit first. */
  readonly #nodes: Buffer[] = [];

  get size(): number {
    return this.#size;
  }

  /** The perfect-subtree roots, left to right (copies). */
  nodes(): Buffer[] {
    return this.#nodes.map((n) => Buffer.from(n));
  }

  append(leafHash: Uint8Array): void {
    assertHash(leafHash, 'leaf hash', 'MERKLE_INVALID_ARGUMENT');
    let hash: Buffer = Buffer.from(leafHash);
    // Every trailing 1 bit of the old size is a perfect subtree of the new leaf's height: merge.
    let s = this.#size;
    while (s % 2 === 1) {
      hash = hashChildren(this.#nodes.pop() as Buffer, hash);
      s = (s - 1) / 2;
    }
    this.#nodes.push(hash);
    this.#size += 1;
  }

  appendAll(leafHashes: Iterable<Uint8Array>): void {
    for (const h of leafHashes) this.append(h);
  }

  /**
   * MTH(D[0:size]). RFC 9162 splits at the largest power of two below n, so the perfect subtrees
   * fold from the right: root = H(n0, H(n1, ... H(n_{k-2}, n_{k-1}))).
   */
  root(): Buffer {
    const nodes = this.#nodes;
    const last = nodes[nodes.length - 1];
    if (last === undefined) return emptyRoot();
    let acc = last;
    for (let i = nodes.length - 2; i >= 0; i--) acc = hashChildren(nodes[i] as Buffer, acc);
    return Buffer.from(acc);
  }
}

/** The tree head over the given leaf hashes (RFC 9162 §2.1.1), O(n) hashes, O(log n) memory. */
export function rootFromLeafHashes(leafHashes: Iterable<Uint8Array>): Buffer {
  const range = new CompactRange();
  range.appendAll(leafHashes);
  return range.root();
}
