/**
 * Observability for services: JSON logs (pino), Prometheus metrics (prom-client), and the
 * /healthz, /readyz, /metrics endpoints every process serves on its own port.
 */
import http from 'node:http';
import { pino, type Logger } from 'pino';
import client from 'prom-client';

export type { Logger };

export function createLogger(service: string, level: string): Logger {
  return pino({ level, base: { service, pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}

export interface Metrics {
  registry: client.Registry;
  counter(name: string, help: string, labelNames?: string[]): client.Counter<string>;
  gauge(name: string, help: string, labelNames?: string[]): client.Gauge<string>;
  histogram(name: string, help: string, buckets?: number[], labelNames?: string[]): client.Histogram<string>;
}

/** Metric names follow `attestry_<service>_<thing>_<unit>`. */
export function createMetrics(service: string): Metrics {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry, prefix: `attestry_${service}_` });
  const full = (name: string) => `attestry_${service}_${name}`;
  return {
    registry,
    counter: (name, help, labelNames = []) =>
      new client.Counter({ name: full(name), help, labelNames, registers: [registry] }),
    gauge: (name, help, labelNames = []) =>
      new client.Gauge({ name: full(name), help, labelNames, registers: [registry] }),
    histogram: (name, help, buckets, labelNames = []) =>
      new client.Histogram({
        name: full(name),
        help,
        labelNames,
        registers: [registry],
        ...(buckets ? { buckets } : {}),
      }),
  };
}

export interface Readiness {
  /** Resolves to a list of problems; empty means ready. */
  check(): Promise<string[]>;
}

/**
 * Answers /healthz (the process lives), /readyz (its dependencies answer) and /metrics.
 * Returns true when it handled the request, so HTTP services can mount it first.
 */
export function handleOpsRequest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  metrics: Metrics,
  readiness: Readiness,
): boolean {
  const url = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (url === '/healthz') {
    sendJson(res, 200, { status: 'ok' });
    return true;
  }
  if (url === '/readyz') {
    readiness
      .check()
      .then((problems) =>
        sendJson(
          res,
          problems.length === 0 ? 200 : 503,
          problems.length === 0 ? { status: 'ready' } : { status: 'not ready', problems },
        ),
      )
      .catch(() => sendJson(res, 503, { status: 'not ready', problems: ['readiness check failed'] }));
    return true;
  }
  if (url === '/metrics') {
    metrics.registry
      .metrics()
      .then((body) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(body);
      })
      .catch(() => sendJson(res, 500, { error: { code: 'INTERNAL', message: 'metrics unavailable' } }));
    return true;
  }
  return false;
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** An HTTP server that serves only the ops endpoints (for services without an API of their own). */
export function startOpsServer(opts: {
  host: string;
  port: number;
  metrics: Metrics;
  readiness: Readiness;
}): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (!handleOpsRequest(req, res, opts.metrics, opts.readiness))
      sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'not found' } });
  });
  return listen(server, opts.host, opts.port);
}

/**
 * Listens with an accept queue of `backlog` connections (the kernel caps it at somaxconn). Node's
 * default, 511, overflows when hundreds of clients connect within one busy event-loop turn: the
 * kernel then drops their handshakes and they retry SYN after 1 s, 3 s, 7 s (seconds of latency
 * that no server-side timer sees).
 */
export function listen(
  server: http.Server,
  host: string,
  port: number,
  backlog = 4096,
): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}

/**
 * Runs `shutdown` once on SIGTERM/SIGINT, then exits; a second signal or a stuck shutdown
 * past `graceMs` forces the exit (an in-flight batch is abandoned, never half-committed:
 * a batch commits in one PostgreSQL transaction or not at all). Returns a function that runs the
 * same shutdown from inside the process (a fatal condition) and exits with `code`.
 */
export function onShutdown(
  logger: Logger,
  shutdown: () => Promise<void>,
  graceMs = 15000,
): (reason: string, code?: number) => void {
  let stopping = false;
  const stop = (reason: string, code: number) => {
    if (stopping) {
      logger.warn({ reason }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown timed out: exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    shutdown()
      .then(() => {
        logger.info('stopped');
        logger.flush?.();
        process.exit(code);
      })
      .catch((e: unknown) => {
        logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', (signal) => stop(signal, 0));
  process.on('SIGINT', (signal) => stop(signal, 0));
  return (reason, code = 1) => stop(reason, code);
}
