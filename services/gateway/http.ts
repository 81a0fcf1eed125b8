/**
 * A small HTTP toolkit for the gateway: routing, bounded body reading, and the one place where
 * error codes become HTTP statuses (CONVENTIONS.md habit 3).
 */
import type http from 'node:http';
import { AttestryError, toAttestryError, type ErrorCode } from '../../libs/core/index.js';
import { sendJson } from '../../libs/observe/index.js';

export interface Request {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  params: Record<string, string>;
  requestId: string;
}

export type Handler = (r: Request) => Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  /** `path` may hold `:name` segments (one path segment each) or a trailing `*rest` (the remainder). */
  on(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const source = path
      .split('/')
      .map((seg) => {
        if (seg.startsWith(':')) {
          keys.push(seg.slice(1));
          return '([^/]+)';
        }
        if (seg.startsWith('*')) {
          keys.push(seg.slice(1));
          return '(.+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), keys, handler });
    return this;
  }

  /** Finds the handler; `methodNotAllowed` when the path exists for another method. */
  match(
    method: string,
    pathname: string,
  ): { handler: Handler; params: Record<string, string> } | 'methodNotAllowed' | undefined {
    let other = false;
    for (const r of this.routes) {
      const m = r.pattern.exec(pathname);
      if (!m) continue;
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) {
        other = true;
        continue;
      }
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1] ?? '')));
      return { handler: r.handler, params };
    }
    return other ? 'methodNotAllowed' : undefined;
  }
}

/** HTTP status for each error code: the gateway's single mapping. */
export function httpStatusFor(code: ErrorCode | string): number {
  switch (code) {
    case 'INPUT_MALFORMED':
    case 'BUNDLE_MALFORMED':
    case 'FORMAT_MALFORMED':
    case 'MERKLE_INVALID_ARGUMENT':
    case 'KEY_MALFORMED':
    case 'CHECKPOINT_MALFORMED':
      return 400;
    case 'NOT_FOUND':
      return 404;
    case 'DB_CONFLICT':
      return 409;
    case 'INPUT_TOO_LARGE':
    case 'BUS_MESSAGE_TOO_LARGE':
    case 'ENTRY_TOO_LARGE':
      return 413;
    case 'SIGNATURE_INVALID':
    case 'CERTIFICATE_UNTRUSTED':
    case 'IDENTITY_MISMATCH':
    case 'TLOG_PROOF_INVALID':
    case 'TIMESTAMP_INVALID':
    case 'DIGEST_MISMATCH':
    case 'KEY_UNSUPPORTED':
    case 'KEY_UNTRUSTED':
    case 'FORMAT_UNSUPPORTED':
      return 422;
    case 'RATE_LIMITED':
      return 429;
    case 'BUS_UNAVAILABLE':
    case 'BUS_BACKPRESSURE':
    case 'DB_UNAVAILABLE':
    case 'SEQUENCER_FENCED':
    case 'LOG_NOT_STARTED':
      return 503;
    default:
      return 500;
  }
}

export function sendError(res: http.ServerResponse, e: unknown, requestId: string): void {
  const err = toAttestryError(e);
  const status = httpStatusFor(err.code);
  // No stack traces or SQL leave the process: internal errors get a generic message.
  const message = status >= 500 && status !== 503 ? 'internal error' : err.message;
  const headers: Record<string, string> = { 'x-request-id': requestId };
  if (status === 503) headers['retry-after'] = '1';
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(
    res,
    status,
    {
      error: {
        code: err.code,
        message,
        ...(err.details !== undefined && status < 500 ? { details: err.details } : {}),
      },
    },
    headers,
  );
}

/** Reads the body, refusing more than `limit` bytes with INPUT_TOO_LARGE (HTTP 413). */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(new AttestryError('INPUT_TOO_LARGE', `the body is ${declared} bytes; the limit is ${limit}`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new AttestryError('INPUT_TOO_LARGE', `the body is larger than the limit of ${limit} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (e) => {
      if (!failed)
        reject(new AttestryError('INPUT_MALFORMED', 'the request body could not be read', { cause: e }));
    });
  });
}

export function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new AttestryError('INPUT_MALFORMED', 'the body is not valid JSON', { cause: e });
  }
}

/** Parses a non-negative integer query or path parameter strictly. */
export function intParam(
  value: string | null | undefined,
  name: string,
  opts: { min?: number } = {},
): number {
  if (value === null || value === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(value)) {
    throw new AttestryError('INPUT_MALFORMED', `${name} must be a non-negative integer`);
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < (opts.min ?? 0))
    throw new AttestryError('INPUT_MALFORMED', `${name} must be at least ${opts.min ?? 0}`);
  return n;
}

/**
 * Token bucket per client (remote address): `rate` requests per second with a `burst`. Real
 * clients (the CLI, sigstore-js, the generator) stay far below the defaults.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {}

  take(client: string, now = Date.now()): boolean {
    let b = this.buckets.get(client);
    if (!b) {
      b = { tokens: this.burst, at: now };
      this.buckets.set(client, b);
      if (this.buckets.size > 100_000) this.buckets.clear();
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
