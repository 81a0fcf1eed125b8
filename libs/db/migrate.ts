/**
 * Forward-only migrations: numbered SQL files (schema/sql/NNNN_<what>.sql) applied in order,
 * each in its own transaction, recorded in public.attestry_migrations. A file already applied
 * with a different checksum stops the run: migrations are never edited after they land.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AttestryError, crypto, toHex } from '../core/index.js';
import { createPool, type Pool } from './pool.js';

const FILE_RE = /^(\d{4})_[a-z0-9_]+\.sql$/;

const Q_CREATE_TABLE = `
  CREATE TABLE IF NOT EXISTS public.attestry_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;
const Q_APPLIED = 'SELECT version, name, checksum FROM public.attestry_migrations ORDER BY version';
const Q_RECORD = 'INSERT INTO public.attestry_migrations (version, name, checksum) VALUES ($1, $2, $3)';
// Serialises concurrent runners (two `attestry up` at once) on one database.
const Q_LOCK = 'SELECT pg_advisory_xact_lock(7406114151)';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir: string): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const seen = new Set<number>();
  return files.map((name) => {
    const m = FILE_RE.exec(name);
    if (!m?.[1])
      throw new AttestryError('CONFIG_INVALID', `migration file name ${name} must be NNNN_<what>.sql`);
    const version = Number.parseInt(m[1], 10);
    if (seen.has(version)) throw new AttestryError('CONFIG_INVALID', `two migrations numbered ${version}`);
    seen.add(version);
    const sql = readFileSync(path.join(dir, name), 'utf8');
    return { version, name, sql, checksum: toHex(crypto.sha256(Buffer.from(sql))) };
  });
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(adminUrl: string, dir: string): Promise<string[]> {
  const pool = createPool(adminUrl, { applicationName: 'attestry-migrate', max: 1 });
  try {
    return await migrateWith(pool, readMigrations(dir));
  } finally {
    await pool.end();
  }
}

async function migrateWith(pool: Pool, migrations: Migration[]): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query(Q_CREATE_TABLE);
    for (const m of migrations) {
      await client.query('BEGIN');
      try {
        await client.query(Q_LOCK);
        const done = (await client.query<{ version: number; name: string; checksum: string }>(Q_APPLIED))
          .rows;
        const prior = done.find((d) => d.version === m.version);
        if (prior) {
          if (prior.checksum !== m.checksum) {
            throw new AttestryError(
              'CONFIG_INVALID',
              `migration ${m.name} changed after it was applied (checksum differs); add a new migration instead`,
            );
          }
          await client.query('COMMIT');
          continue;
        }
        await client.query(m.sql);
        await client.query(Q_RECORD, [m.version, m.name, m.checksum]);
        await client.query('COMMIT');
        applied.push(m.name);
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (e instanceof AttestryError) throw e;
        throw new AttestryError(
          'DB_UNAVAILABLE',
          `migration ${m.name} failed: ${e instanceof Error ? e.message : String(e)}`,
          { cause: e },
        );
      }
    }
    return applied;
  } finally {
    client.release();
  }
}
