/**
 * Event payloads on Attestry's topics, each a versioned zod schema (DESIGN.md "Topics").
 * Every consumer parses what it reads with these and sends what does not parse to
 * attestry.rejected with the reason: nothing is dropped silently.
 */
import { z } from 'zod';

/** attestry.submissions, key = entry hash (hex). `input` is verified again by the sequencer. */
export const SubmissionEvent = z.object({
  v: z.literal(1),
  /** The gateway's (or producer's) id for the request, for tracing. */
  requestId: z.string().min(1).max(128),
  receivedAt: z.iso.datetime(),
  /** Who produced it: 'gateway', 'cli', 'generator', ... (informational, never trusted). */
  source: z.string().min(1).max(64),
  /** The signing event as submitted (a Sigstore bundle, a DSSE envelope with its key, or a hashedrekord). */
  input: z.unknown(),
  /**
   * The gateway's voucher for `input` (libs/tlog/voucher.ts): the canonical entry body it derived
   * when it verified the input, MACed. The sequencer logs a valid one without verifying again and
   * verifies anything else in full.
   */
  verified: z.unknown().optional(),
});
export type SubmissionEvent = z.infer<typeof SubmissionEvent>;

/**
 * attestry.entries, key = log index (decimal). The attestation rides inline up to a size limit,
 * by hash beyond it (claim check: GET /api/v1/attestations/sha256:<hex> on the gateway).
 */
export const EntryEvent = z.object({
  v: z.literal(1),
  logIndex: z.number().int().nonnegative(),
  /** Hex RFC 6962 leaf hash: the entry id. */
  leafHash: z.string().regex(/^[0-9a-f]{64}$/),
  kind: z.enum(['hashedrekord', 'dsse']),
  /** Base64 of the canonical entry body (the leaf's bytes). */
  body: z.string(),
  /** Unix seconds. */
  integratedTime: z.number().int().nonnegative(),
  /** Hex SHA-256 of the log's ECDSA key (Rekor v1 logID). */
  logId: z.string().regex(/^[0-9a-f]{64}$/),
  attestation: z
    .object({
      hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
      mediaType: z.string(),
      size: z.number().int().nonnegative(),
      /** Base64 content, present when size <= the inline limit. */
      content: z.string().optional(),
    })
    .nullable(),
});
export type EntryEvent = z.infer<typeof EntryEvent>;

/** attestry.rejected, key = entry hash when known. */
export const RejectedEvent = z.object({
  v: z.literal(1),
  rejectedAt: z.iso.datetime(),
  rejectedBy: z.enum(['gateway', 'sequencer', 'indexer', 'monitor']),
  /** An AttestryError code such as SIGNATURE_INVALID or INPUT_MALFORMED. */
  reason: z.string().min(1),
  message: z.string(),
  /** Where it came from, when it came from Kafka. */
  origin: z.object({ topic: z.string(), partition: z.number().int(), offset: z.number().int() }).optional(),
  /** The rejected payload: the original bytes as base64 (may be truncated, see `truncated`). */
  payloadBase64: z.string(),
  truncated: z.boolean(),
});
export type RejectedEvent = z.infer<typeof RejectedEvent>;

/** attestry.checkpoints, key = origin. */
export const CheckpointEvent = z.object({
  v: z.literal(1),
  origin: z.string(),
  treeSize: z.number().int().nonnegative(),
  rootHash: z.string(),
  /** The signed note, verbatim. */
  note: z.string(),
  publishedAt: z.iso.datetime(),
});
export type CheckpointEvent = z.infer<typeof CheckpointEvent>;

/** attestry.alerts, key = origin or signer. */
export const AlertEvent = z.object({
  v: z.literal(1),
  kind: z.enum(['split-view', 'inconsistent-checkpoint', 'watched-signer']),
  raisedAt: z.iso.datetime(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
});
export type AlertEvent = z.infer<typeof AlertEvent>;

/** Rejected payloads travel with their reason, truncated to this size. */
export const REJECTED_PAYLOAD_MAX_BYTES = 1024 * 1024;

/** Builds the attestry.rejected event for a record a service refuses (one shape for every service). */
export function toRejectedEvent(r: {
  by: RejectedEvent['rejectedBy'];
  reason: string;
  message: string;
  payload: Buffer;
  at: Date;
  origin?: { topic: string; partition: number; offset: number };
}): RejectedEvent {
  return {
    v: 1,
    rejectedAt: r.at.toISOString(),
    rejectedBy: r.by,
    reason: r.reason,
    message: r.message,
    ...(r.origin ? { origin: r.origin } : {}),
    payloadBase64: r.payload.subarray(0, REJECTED_PAYLOAD_MAX_BYTES).toString('base64'),
    truncated: r.payload.length > REJECTED_PAYLOAD_MAX_BYTES,
  };
}
