import { z, port, commonServiceConfig } from '../../libs/config/index.js';

/** Configuration of the api (the GraphQL API over tlog and idx (read-only role)), from the environment. */
export const apiConfig = z.object({
  ...commonServiceConfig,
  PORT: port(4000),
});
export type ApiConfig = z.infer<typeof apiConfig>;
