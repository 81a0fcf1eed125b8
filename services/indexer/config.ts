import { z, port, commonServiceConfig } from '../../libs/config/index.js';

/** Configuration of the indexer (the projection of the log into the idx schema), from the environment. */
export const indexerConfig = z.object({
  ...commonServiceConfig,
  PORT: port(8082),
});
export type IndexerConfig = z.infer<typeof indexerConfig>;
