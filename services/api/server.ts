/**
 * The api's HTTP server: /graphql (Apollo Server over node:http, queries by GET or POST;
 * subscriptions over WebSocket with graphql-ws on the same path), the ops endpoints, and the
 * dashboard at / (services/api/web/index.html: one self-contained page, nothing fetched from a
 * CDN). Limits run before Apollo (services/api/limits.ts); every error leaves through one formatter that keeps known codes and hides everything else
 * (no stack traces, no SQL), whatever NODE_ENV says.
 */
import http from 'node:http';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { makeExecutableSchema } from '@graphql-tools/schema';
import {
  GraphQLError,
  GraphQLScalarType,
  parse,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { crypto, Lru } from '../../libs/core/index.js';
import {
  handleOpsRequest,
  sendJson,
  type Logger,
  type Metrics,
  type Readiness,
} from '../../libs/observe/index.js';
import { createContext, type ApiContext, type ApiDeps } from './context.js';
import { checkLimits, type Limits } from './limits.js';
import { resolvers } from './resolvers.js';
import { readDashboard, readSdl } from './sdl.js';

export interface ApiServerOptions {
  deps: ApiDeps;
  limits: Limits;
  maxBodyBytes: number;
  requestTimeoutMs: number;
  logger: Logger;
  metrics: Metrics;
  readiness: Readiness;
}

/** Codes whose message is meant for the client; anything else is reported as an internal error. */
const CLIENT_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'QUERY_TOO_DEEP',
  'TOO_MANY_ALIASES',
  'QUERY_TOO_COSTLY',
  'PAYLOAD_TOO_LARGE',
  'SUBSCRIBER_TOO_SLOW',
]);

export function buildSchema(): GraphQLSchema {
  // Scalars are given as their functions only, so the SDL keeps their descriptions.
  const scalars = Object.fromEntries(
    Object.entries(resolvers)
      .filter(([, v]) => v instanceof GraphQLScalarType)
      .map(([k, v]) => {
        const s = v as GraphQLScalarType;
        return [k, { serialize: s.serialize, parseValue: s.parseValue, parseLiteral: s.parseLiteral }];
      }),
  );
  return makeExecutableSchema({ typeDefs: readSdl(), resolvers: { ...resolvers, ...scalars } as never });
}

/** A BAD_USER_INPUT error of ours inside a wrapper (a scalar literal refused during validation). */
function userInputCause(error: unknown): GraphQLError | undefined {
  let e = error as { originalError?: unknown } | undefined;
  for (let i = 0; i < 5 && e; i++) {
    if (e instanceof GraphQLError && e.extensions['code'] === 'BAD_USER_INPUT') return e;
    e = e.originalError as { originalError?: unknown } | undefined;
  }
  return undefined;
}

