import { z, port, commonServiceConfig, byteSize, positiveInt } from '../../libs/config/index.js';

/** Configuration of the indexer (the projection of the log into the idx schema), from the environment. */
export const indexerConfig = z.object({
  ...commonServiceConfig,
  PORT: port(8082),
  /**
   * Kafka fetch size per partition: bounds one batch (and its PostgreSQL transaction). 1 MiB keeps
   * the process under 300 MB RSS while draining six partitions (4 MiB: 283-323 MB) at about 4,300
   * entries/s, above the sequencer's rate (docs/BENCHMARKS.md).
   */
  BATCH_MAX_BYTES: byteSize(1024 * 1024),
  /** How often the lag gauge (entries behind the log head) is refreshed. */
  INDEXER_LAG_INTERVAL_MS: positiveInt(2000),
  /** PostgreSQL connections of this process. */
  INDEXER_POOL_SIZE: positiveInt(6),
});
export type IndexerConfig = z.infer<typeof indexerConfig>;
