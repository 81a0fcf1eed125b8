/**
 * The gateway: HTTP ingest, the Rekor v1 subset and the log's tile read path.
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
import { gatewayConfig } from './config.js';

const config = loadConfig('gateway', gatewayConfig, process.env);
const logger = createLogger('gateway', config.LOG_LEVEL);
const metrics = createMetrics('gateway');
const pool = createPool(config.DATABASE_URL, { applicationName: 'attestry-gateway' });
const bus = new Bus({
  brokers: config.KAFKA_BROKERS,
  clientId: 'attestry-gateway',
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

logger.info({ url: `http://${config.HOST}:${config.PORT}` }, 'gateway started');
