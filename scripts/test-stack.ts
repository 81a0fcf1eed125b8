/**
 * The test stack: its own Kafka broker (ports 19092/19093), its own data folder
 * (.attestry-test/) and its own databases on the local PostgreSQL cluster (or on
 * ATTESTRY_TEST_DATABASE_URL), so `npm test` passes whether or not `npm start` runs.
 * It stops only what it started.
 */
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { crypto } from '../libs/core/index.js';
import { dropDatabasesAndRoles } from '../libs/db/index.js';
import {
  ensureInfra,
  settingsFromEnv,
  stopKafka,
  stopPostgresIfStarted,
  type StackSettings,
} from '../cli/stack.js';

export interface TestStack {
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The test database is named after the checkout (`attestry_test_<8 hex of its path>`): roles are
 * cluster-wide, so two checkouts testing on one server must not share (and reset) a password.
 */
export function testDatabaseName(root: string): string {
  return (
    process.env['ATTESTRY_TEST_DB_NAME'] ??
    `attestry_test_${crypto.sha256(Buffer.from(root)).toString('hex').slice(0, 8)}`
  );
}

export function testSettings(root: string): StackSettings {
  const env = process.env;
  const base = settingsFromEnv(root, {
    ATTESTRY_HOME: env['ATTESTRY_TEST_HOME'] ?? path.join(root, '.attestry-test'),
    ATTESTRY_DB_NAME: testDatabaseName(root),
    KAFKA_PORT: env['ATTESTRY_TEST_KAFKA_PORT'] ?? '19092',
    KAFKA_CONTROLLER_PORT: env['ATTESTRY_TEST_KAFKA_CONTROLLER_PORT'] ?? '19093',
    ...(env['ATTESTRY_TEST_KAFKA_BROKERS'] ? { KAFKA_BROKERS: env['ATTESTRY_TEST_KAFKA_BROKERS'] } : {}),
    ...(env['ATTESTRY_TEST_DATABASE_URL'] ? { DATABASE_URL: env['ATTESTRY_TEST_DATABASE_URL'] } : {}),
    GATEWAY_PORT: '18080',
    API_PORT: '14000',
    SEQUENCER_PORT: '18081',
    INDEXER_PORT: '18082',
    MONITOR_PORT: '18083',
    LOG_LEVEL: 'warn',
  });
  // Every run starts from an empty, freshly migrated template database: a database left by an
  // earlier run (another checkout, an unfinished migration) must not leak into this one.
  return { ...base, recreateDatabase: true };
}

export async function startTestStack(root: string): Promise<TestStack> {
  // The services run from dist/: build once for the whole run.
  // ATTESTRY_TEST_NO_BUILD=1 skips it (only for a quick local run of tests that start no service).
  const tsc =
    process.env['ATTESTRY_TEST_NO_BUILD'] === '1'
      ? { status: 0 }
      : spawnSync(
          process.execPath,
          [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')],
          { stdio: 'inherit', cwd: root },
        );
  if (tsc.status !== 0) throw new Error('build failed');
  const s = testSettings(root);
  const t0 = Date.now();
  const infra = await ensureInfra(s, (line) => process.stderr.write(`test-stack: ${line}\n`));
  // Per-file databases (and roles) an interrupted earlier run of this checkout left behind.
  await dropDatabasesAndRoles(infra.adminUrl, `${s.dbName}_`);
  process.stderr.write(
    `test-stack: kafka and postgres ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  return {
    env: {
      ATTESTRY_TEST_STACK: '1',
      ATTESTRY_TEST_DB_PREFIX: `${s.dbName}_`,
      ATTESTRY_TEST_HOME: s.home,
      ATTESTRY_TEST_KAFKA_BROKERS: infra.brokers.join(','),
      ATTESTRY_TEST_ADMIN_URL: infra.adminUrl,
      ATTESTRY_TEST_SERVICE_URLS: JSON.stringify(infra.serviceUrls),
    },
    stop: async () => {
      if (infra.startedKafka) stopKafka(s);
      stopPostgresIfStarted(s, (line) => process.stderr.write(`test-stack: ${line}\n`));
    },
  };
}
