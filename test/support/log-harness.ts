/**
 * A log under test: a fresh database, its own topics, log keys in a temporary folder, and helpers
 * to run sequencer and gateway processes and to submit signed events straight to Kafka.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { Bus, topicNames, topicSpecs, type TopicNames } from '../../libs/bus/index.js';
import { createPool, type Pool } from '../../libs/db/index.js';
import { freshDatabase, kafkaBrokers, repoRoot, uniqueName, type FreshDatabase } from './stack.js';
import { startServiceProcess, type RunningService } from './services.js';

export interface LogHarness {
  db: FreshDatabase;
  prefix: string;
  topics: TopicNames;
  bus: Bus;
  keysDir: string;
  origin: string;
  /** The admin pool, for assertions on tlog tables. */
  admin: Pool;
  env(service: 'sequencer' | 'gateway'): Record<string, string>;
  startSequencer(extra?: Record<string, string>): RunningService;
  startGateway(extra?: Record<string, string>): RunningService;
  publicKeys(): { ecdsa: KeyObject; ed25519: KeyObject };
  close(): Promise<void>;
}

export async function createLogHarness(opts: { partitions?: number } = {}): Promise<LogHarness> {
  const db = await freshDatabase('attestry_t_log');
  const prefix = `${uniqueName('t')}.`;
  const topics = topicNames(prefix);
  const bus = new Bus({ brokers: kafkaBrokers(), clientId: 'test-harness' });
  await bus.ensureTopics(
    topicSpecs(prefix, { submissions: opts.partitions ?? 6, entries: opts.partitions ?? 6 }),
  );
  const keysDir = mkdtempSync(path.join(repoRoot, '.attestry-test', 'keys-'));
  const origin = 'attestry.test/log';
  const admin = createPool(db.adminUrl, { applicationName: 'test-harness', max: 4 });
  const running: RunningService[] = [];
  const env = (service: 'sequencer' | 'gateway'): Record<string, string> => ({
    KAFKA_BROKERS: kafkaBrokers().join(','),
    DATABASE_URL: db.serviceUrls[service],
    TOPIC_PREFIX: prefix,
    ATTESTRY_HOME: path.dirname(keysDir),
    LOG_KEYS_DIR: keysDir,
    LOG_ORIGIN: origin,
  });
  return {
    db,
    prefix,
    topics,
    bus,
    keysDir,
    origin,
    admin,
    env,
    startSequencer(extra = {}) {
      const s = startServiceProcess('sequencer', { ...env('sequencer'), ...extra });
      running.push(s);
      return s;
    },
    startGateway(extra = {}) {
      const s = startServiceProcess('gateway', { ...env('gateway'), ...extra });
      running.push(s);
      return s;
    },
    publicKeys() {
      const ec = createPrivateKey(readFileSync(path.join(keysDir, 'log-ecdsa-p256.key')));
      const ed = createPrivateKey(readFileSync(path.join(keysDir, 'log-ed25519.key')));
      return { ecdsa: createPublicKey(ec), ed25519: createPublicKey(ed) };
    },
    async close() {
      await Promise.all(running.map((s) => s.stop()));
      await bus.close();
      await admin.end();
      await db.drop();
    },
  };
}

/** Wraps a signing event as a SubmissionEvent v1 record, keyed as the gateway keys it. */
export function submissionRecord(input: unknown, i: number, key?: string): { key: string; value: string } {
  return {
    key: key ?? `test-${i}`,
    value: JSON.stringify({
      v: 1,
      requestId: `test-${i}`,
      receivedAt: new Date().toISOString(),
      source: 'test',
      input,
    }),
  };
}

export async function treeSize(admin: Pool): Promise<number> {
  return (
    (await admin.query<{ tree_size: number }>('SELECT tree_size FROM tlog.tree_head')).rows[0]?.tree_size ??
    -1
  );
}
