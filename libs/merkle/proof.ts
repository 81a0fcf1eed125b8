/**
 * Inclusion and consistency proofs (RFC 9162 §2.1.3 and §2.1.4): generation from any source of
 * perfect-subtree hashes, and verification.
 *
 * Verification follows the RFC's algorithms (§2.1.3.2, §2.1.4.2) step by step, with the stricter
 * argument rules of transparency-dev/merkle: index >= size is an error, a consistency proof from
 * size 0 is an error (there is nothing to be consistent with; 0 -> 0 included), size1 > size2 is an
 * error, size1 == size2 needs an empty proof and equal roots, and a proof of any length other than
 * the one the sizes imply is refused before hashing. Every hash must be exactly 32 bytes. Proofs,
 * roots, indexes and sizes usually come from the network: all of them are attacker-controlled.
 *
 * Errors: MERKLE_INVALID_ARGUMENT (sizes, index, leaf or root hash malformed), MERKLE_PROOF_INVALID
 * (proof of the wrong length or with a malformed element), MERKLE_ROOT_MISMATCH (well-formed, but
 * the proof does not lead to the given root(s)).
 */
import { AttestryError } from '../core/index.js';
import { assertHash, assertSize, bytesEqual, hashChildren } from './hash.js';
import { decomposeRange, planConsistency, planInclusion, type LeafRange } from './proof-plan.js';

/**
 * A source of hashes: the MTH of the perfect subtree of 2^level leaves starting at leaf
 * index * 2^level. It is only ever asked for subtrees that lie wholly inside the tree size at hand.
 */
export type NodeReader = (level: number, index: number) => Uint8Array;

/** MTH(D[start:end]) for an RFC 9162 subtree range, from its perfect subtrees folded from the right. */
export function hashRange(range: LeafRange, readNode: NodeReader): Buffer {
  const nodes = decomposeRange(range[0], range[1]);
  const hashes = nodes.map((n) => readNode(n.level, n.index));
  let acc = hashes[hashes.length - 1];
  if (acc === undefined) throw new AttestryError('INTERNAL', 'hashRange called on an empty range');
  for (let i = hashes.length - 2; i >= 0; i--) acc = hashChildren(hashes[i] as Uint8Array, acc);
  return Buffer.from(acc);
}

function assertInclusionArgs(index: number, size: number): void {
  assertSize(index, 'index');
  assertSize(size, 'tree size');
  if (index >= size) {
    throw new AttestryError('MERKLE_INVALID_ARGUMENT', `index ${index} is not below tree size ${size}`);
  }
}

/** size1 == size2 is allowed here (the proof is then empty); callers decide what else to refuse. */
function assertConsistencyArgs(size1: number, size2: number): void {
  assertSize(size1, 'size1');
  assertSize(size2, 'size2');
  if (size1 > size2) {
    throw new AttestryError('MERKLE_INVALID_ARGUMENT', `size1 ${size1} is greater than size2 ${size2}`);
  }
  if (size1 === 0) {
    throw new AttestryError(
      'MERKLE_INVALID_ARGUMENT',
      'a consistency proof from an empty tree is meaningless',
    );
  }
}

/** The leaf ranges an inclusion proof consists of (its length is the proof's length). */
export function inclusionProofPlan(index: number, size: number): LeafRange[] {
  assertInclusionArgs(index, size);
  return planInclusion(index, size);
}

/** The leaf ranges a consistency proof consists of; empty when size1 == size2. */
export function consistencyProofPlan(size1: number, size2: number): LeafRange[] {
  assertConsistencyArgs(size1, size2);
  return size1 === size2 ? [] : planConsistency(size1, size2);
}

/** PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, lowest sibling first. */
export function inclusionProof(index: number, size: number, readNode: NodeReader): Buffer[] {
  return inclusionProofPlan(index, size).map((r) => hashRange(r, readNode));
}

/** PROOF(size1, D[0:size2]) of RFC 9162 §2.1.4.1. */
export function consistencyProof(size1: number, size2: number, readNode: NodeReader): Buffer[] {
  return consistencyProofPlan(size1, size2).map((r) => hashRange(r, readNode));
}

function assertProofShape(proof: readonly Uint8Array[], expected: number): void {
  if (!Array.isArray(proof))
    throw new AttestryError('MERKLE_PROOF_INVALID', 'proof must be an array of hashes');
  if (proof.length !== expected) {
    throw new AttestryError(
      'MERKLE_PROOF_INVALID',
      `proof has ${proof.length} hashes, the sizes imply ${expected}`,
    );
  }
  proof.forEach((p, i) => assertHash(p, `proof[${i}]`, 'MERKLE_PROOF_INVALID'));
}

const half = (n: number): number => Math.floor(n / 2);
const isOdd = (n: number): boolean => n % 2 === 1;

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/**
 * Verifies that leafHash is the index-th leaf of the tree of the given size and root
 * (RFC 9162 §2.1.3.2). Returns normally on success, throws AttestryError otherwise.
 */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  assertInclusionArgs(index, size);
  assertHash(leafHash, 'leaf hash', 'MERKLE_INVALID_ARGUMENT');
  assertHash(root, 'root hash', 'MERKLE_INVALID_ARGUMENT');
  assertProofShape(proof, planInclusion(index, size).length);

  // §2.1.3.2 steps 2-5.
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (sn === 0) throw new AttestryError('MERKLE_PROOF_INVALID', 'inclusion proof is longer than the path');
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new AttestryError('MERKLE_PROOF_INVALID', 'inclusion proof is shorter than the path');
  if (!bytesEqual(r, root)) {
    throw new AttestryError('MERKLE_ROOT_MISMATCH', 'inclusion proof does not lead to the given root');
  }
}

/**
 * Verifies that the tree of size2 and root2 extends the tree of size1 and root1
 * (RFC 9162 §2.1.4.2). Returns normally on success, throws AttestryError otherwise.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  assertConsistencyArgs(size1, size2);
  assertHash(root1, 'root1', 'MERKLE_INVALID_ARGUMENT');
  assertHash(root2, 'root2', 'MERKLE_INVALID_ARGUMENT');
  if (size1 === size2) {
    assertProofShape(proof, 0);
    if (!bytesEqual(root1, root2)) {
      throw new AttestryError('MERKLE_ROOT_MISMATCH', 'equal tree sizes with different roots', {
        details: { which: 'root2' },
      });
    }
    return;
  }
  assertProofShape(proof, planConsistency(size1, size2).length);

  // §2.1.4.2 step 2: when size1 is a power of two, the old root is itself the first node.
  const path: readonly Uint8Array[] = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  // Steps 3-4.
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Steps 5-6.
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0)
      throw new AttestryError('MERKLE_PROOF_INVALID', 'consistency proof is longer than the path');
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  if (sn !== 0) throw new AttestryError('MERKLE_PROOF_INVALID', 'consistency proof is shorter than the path');
  if (!bytesEqual(fr, root1)) {
    throw new AttestryError('MERKLE_ROOT_MISMATCH', 'consistency proof does not lead to root1', {
      details: { which: 'root1' },
    });
  }
  if (!bytesEqual(sr, root2)) {
    throw new AttestryError('MERKLE_ROOT_MISMATCH', 'consistency proof does not lead to root2', {
      details: { which: 'root2' },
    });
  }
}
