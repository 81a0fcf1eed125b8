/**
 * C2SP tlog-cosignature, Ed25519 cosignature/v1 (signature type 0x04): the timestamped_signature
 * structure and the message a cosigner signs.
 */
import { AttestryError } from '../core/index.js';

const TIMESTAMP_BYTES = 8;
const ED25519_SIGNATURE_BYTES = 64;

/** A decoded cosignature/v1 note signature (the bytes after the 4-byte key ID). */
export interface Cosignature {
  /** POSIX seconds when the cosigner signed (tlog-cosignature §Format `timestamp`). */
  readonly timestamp: number;
  /** The 64-byte Ed25519 signature over cosignatureMessage(timestamp, note text). */
  readonly signature: Uint8Array;
}

/**
 * tlog-cosignature §Ed25519 signed message: "cosignature/v1\n", "time <decimal, no leading
 * zeroes>\n", then the whole checkpoint note text, extension lines included.
 */
export function cosignatureMessage(timestamp: number, text: Uint8Array): Buffer {
  assertTimestamp(timestamp);
  return Buffer.concat([Buffer.from(`cosignature/v1\ntime ${timestamp}\n`, 'utf8'), text]);
}

/**
 * Decodes `timestamped_signature` (tlog-cosignature §Format): u64 big-endian timestamp, then the
 * 64-byte Ed25519 signature. Attacker-controlled input. The spec caps the timestamp at 2^63 - 1
 * and lets verifiers reject timestamps in the future; we reject anything above 2^53 - 1 seconds
 * (far in the future) so a timestamp is always an exact JS number.
 */
export function parseCosignature(signature: Uint8Array): Cosignature {
  if (signature.length !== TIMESTAMP_BYTES + ED25519_SIGNATURE_BYTES) {
    throw new AttestryError(
      'NOTE_MALFORMED',
      `a cosignature/v1 signature is ${TIMESTAMP_BYTES + ED25519_SIGNATURE_BYTES} bytes, got ${signature.length}`,
    );
  }
  const view = Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength);
  const timestamp = view.readBigUInt64BE(0);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new AttestryError('NOTE_MALFORMED', 'cosignature timestamp is too far in the future');
  }
  return { timestamp: Number(timestamp), signature: view.subarray(TIMESTAMP_BYTES) };
}

/** Encodes `timestamped_signature`: u64 big-endian timestamp || Ed25519 signature. */
export function encodeCosignature(timestamp: number, signature: Uint8Array): Buffer {
  assertTimestamp(timestamp);
  if (signature.length !== ED25519_SIGNATURE_BYTES) {
    throw new AttestryError('INPUT_MALFORMED', 'an Ed25519 signature is 64 bytes');
  }
  const out = Buffer.alloc(TIMESTAMP_BYTES + ED25519_SIGNATURE_BYTES);
  out.writeBigUInt64BE(BigInt(timestamp), 0);
  out.set(signature, TIMESTAMP_BYTES);
  return out;
}

function assertTimestamp(timestamp: number): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new AttestryError(
      'INPUT_MALFORMED',
      'a cosignature timestamp is a non-negative whole number of seconds',
    );
  }
}
