/**
 * The indexer: the projection of the log into the idx schema.
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
import { indexerConfig } from './config.js';

const config = loadConfig('indexer', indexerConfig, process.env);
const logger = createLogger('indexer', config.LOG_LEVEL);
const metrics = createMetrics('indexer');
const pool = createPool(config.DATABASE_URL, { applicationName: 'attestry-indexer' });
const bus = new Bus({
  brokers: config.KAFKA_BROKERS,
  clientId: 'attestry-indexer',
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

logger.info({ url: `http://${config.HOST}:${config.PORT}` }, 'indexer started');