/** The error as the client sees it: known codes keep their message, the rest is masked and logged. */
function formatError(
  logger: Logger,
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  const code = formatted.extensions?.['code'];
  const input = code === 'GRAPHQL_VALIDATION_FAILED' ? userInputCause(error) : undefined;
  if (input) return { message: formatted.message, extensions: { code: 'BAD_USER_INPUT' } };
  if (typeof code === 'string' && CLIENT_CODES.has(code)) {
    const { stacktrace: _s, http: _h, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const id = crypto.randomUuid();
  logger.error(
    { err: (error as GraphQLError)?.originalError ?? error, errorId: id },
    'graphql resolver failed',
  );
  return {
    message: `internal error (id ${id})`,
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

function graphqlErrorBody(code: string, message: string): { errors: GraphQLFormattedError[] } {
  return { errors: [{ message, extensions: { code } }] };
}

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startApiServer(
  opts: ApiServerOptions,
  host: string,
  port: number,
): Promise<{ server: http.Server; schema: GraphQLSchema; close(): Promise<void> }> {
  const { deps, limits, logger, metrics } = opts;
  const schema = buildSchema();
  const dashboard = readDashboard();
  const apollo = new ApolloServer<ApiContext>({
    schema,
    introspection: true,
    // Shutdown is ours (libs/observe onShutdown -> close()): Apollo's own handler would stop it and
    // re-raise the signal, exiting before the pool is closed.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    parseOptions: { maxTokens: 50_000 },
    formatError: (formatted, error) => formatError(logger, formatted, error),
    // No cache hints are used; without a willResolveField hook Apollo does not wrap every resolver.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled()],
  });
  await apollo.start();

  const requests = metrics.counter('graphql_requests_total', 'GraphQL HTTP requests', ['status']);
  const latency = metrics.histogram(
    'graphql_request_duration_seconds',
    'GraphQL HTTP request latency',
    [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    [],
  );

  /** Limits on a parsed request; undefined when it may run (or when Apollo must explain it). */
  // Parsed documents by query text: clients repeat the same few queries, so the limits do not
  // parse each request again (Apollo keeps its own cache of parsed and validated documents).
  // Only short texts are kept: a parsed document takes ~10-20 times its text, and one-off
  // queries with inlined literals (a poller's 50 aliases, an attacker's 50,000 tokens) would
  // otherwise fill the cache with megabytes each; at most 500 x 4 KiB of text stays here.
  const parsed = new Lru<DocumentNode>(500);
  const CACHED_QUERY_MAX = 4096;
  const refuse = (query: unknown, variables: unknown, operationName: unknown) => {
    if (typeof query !== 'string') return undefined;
    let doc = parsed.get(query);
    if (!doc) {
      try {
        doc = parse(query, { maxTokens: 50_000 });
      } catch {
        return undefined; // Apollo answers GRAPHQL_PARSE_FAILED with the position
      }
      if (query.length <= CACHED_QUERY_MAX) parsed.set(query, doc);
    }
    const errors = checkLimits(
      schema,
      doc,
      variables && typeof variables === 'object' ? (variables as Record<string, unknown>) : undefined,
      typeof operationName === 'string' ? operationName : undefined,
      limits,
    );
    return errors.length > 0 ? errors : undefined;
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    const method = (req.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'POST') {
      sendJson(res, 405, graphqlErrorBody('METHOD_NOT_ALLOWED', 'use GET or POST'), { allow: 'GET, POST' });
      return;
    }
    let body: unknown = undefined;
    if (method === 'POST') {
      let raw: Buffer;
      try {
        raw = await readBody(req, opts.maxBodyBytes);
      } catch (e) {
        if (e instanceof BodyTooLarge) {
          sendJson(
            res,
            413,
            graphqlErrorBody('PAYLOAD_TOO_LARGE', `request body above ${opts.maxBodyBytes} bytes`),
            { connection: 'close' },
          );
          return;
        }
        throw e;
      }
      const type = req.headers['content-type'] ?? '';
      if (type.includes('json')) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          sendJson(res, 400, graphqlErrorBody('BAD_REQUEST', 'request body is not JSON'));
          return;
        }
      } else body = raw.toString('utf8');
    }
    const params =
      method === 'GET'
        ? {
            query: url.searchParams.get('query'),
            variables: (() => {
              try {
                return JSON.parse(url.searchParams.get('variables') ?? 'null');
              } catch {
                return undefined;
              }
            })(),
            operationName: url.searchParams.get('operationName'),
          }
        : ((body ?? {}) as Record<string, unknown>);
    const refused = Array.isArray(params)
      ? undefined
      : refuse(params.query, params.variables, params.operationName);
    if (refused) {
      sendJson(res, 400, {
        errors: refused.map((e) => ({ message: e.message, extensions: { code: e.extensions['code'] } })),
      });
      return;
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = { method, headers, search: url.search, body };
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: async () => createContext(deps),
    });
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of result.headers) outHeaders[k] = v;
    res.writeHead(result.status ?? 200, outHeaders);
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  };

  const server = http.createServer((req, res) => {
    if (handleOpsRequest(req, res, metrics, opts.readiness)) return;
    const url = new URL(req.url ?? '/', 'http://api');
    if (url.pathname === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(dashboard);
      return;
    }
    if (url.pathname !== '/graphql') {
      sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no route for ${url.pathname}` } });
      return;
    }
    const end = latency.startTimer();
    res.on('finish', () => {
      end();
      requests.inc({ status: String(res.statusCode) });
    });
    handle(req, res, url).catch((e: unknown) => {
      logger.error({ err: e }, 'graphql request failed');
      if (!res.headersSent) sendJson(res, 500, graphqlErrorBody('INTERNAL_SERVER_ERROR', 'internal error'));
      else res.destroy();
    });
  });
  server.requestTimeout = opts.requestTimeoutMs;

  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: opts.maxBodyBytes });
  const ws = useServer(
    {
      schema,
      context: () => createContext(deps),
      onSubscribe: (_ctx, _id, payload) => {
        const refused = refuse(payload.query, payload.variables, payload.operationName);
        return refused ?? undefined;
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(logger, e.toJSON(), e)),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors
          ? { ...result, errors: result.errors.map((e) => formatError(logger, e.toJSON(), e)) }
          : undefined,
    },
    wss,
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });

  return {
    server,
    schema,
    async close() {
      deps.feed.close();
      await ws.dispose();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await apollo.stop();
    },
  };
}
