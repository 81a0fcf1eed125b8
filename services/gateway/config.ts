import { z, port, commonServiceConfig } from '../../libs/config/index.js';

/** Configuration of the gateway (HTTP ingest, the Rekor v1 subset and the log's tile read path), from the environment. */
export const gatewayConfig = z.object({
  ...commonServiceConfig,
  PORT: port(8080),
});
export type GatewayConfig = z.infer<typeof gatewayConfig>;
