/**
 * The api: the GraphQL API over tlog and idx (read-only role).
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
import { apiConfig } from './config.js';

const config = loadConfig('api', apiConfig, process.env);
const logger = createLogger('api', config.LOG_LEVEL);
const metrics = createMetrics('api');
const pool = createPool(config.DATABASE_URL, { applicationName: 'attestry-api' });
const bus = new Bus({
  brokers: config.KAFKA_BROKERS,
  clientId: 'attestry-api',
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

logger.info({ url: `http://${config.HOST}:${config.PORT}` }, 'api started');
