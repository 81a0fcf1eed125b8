import pg from 'pg';
import { AttestryError } from '../core/index.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export type QueryResultRow = pg.QueryResultRow;

// int8 (bigint) columns come back as strings by default; log indexes and offsets fit in a JS
// number up to 2^53, which is far beyond any log size we handle, so parse them as numbers.
pg.types.setTypeParser(20, (v: string) => Number.parseInt(v, 10));

export interface PoolOptions {
  applicationName: string;
  max?: number;
  /** Statement timeout for every query on this pool, in ms (0 = none). */
  statementTimeoutMs?: number;
}

/**
 * A pool with TCP keepalives on, so a peer that dies (or is SIGSTOPped) releases its session
 * and advisory locks within seconds on the server side.
 */
export function createPool(url: string, opts: PoolOptions): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    application_name: opts.applicationName,
    max: opts.max ?? 10,
    keepAlive: true,
    keepAliveInitialDelayMillis: 1000,
    connectionTimeoutMillis: 10000,
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
  });
  // An idle client's error (server restart) must not crash the process; the next query fails loudly.
  pool.on('error', () => undefined);
  return pool;
}

export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** Problems preventing readiness: an empty list when the database answers. */
export async function checkDatabase(pool: Pool): Promise<string[]> {
  try {
    await pool.query('SELECT 1');
    return [];
  } catch (e) {
    return [`postgres: ${e instanceof Error ? e.message : String(e)}`];
  }
}

export function toDbError(e: unknown): AttestryError {
  return new AttestryError('DB_UNAVAILABLE', e instanceof Error ? e.message : String(e), { cause: e });
}
