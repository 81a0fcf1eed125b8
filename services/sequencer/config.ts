import { z, port, commonServiceConfig } from '../../libs/config/index.js';

/** Configuration of the sequencer (the single writer of the transparency log), from the environment. */
export const sequencerConfig = z.object({
  ...commonServiceConfig,
  PORT: port(8081),
});
export type SequencerConfig = z.infer<typeof sequencerConfig>;
