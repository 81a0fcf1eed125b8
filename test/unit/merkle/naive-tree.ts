/**
 * Test-only reference: the RFC 9162 §2.1 definitions (MTH, PATH, SUBPROOF) written as plainly as
 * possible over an in-memory list of leaf hashes, to check libs/merkle against. No tiles, no
 * compact ranges, no bit tricks: recursion on the definitions, memoized by range.
 */
import { hashChildren, hashLeaf } from '../../../libs/merkle/index.js';

export type Range = readonly [number, number];

/** Largest power of two strictly less than n (RFC 9162 §2.1.1's k). */
export function splitOf(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export class NaiveTree {
  readonly leaves: Buffer[];
  readonly #memo = new Map<string, Buffer>();

  constructor(leaves: Buffer[]) {
    this.leaves = leaves;
  }

  /** A tree whose leaf i is hashLeaf("<seed>:<i>"): distinct, reproducible leaves. */
  static ofSize(n: number, seed = 'leaf'): NaiveTree {
    return new NaiveTree(Array.from({ length: n }, (_, i) => hashLeaf(Buffer.from(`${seed}:${i}`))));
  }

  /** MTH(D[a:b]) by the recursive definition. */
  mth(a: number, b: number): Buffer {
    if (b - a === 1) return this.leaves[a] as Buffer;
    const key = `${a}:${b}`;
    let h = this.#memo.get(key);
    if (h === undefined) {
      const k = splitOf(b - a);
      h = hashChildren(this.mth(a, a + k), this.mth(a + k, b));
      this.#memo.set(key, h);
    }
    return h;
  }

  root(size: number): Buffer {
    return this.mth(0, size);
  }

  inclusionProof(index: number, size: number): Buffer[] {
    return pathRanges(index, size).map(([a, b]) => this.mth(a, b));
  }

  consistencyProof(size1: number, size2: number): Buffer[] {
    return proofRanges(size1, size2).map(([a, b]) => this.mth(a, b));
  }
}

/** PATH(m, D[0:n]) (RFC 9162 §2.1.3.1) as the ranges whose MTHs it lists. */
export function pathRanges(m: number, n: number, offset = 0): Range[] {
  if (n === 1) return [];
  const k = splitOf(n);
  return m < k
    ? [...pathRanges(m, k, offset), [offset + k, offset + n]]
    : [...pathRanges(m - k, n - k, offset + k), [offset, offset + k]];
}

/** PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true) (RFC 9162 §2.1.4.1) as ranges. */
export function proofRanges(m: number, n: number): Range[] {
  const sub = (m: number, n: number, offset: number, b: boolean): Range[] => {
    if (m === n) return b ? [] : [[offset, offset + n]];
    const k = splitOf(n);
    return m <= k
      ? [...sub(m, k, offset, b), [offset + k, offset + n]]
      : [...sub(m - k, n - k, offset + k, false), [offset, offset + k]];
  };
  return m === n ? [] : sub(m, n, 0, true);
}

/**
 * The MTH of D[a:b] written as a formula over named tokens (proof elements, the leaf, the old
 * root): what a correct verifier recomputes. Two claims whose formulas are equal are
 * indistinguishable to any verifier; otherwise a correct verifier must reject.
 */
export function formula(a: number, b: number, tokens: ReadonlyMap<string, string>): string {
  const t = tokens.get(`${a}:${b}`);
  if (t !== undefined) return t;
  if (b - a === 1) return `?${a}`; // not determined by the proof: cannot match anything
  const k = splitOf(b - a);
  return `H(${formula(a, a + k, tokens)},${formula(a + k, b, tokens)})`;
}
