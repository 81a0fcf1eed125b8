/**
 * One base error for all of Attestry. Every failure carries a closed, typed `code`
 * (`AREA_PROBLEM`) and optionally a `cause`; edges (HTTP, GraphQL, attestry.rejected) map codes
 * to statuses in one place each. Never throw strings, never branch on messages.
 */
export const ERROR_CODES = [
  // configuration and start-up
  'CONFIG_INVALID',
  // encodings and input shape
  'INPUT_MALFORMED',
  'INPUT_TOO_LARGE',
  'ENTRY_TOO_LARGE',
  'RATE_LIMITED',
  // Merkle tree and tiles (RFC 6962 / RFC 9162, C2SP tlog-tiles)
  'MERKLE_INVALID_ARGUMENT',
  'MERKLE_PROOF_INVALID',
  'MERKLE_ROOT_MISMATCH',
  'MERKLE_TILE_MISSING',
  // signed notes and checkpoints (C2SP signed-note, tlog-checkpoint, tlog-cosignature)
  'NOTE_MALFORMED',
  'NOTE_SIGNATURE_INVALID',
  'NOTE_NO_KNOWN_SIGNATURE',
  'CHECKPOINT_MALFORMED',
  'CHECKPOINT_ORIGIN_MISMATCH',
  'KEY_MALFORMED',
  // verification (Sigstore bundles, DSSE, hashedrekord)
  'BUNDLE_MALFORMED',
  'SIGNATURE_INVALID',
  'CERTIFICATE_UNTRUSTED',
  'IDENTITY_MISMATCH',
  'TLOG_PROOF_INVALID',
  'TIMESTAMP_INVALID',
  'DIGEST_MISMATCH',
  'KEY_UNSUPPORTED',
  'KEY_UNTRUSTED',
  // formats (in-toto, SLSA, SPDX, CycloneDX)
  'FORMAT_MALFORMED',
  'FORMAT_UNSUPPORTED',
  // infrastructure
  'DB_UNAVAILABLE',
  'DB_CONFLICT',
  'BUS_UNAVAILABLE',
  'BUS_BACKPRESSURE',
  'BUS_MESSAGE_TOO_LARGE',
  'SEQUENCER_FENCED',
  'LOG_KEY_MISMATCH',
  'LOG_NOT_STARTED',
  'NOT_FOUND',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class AttestryError extends Error {
  readonly code: ErrorCode;
  /** Structured, non-secret details safe to show to a client (e.g. zod issues). */
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AttestryError';
    this.code = code;
    this.details = options.details;
  }
}

export function isAttestryError(e: unknown, code?: ErrorCode): e is AttestryError {
  return e instanceof AttestryError && (code === undefined || e.code === code);
}

/** Wraps anything thrown into an AttestryError, keeping the original as the cause. */
export function toAttestryError(e: unknown, fallback: ErrorCode = 'INTERNAL'): AttestryError {
  if (e instanceof AttestryError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new AttestryError(fallback, message, { cause: e });
}
