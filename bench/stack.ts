/**
 * The benchmark stack: its own broker (ports 29092/29093), data folder (.attestry-bench/) and
 * database (attestry_bench*), so benchmarks never disturb `npm start` or `npm test`.
 */
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ensureInfra, settingsFromEnv, stopKafka, type Infra, type StackSettings } from '../cli/stack.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function benchSettings(): StackSettings {
  // Like the test runner, start from a recreated template database every time.
  return { ...benchBase(), recreateDatabase: true };
}

function benchBase(): StackSettings {
  return settingsFromEnv(root, {
    ATTESTRY_HOME: process.env['ATTESTRY_BENCH_HOME'] ?? path.join(root, '.attestry-bench'),
    ATTESTRY_DB_NAME: 'attestry_bench',
    KAFKA_PORT: '29092',
    KAFKA_CONTROLLER_PORT: '29093',
    ...(process.env['ATTESTRY_BENCH_KAFKA_BROKERS']
      ? { KAFKA_BROKERS: process.env['ATTESTRY_BENCH_KAFKA_BROKERS'] }
      : {}),
    ...(process.env['ATTESTRY_BENCH_DATABASE_URL']
      ? { DATABASE_URL: process.env['ATTESTRY_BENCH_DATABASE_URL'] }
      : {}),
    LOG_LEVEL: 'warn',
  });
}

/** `build`: compile first, for benchmarks that run service processes from dist/. */
export async function startBenchStack(
  opts: { build?: boolean } = {},
): Promise<{ settings: StackSettings; infra: Infra; stop(): void }> {
  const tsc = !opts.build
    ? { status: 0 }
    : spawnSync(
        process.execPath,
        [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')],
        { stdio: 'inherit', cwd: root },
      );
  if (tsc.status !== 0) throw new Error('build failed');
  const settings = benchSettings();
  const infra = await ensureInfra(settings, (l) => process.stderr.write(`bench: ${l}\n`));
  return { settings, infra, stop: () => (infra.startedKafka ? stopKafka(settings) : undefined) };
}

function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** A fresh database cloned from the migrated bench database, with each service's URL. */
export async function freshBenchDatabase(
  infra: Infra,
  name: string,
): Promise<{ adminUrl: string; serviceUrls: Infra['serviceUrls']; drop(): Promise<void> }> {
  const template = decodeURIComponent(new URL(infra.adminUrl).pathname.slice(1));
  const c = new pg.Client({ connectionString: withDb(infra.adminUrl, 'postgres') });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  // The template may still be held for a moment by the migration runner's closing session.
  for (let attempt = 0; ; attempt++) {
    try {
      await c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(template)}`);
      break;
    } catch (e) {
      if ((e as { code?: string }).code !== '55006' || attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  await c.end();
  const serviceUrls = Object.fromEntries(
    Object.entries(infra.serviceUrls).map(([k, v]) => [k, withDb(v, name)]),
  ) as Infra['serviceUrls'];
  return {
    adminUrl: withDb(infra.adminUrl, name),
    serviceUrls,
    drop: async () => {
      const d = new pg.Client({ connectionString: withDb(infra.adminUrl, 'postgres') });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await d.end();
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function median(xs: number[]): number {
  return percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
}
