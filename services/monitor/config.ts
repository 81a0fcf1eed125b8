import { z, port, commonServiceConfig } from '../../libs/config/index.js';

/** Configuration of the monitor (the log monitor and witness), from the environment. */
export const monitorConfig = z.object({
  ...commonServiceConfig,
  PORT: port(8083),
});
export type MonitorConfig = z.infer<typeof monitorConfig>;
