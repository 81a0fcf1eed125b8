/**
 * What integration tests get from the test stack that `npm test` brings up (scripts/run-tests.ts):
 * the real Kafka broker and the real PostgreSQL server, never a stand-in.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceName } from '../../libs/db/index.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function required(name: string): string {
  const v = process.env[name];
  if (!v)
    throw new Error(
      `${name} is not set: run integration tests through \`npm test\`, which brings up the test stack`,
    );
  return v;
}

export function kafkaBrokers(): string[] {
  return required('ATTESTRY_TEST_KAFKA_BROKERS').split(',');
}

export function adminUrl(): string {
  return required('ATTESTRY_TEST_ADMIN_URL');
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export interface FreshDatabase {
  name: string;
  adminUrl: string;
  serviceUrls: Record<ServiceName, string>;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A new database cloned from the migrated test database (CREATE DATABASE ... TEMPLATE), so each
 * test file starts from an empty, fully migrated schema in well under a second.
 */
export async function freshDatabase(prefix = 'attestry_t'): Promise<FreshDatabase> {
  const admin = adminUrl();
  const template = decodeURIComponent(new URL(admin).pathname.slice(1));
  // Named under this checkout's test database, so the runner can drop what an interrupted run left.
  const name =
    `${required('ATTESTRY_TEST_DB_PREFIX')}${uniqueName(prefix.replace(/^attestry_t_?/, '') || 't')}`.toLowerCase();
  const client = new pg.Client({ connectionString: withDatabase(admin, 'postgres') });
  await client.connect();
  try {
    await client.query(
      `CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(template)}`,
    );
  } finally {
    await client.end();
  }
  const urls = JSON.parse(required('ATTESTRY_TEST_SERVICE_URLS')) as Record<ServiceName, string>;
  const serviceUrls = Object.fromEntries(
    Object.entries(urls).map(([k, v]) => [k, withDatabase(v, name)]),
  ) as Record<ServiceName, string>;
  return {
    name,
    adminUrl: withDatabase(admin, name),
    serviceUrls,
    drop: async () => {
      const c = new pg.Client({ connectionString: withDatabase(admin, 'postgres') });
      await c.connect();
      try {
        // A service process that just exited can leave its backend for a moment; without
        // pg_signal_backend (a DATABASE_URL the scripts did not set up) FORCE cannot end it.
        for (let attempt = 0; ; attempt++) {
          try {
            await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
            break;
          } catch (e) {
            if ((e as { code?: string }).code !== '42501' || attempt >= 20) throw e;
            await new Promise((r) => setTimeout(r, 250));
          }
        }
      } finally {
        await c.end();
      }
    },
  };
}
