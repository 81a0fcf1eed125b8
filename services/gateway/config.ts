import { z, port, commonServiceConfig, byteSize, positiveInt, trustConfig } from '../../libs/config/index.js';
import { logKeyConfig, voucherConfig } from '../../libs/logkeys/index.js';

/** Configuration of the gateway (HTTP ingest, Rekor v1 subset, the log's read path), from the environment. */
export const gatewayConfig = z.object({
  ...commonServiceConfig,
  // The gateway holds none of the log's keys (it reads the log id from tlog.log_identity); the
  // keys folder is only where it finds the voucher secret.
  ATTESTRY_HOME: logKeyConfig.ATTESTRY_HOME,
  LOG_KEYS_DIR: logKeyConfig.LOG_KEYS_DIR,
  ...voucherConfig,
  ...trustConfig,
  /** How long POST /api/v1/entries waits for inclusion before answering 503 (the submission stays accepted). */
  INCLUSION_WAIT_MS: positiveInt(30000),
  PORT: port(8080),
  /**
   * PostgreSQL connections of one gateway (inclusion waiters, tiles, proofs, search). Several
   * gateways on one server add up: keep the sum under max_connections or put a pooler in front.
   */
  DB_POOL_SIZE: positiveInt(20),
  /** Largest accepted request body (default 8 MiB; the submission topics take 12 MiB). */
  MAX_BODY_BYTES: byteSize(8 * 1024 * 1024),
  /** Per-client token bucket: sustained requests per second and burst. */
  RATE_LIMIT_RPS: positiveInt(2000),
  RATE_LIMIT_BURST: positiveInt(200),
  REQUEST_TIMEOUT_MS: positiveInt(30000),
  /** Full tiles kept in memory (8 KiB each). */
  TILE_CACHE_TILES: positiveInt(4096),
});
export type GatewayConfig = z.infer<typeof gatewayConfig>;
