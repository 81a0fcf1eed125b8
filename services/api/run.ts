/**
 * The api (started through ./main.ts): the GraphQL API over tlog and idx with a read-only role (schema/graphql/*.graphql),
 * at http://127.0.0.1:4000/graphql, subscriptions over WebSocket on the same path.
 * Serves /healthz, /readyz and /metrics on the same port; stops cleanly on SIGTERM.
 */
import { loadConfig } from '../../libs/config/index.js';
import { createLogger, createMetrics, onShutdown } from '../../libs/observe/index.js';
import { createPool, checkDatabase, TlogReader, tlogStore } from '../../libs/db/index.js';
import { apiConfig } from './config.js';
import { ReadModel } from './read-model.js';
import { startApiServer } from './server.js';
import { EntryFeed } from './subscriptions.js';

const config = loadConfig('api', apiConfig, process.env);
const logger = createLogger('api', config.LOG_LEVEL);
const metrics = createMetrics('api');
const pool = createPool(config.DATABASE_URL, {
  applicationName: 'attestry-api',
  max: config.DB_POOL_SIZE,
  statementTimeoutMs: config.QUERY_TIMEOUT_MS,
});
const model = new ReadModel(pool);
const feed = new EntryFeed(model, config.SUBSCRIPTION_POLL_MS, (e) =>
  logger.warn({ err: e }, 'subscription poll failed'),
);

await feed.start();
const api = await startApiServer(
  {
    deps: {
      pool,
      model,
      reader: new TlogReader(pool),
      logId: tlogStore.logIdSource(pool),
      gatewayUrl: config.GATEWAY_PUBLIC_URL.replace(/\/+$/, ''),
      maxGraphNodes: config.GRAPH_MAX_NODES,
      feed,
    },
    limits: {
      maxDepth: config.GRAPHQL_MAX_DEPTH,
      maxAliases: config.GRAPHQL_MAX_ALIASES,
      maxCost: config.GRAPHQL_MAX_COST,
    },
    maxBodyBytes: config.GRAPHQL_MAX_BODY_BYTES,
    requestTimeoutMs: config.QUERY_TIMEOUT_MS,
    logger,
    metrics,
    readiness: { check: () => checkDatabase(pool) },
  },
  config.HOST,
  config.PORT,
);

onShutdown(logger, async () => {
  await api.close();
  await pool.end();
});

logger.info({ url: `http://${config.HOST}:${config.PORT}/graphql` }, 'api started');
