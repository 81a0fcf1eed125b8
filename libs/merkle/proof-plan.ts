/**
 * Which subtrees a proof is made of, straight from the recursive definitions of RFC 9162
 * §2.1.3.1 (PATH) and §2.1.4.1 (SUBPROOF). A plan is a list of leaf ranges [start, end), each the
 * span of one MTH in the proof, in proof order. Generation, the expected proof length at
 * verification, and the tiles a proof needs all derive from this one place.
 *
 * Internal to libs/merkle. Sizes are safe integers (< 2^53), so arithmetic, never 32-bit bit
 * operators, is used throughout.
 */

/** A perfect subtree: 2^level leaves starting at leaf index * 2^level. */
export interface NodeCoord {
  readonly level: number;
  readonly index: number;
}

/** [start, end) leaf range whose MTH is one proof element. */
export type LeafRange = readonly [start: number, end: number];

/** The largest power of two strictly less than n (n >= 2): RFC 9162's split point k. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** PATH(m, D[0:n]) of RFC 9162 §2.1.3.1 as leaf ranges, lowest first. Requires 0 <= m < n. */
export function planInclusion(index: number, size: number): LeafRange[] {
  const out: LeafRange[] = [];
  const path = (m: number, start: number, n: number): void => {
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      path(m, start, k);
      out.push([start + k, start + n]);
    } else {
      path(m - k, start + k, n - k);
      out.push([start, start + k]);
    }
  };
  path(index, 0, size);
  return out;
}

/** PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true) of RFC 9162 §2.1.4.1. Requires 0 < m <= n. */
export function planConsistency(size1: number, size2: number): LeafRange[] {
  const out: LeafRange[] = [];
  const subproof = (m: number, start: number, n: number, isOldRoot: boolean): void => {
    if (m === n) {
      // The old tree head is known to the verifier only when this subtree is it.
      if (!isOldRoot) out.push([start, start + n]);
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      subproof(m, start, k, isOldRoot);
      out.push([start + k, start + n]);
    } else {
      subproof(m - k, start + k, n - k, false);
      out.push([start, start + k]);
    }
  };
  subproof(size1, 0, size2, true);
  return out;
}

/**
 * The perfect subtrees that make up [start, end), left to right. Every range a plan produces is an
 * RFC 9162 subtree (start is a multiple of the next power of two >= end - start), so its MTH is
 * these nodes folded from the right (see foldRight).
 */
export function decomposeRange(start: number, end: number): NodeCoord[] {
  const nodes: NodeCoord[] = [];
  let a = start;
  while (a < end) {
    let level = 0;
    let width = 1;
    while (a % (width * 2) === 0 && a + width * 2 <= end) {
      level += 1;
      width *= 2;
    }
    nodes.push({ level, index: a / width });
    a += width;
  }
  return nodes;
}
