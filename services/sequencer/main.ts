/**
 * The sequencer: the single writer of the transparency log.
 * Serves /healthz, /readyz and /metrics on its own port; stops cleanly on SIGTERM.
 */
import { loadConfig } from '../../libs/config/index.js';
import {
  createLogger,
  createMetrics,
  startOpsServer,
  closeServer,
  onShutdown,
} from '../../libs/observe/index.js';
import { createPool, checkDatabase } from '../../libs/db/index.js';
import { Bus } from '../../libs/bus/index.js';
import { sequencerConfig } from './config.js';

const config = loadConfig('sequencer', sequencerConfig, process.env);
const logger = createLogger('sequencer', config.LOG_LEVEL);
const metrics = createMetrics('sequencer');
const pool = createPool(config.DATABASE_URL, { applicationName: 'attestry-sequencer' });
const bus = new Bus({
  brokers: config.KAFKA_BROKERS,
  clientId: 'attestry-sequencer',
  log: (level, msg, extra) => logger[level](extra, msg),
});

const server = await startOpsServer({
  host: config.HOST,
  port: config.PORT,
  metrics,
  readiness: { check: async () => [...(await checkDatabase(pool)), ...(await bus.check())] },
});

onShutdown(logger, async () => {
  await closeServer(server);
  await bus.close();
  await pool.end();
});

logger.info({ url: `http://${config.HOST}:${config.PORT}` }, 'sequencer started');
