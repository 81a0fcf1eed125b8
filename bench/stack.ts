/**
 * The benchmark stack: its own broker (ports 29092/29093), data folder (.attestry-bench/) and
 * database (attestry_bench*), so benchmarks never disturb `npm start` or `npm test`.
 *
 * Two bench stacks can run side by side: ATTESTRY_BENCH_KAFKA_PORT and
 * ATTESTRY_BENCH_KAFKA_CONTROLLER_PORT move the broker, ATTESTRY_BENCH_DB_NAME the database (and
 * the databases named after it), ATTESTRY_BENCH_HOME the data folder (by default
 * .attestry-bench-<port>/ when the port is moved, since two brokers cannot share one data folder).
 */
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ensureInfra, settingsFromEnv, stopKafka, type Infra, type StackSettings } from '../cli/stack.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function benchSettings(): StackSettings {
  // Like the test runner, start from a recreated template database every time (bench/run.ts
  // recreates it once, then sets ATTESTRY_BENCH_REUSE_DB=1 for the scripts it runs).
  return { ...benchBase(), recreateDatabase: process.env['ATTESTRY_BENCH_REUSE_DB'] !== '1' };
}

/** The bench stack's database name: fresh databases of a benchmark are named after it. */
export function benchDbName(): string {
  return process.env['ATTESTRY_BENCH_DB_NAME'] || 'attestry_bench';
}

function benchBase(): StackSettings {
  const port = process.env['ATTESTRY_BENCH_KAFKA_PORT'] || '29092';
  const controllerPort = process.env['ATTESTRY_BENCH_KAFKA_CONTROLLER_PORT'] || '29093';
  const home =
    process.env['ATTESTRY_BENCH_HOME'] ??
    path.join(root, port === '29092' ? '.attestry-bench' : `.attestry-bench-${port}`);
  return settingsFromEnv(root, {
    ATTESTRY_HOME: home,
    ATTESTRY_DB_NAME: benchDbName(),
    KAFKA_PORT: port,
    KAFKA_CONTROLLER_PORT: controllerPort,
    ...(process.env['ATTESTRY_BENCH_KAFKA_BROKERS']
      ? { KAFKA_BROKERS: process.env['ATTESTRY_BENCH_KAFKA_BROKERS'] }
      : {}),
    ...(process.env['ATTESTRY_BENCH_DATABASE_URL']
      ? { DATABASE_URL: process.env['ATTESTRY_BENCH_DATABASE_URL'] }
      : {}),
    LOG_LEVEL: 'warn',
  });
}

/** `build`: compile first, for benchmarks that run service processes from dist/ (skipped when
 * ATTESTRY_BENCH_SKIP_BUILD=1: bench/run.ts builds once for all of them). */
export async function startBenchStack(
  opts: { build?: boolean } = {},
): Promise<{ settings: StackSettings; infra: Infra; stop(): void }> {
  const tsc =
    !opts.build || process.env['ATTESTRY_BENCH_SKIP_BUILD'] === '1'
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

/** `attestry_bench_x` renamed after the bench database (ATTESTRY_BENCH_DB_NAME), so that two bench
 * stacks on one PostgreSQL cluster never drop each other's databases. */
export function benchDatabaseName(name: string): string {
  return name.startsWith('attestry_bench') ? benchDbName() + name.slice('attestry_bench'.length) : name;
}

/** A fresh database cloned from the migrated bench database, with each service's URL. */
export async function freshBenchDatabase(
  infra: Infra,
  requested: string,
): Promise<{ adminUrl: string; serviceUrls: Infra['serviceUrls']; drop(): Promise<void> }> {
  const name = benchDatabaseName(requested);
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

export { percentile, median } from './report.js';
