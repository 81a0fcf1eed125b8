import { z, port, commonServiceConfig, byteSize, positiveInt, trustConfig } from '../../libs/config/index.js';
import { logKeyConfig, voucherConfig } from '../../libs/logkeys/index.js';

/** Configuration of the sequencer (the single writer of the transparency log), from the environment. */
export const sequencerConfig = z.object({
  ...commonServiceConfig,
  PORT: port(8081),
  ...logKeyConfig,
  ...voucherConfig,
  ...trustConfig,
  /** A standby takes over when the active sequencer's heartbeat is older than this. */
  SEQUENCER_LEASE_MS: positiveInt(6000),
  /** Attestations up to this size ride inline on attestry.entries; larger ones by hash. */
  ENTRY_INLINE_LIMIT_BYTES: byteSize(1024 * 1024),
  /** Verification worker threads (0 = verify on the main thread). */
  SEQUENCER_VERIFY_WORKERS: z.coerce.number().int().min(0).max(16).default(1),
  /**
   * Log a submission the gateway vouched for (HMAC under a key derived from the voucher secret
   * the gateways share, VOUCHER_SECRET_FILE) without verifying it again; unvouched submissions are always verified. Off by default:
   * the log's writer verifies everything it logs (defence in depth against a gateway bug); turn
   * it on when gateway and sequencer are one trust domain and ingest CPU matters.
   */
  SEQUENCER_TRUST_GATEWAY_VOUCHERS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Kafka fetch size per partition: bounds one batch transaction. */
  BATCH_MAX_BYTES: byteSize(1024 * 1024),
});
export type SequencerConfig = z.infer<typeof sequencerConfig>;
