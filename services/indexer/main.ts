/**
 * The indexer: the projection of the log into the idx schema. Any number of indexers share the
 * entries topic's partitions as one consumer group.
 * Serves /healthz, /readyz and /metrics on its own port; stops cleanly on SIGTERM.
 */
import { systemClock } from '../../libs/core/index.js';
import { loadConfig } from '../../libs/config/index.js';
import {
  createLogger,
  createMetrics,
  startOpsServer,
  closeServer,
  onShutdown,
} from '../../libs/observe/index.js';
import { createPool, checkDatabase } from '../../libs/db/index.js';
import { Bus, topicNames } from '../../libs/bus/index.js';
import { indexerConfig } from './config.js';
import { Indexer } from './indexer.js';

const config = loadConfig('indexer', indexerConfig, process.env);
const logger = createLogger('indexer', config.LOG_LEVEL);
const metrics = createMetrics('indexer');
const pool = createPool(config.DATABASE_URL, {
  applicationName: 'attestry-indexer',
  max: config.INDEXER_POOL_SIZE,
});
const bus = new Bus({
  brokers: config.KAFKA_BROKERS,
  clientId: 'attestry-indexer',
  log: (level, msg, extra) => logger[level](extra, msg),
});

const indexer = new Indexer({
  pool,
  bus,
  topics: topicNames(config.TOPIC_PREFIX),
  groupId: `${config.TOPIC_PREFIX}indexer`,
  logger,
  metrics,
  clock: systemClock,
  maxBytesPerPartition: config.BATCH_MAX_BYTES,
  lagIntervalMs: config.INDEXER_LAG_INTERVAL_MS,
});

const server = await startOpsServer({
  host: config.HOST,
  port: config.PORT,
  metrics,
  readiness: { check: async () => [...(await checkDatabase(pool)), ...(await bus.check())] },
});
await indexer.start();

onShutdown(logger, async () => {
  await closeServer(server);
  await indexer.stop();
  await bus.close();
  await pool.end();
});

logger.info(
  { url: `http://${config.HOST}:${config.PORT}`, groupId: `${config.TOPIC_PREFIX}indexer` },
  'indexer started',
);
