/**
 * RFC 6962 / RFC 9162 §2.1.1 hashing over SHA-256, with the domain-separation prefixes that keep a
 * leaf hash from ever equalling an interior node hash (the second-preimage defence of RFC 6962 §2.1).
 */
import { AttestryError, crypto } from '../core/index.js';

/** SHA-256 output size; every leaf, node and root hash in the log has exactly this length. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** MTH({d(0)}) = SHA-256(0x00 || entry) (RFC 9162 §2.1.1). */
export function hashLeaf(entry: Uint8Array): Buffer {
  // One copy into a single buffer, then a one-shot hash: faster than streaming for log-sized entries.
  return crypto.sha256Once(Buffer.concat([LEAF_PREFIX, entry]));
}

// Preimage buffer for interior nodes, reused: hashing is synchronous, and a one-shot hash of one
// 65-byte buffer is about twice as fast as a streaming hash fed three parts (this is the hot loop).
const nodePreimage = Buffer.alloc(1 + 2 * HASH_SIZE);
nodePreimage[0] = 0x01;

/** Interior node: SHA-256(0x01 || left || right) (RFC 9162 §2.1.1). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) return crypto.sha256(NODE_PREFIX, left, right);
  nodePreimage.set(left, 1);
  nodePreimage.set(right, 1 + HASH_SIZE);
  return crypto.sha256Once(nodePreimage);
}

/** hashChildren of the two hashes stored back to back in buf at byte `offset` (tile internals). */
export function hashAdjacentChildren(buf: Uint8Array, offset: number): Buffer {
  nodePreimage.set(buf.subarray(offset, offset + 2 * HASH_SIZE), 1);
  return crypto.sha256Once(nodePreimage);
}

/** MTH({}) = SHA-256() (RFC 9162 §2.1.1). A fresh buffer each call, so callers cannot corrupt it. */
export function emptyRoot(): Buffer {
  return crypto.sha256();
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Tree sizes and indexes are JS numbers: exact up to 2^53, far beyond any log we will run. */
export function assertSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new AttestryError(
      'MERKLE_INVALID_ARGUMENT',
      `${what} must be a non-negative safe integer, got ${n}`,
    );
  }
}

/** Hashes often arrive from the network (attacker-controlled): a wrong length is refused, never truncated. */
export function assertHash(
  h: unknown,
  what: string,
  code: 'MERKLE_INVALID_ARGUMENT' | 'MERKLE_PROOF_INVALID',
): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    const len = h instanceof Uint8Array ? h.length : typeof h;
    throw new AttestryError(code, `${what} must be a ${HASH_SIZE}-byte hash, got ${len}`);
  }
}
