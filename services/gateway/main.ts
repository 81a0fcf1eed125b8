/**
 * The gateway: HTTP ingest, the Rekor v1 subset and the log's tile read path.
 * Serves /healthz, /readyz and /metrics on its own port; stops cleanly on SIGTERM.
 */
import http from 'node:http';
import { AttestryError, crypto, systemClock } from '../../libs/core/index.js';
import { loadConfig, readJsonFiles } from '../../libs/config/index.js';
import {
  createLogger,
  createMetrics,
  handleOpsRequest,
  listen,
  closeServer,
  onShutdown,
} from '../../libs/observe/index.js';
import { createPool, checkDatabase, TlogReader, tlogStore } from '../../libs/db/index.js';
import { Bus, topicNames } from '../../libs/bus/index.js';
import { loadVoucherSecret } from '../../libs/logkeys/index.js';
import {
  createLogVerifier,
  createVoucher,
  keyHintsFromLists,
  trustFromRoots,
} from '../../libs/tlog/index.js';
import { gatewayConfig } from './config.js';
import { Router, RateLimiter, sendError } from './http.js';
import { registerTlogRoutes } from './tlog-routes.js';
import { registerIngestRoutes, type IngestDeps } from './ingest-routes.js';
import { registerRekorRoutes } from './rekor-routes.js';
import { registerIndexRoutes } from './index-routes.js';
import { openApiDocument } from './openapi.js';
import { InclusionWaiter } from './inclusion-waiter.js';
import { LeafLookup } from './leaf-lookup.js';
import { followRejections } from './rejections.js';

const config = loadConfig('gateway', gatewayConfig, process.env);
const logger = createLogger('gateway', config.LOG_LEVEL);
const metrics = createMetrics('gateway');
const pool = createPool(config.DATABASE_URL, {
  applicationName: 'attestry-gateway',
  max: config.DB_POOL_SIZE,
  statementTimeoutMs: 10000,
});
const bus = new Bus({
  brokers: config.KAFKA_BROKERS,
  clientId: 'attestry-gateway',
  log: (level, msg, extra) => logger[level](extra, msg),
});
const reader = new TlogReader(pool, config.TILE_CACHE_TILES);
const limiter = new RateLimiter(config.RATE_LIMIT_RPS, config.RATE_LIMIT_BURST);
const requests = metrics.counter('http_requests_total', 'HTTP requests', ['route', 'status']);
const latency = metrics.histogram(
  'http_request_duration_seconds',
  'HTTP request latency',
  [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  ['route'],
);

const phaseBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const ingestPhase = metrics.histogram(
  'ingest_phase_seconds',
  'Time per phase of POST /api/v1/entries',
  phaseBuckets,
  ['phase'],
);

const waiterLookup = metrics.histogram(
  'waiter_lookup_seconds',
  'One inclusion-waiter lookup of every pending leaf hash',
  phaseBuckets,
);
const waiterKeys = metrics.histogram(
  'waiter_lookup_keys',
  'Pending leaf hashes per inclusion-waiter lookup',
  [1, 10, 100, 1000, 10000],
);
const waiter = new InclusionWaiter(
  pool,
  20,
  (s, n) => {
    waiterLookup.observe(s);
    waiterKeys.observe(n);
  },
  (cp) => reader.offerCheckpoint(cp),
);

// The log id and public key, read once from tlog.log_identity (the gateway holds no log key).
const logIdentity = tlogStore.logIdentitySource(pool);
const router = new Router();
registerTlogRoutes(router, reader);
const ingest: IngestDeps = {
  pool,
  bus,
  topics: topicNames(config.TOPIC_PREFIX),
  reader,
  waiter,
  lookup: new LeafLookup(pool),
  voucher: createVoucher(loadVoucherSecret(config), {
    roots: readJsonFiles(config.TRUSTED_ROOT_FILES),
    keyHints: readJsonFiles(config.KEY_HINT_FILES),
  }),
  verify: createLogVerifier({
    trust: trustFromRoots(readJsonFiles(config.TRUSTED_ROOT_FILES)),
    keyHints: keyHintsFromLists(readJsonFiles(config.KEY_HINT_FILES)),
    clock: systemClock,
  }),
  logId: async () => (await logIdentity()).logId,
  maxBodyBytes: config.MAX_BODY_BYTES,
  waitTimeoutMs: config.INCLUSION_WAIT_MS,
  phase: ingestPhase,
};
registerIngestRoutes(router, ingest);
const openapi = JSON.stringify(openApiDocument());
router.on('GET', '/openapi.json', async ({ res }) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(openapi);
});
registerRekorRoutes(router, { ...ingest, logIdentity });
registerIndexRoutes(router, { pool, maxBodyBytes: config.MAX_BODY_BYTES });

const readiness = { check: async () => [...(await checkDatabase(pool)), ...(await bus.check())] };

const server = http.createServer((req, res) => {
  if (handleOpsRequest(req, res, metrics, readiness)) return;
  const requestId = crypto.randomUuid();
  const url = new URL(req.url ?? '/', 'http://gateway');
  const matched = router.match(req.method ?? 'GET', url.pathname);
  const route =
    matched && matched !== 'methodNotAllowed' ? url.pathname.split('/').slice(0, 3).join('/') : 'unmatched';
  const end = latency.startTimer({ route });
  res.on('finish', () => {
    end();
    requests.inc({ route, status: String(res.statusCode) });
  });
  if (!limiter.take(req.socket.remoteAddress ?? 'unknown')) {
    res.setHeader('retry-after', '1');
    sendError(res, new AttestryError('RATE_LIMITED', 'too many requests from this client'), requestId);
    return;
  }
  if (!matched)
    return sendError(
      res,
      new AttestryError('NOT_FOUND', `no route for ${req.method} ${url.pathname}`),
      requestId,
    );
  if (matched === 'methodNotAllowed') {
    res.writeHead(405, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} is not allowed on ${url.pathname}` },
      }),
    );
    return;
  }
  matched.handler({ req, res, url, params: matched.params, requestId }).catch((e: unknown) => {
    if (!(e instanceof AttestryError) || e.code === 'INTERNAL')
      logger.error({ err: e, requestId, path: url.pathname }, 'request failed');
    sendError(res, e, requestId);
  });
});
server.requestTimeout = config.REQUEST_TIMEOUT_MS;
server.headersTimeout = Math.min(config.REQUEST_TIMEOUT_MS, 60000);
await listen(server, config.HOST, config.PORT);
const rejections = await followRejections({
  bus,
  topics: topicNames(config.TOPIC_PREFIX),
  groupId: `${config.TOPIC_PREFIX}gateway-${crypto.randomUuid()}`,
  waiter,
  logger,
});

onShutdown(logger, async () => {
  await closeServer(server);
  await rejections.stop();
  waiter.close();
  await bus.close();
  await pool.end();
});

logger.info({ url: `http://${config.HOST}:${config.PORT}` }, 'gateway started');
