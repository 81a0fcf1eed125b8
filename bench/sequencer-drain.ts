/**
 * Sustained sequencing rate, by the preload-and-drain method (issue 3): preload N pre-signed
 * submissions into a fresh submissions topic with the sequencer stopped, start one sequencer
 * process, let it drain, and compute rate = entries / (last commit − first commit) from the
 * commit times of the checkpoints (one per batch). Median of --runs runs; the sequencer's peak
 * RSS (VmHWM) is read from /proc.
 *
 *   npx tsx bench/sequencer-drain.ts [--entries 200000] [--runs 3] [--kind hashedrekord|dsse|mixed]
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { generateKeyPairSync, sign, createHash } from 'node:crypto';
import { Bus, topicNames, topicSpecs } from '../libs/bus/index.js';
import { createPool } from '../libs/db/index.js';
import { freshBenchDatabase, median, root, startBenchStack } from './stack.js';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '3' },
    kind: { type: 'string', default: 'hashedrekord' },
  },
});
const N = Number(values.entries);
const RUNS = Number(values.runs);
const KIND = values.kind as 'hashedrekord' | 'dsse' | 'mixed';

const stack = await startBenchStack({ build: true });
const bus = new Bus({ brokers: stack.infra.brokers, clientId: 'bench' });

// A few hundred publishers, as in a real supply chain: keys repeat across submissions.
const keys = Array.from({ length: 200 }, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }));
const pems = keys.map((k) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString());

function submission(i: number, run: number): string {
  const k = i % keys.length;
  const key = keys[k] as (typeof keys)[number];
  const artifact = Buffer.from(`bench artifact ${run}/${i}`);
  const kind = KIND === 'mixed' ? (i % 5 === 0 ? 'dsse' : 'hashedrekord') : KIND;
  let input: unknown;
  if (kind === 'hashedrekord') {
    input = {
      artifactDigest: { algorithm: 'sha256', hex: createHash('sha256').update(artifact).digest('hex') },
      signature: sign('sha256', artifact, key.privateKey).toString('base64'),
      verificationMaterial: { publicKey: pems[k] },
    };
  } else {
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [
        {
          name: `pkg:npm/bench-${i}@1.0.0`,
          digest: { sha256: createHash('sha256').update(artifact).digest('hex') },
        },
      ],
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: {
        buildDefinition: { buildType: 'https://example.com/bench', externalParameters: {} },
        runDetails: { builder: { id: 'https://example.com/builder' } },
      },
    };
    const payload = Buffer.from(JSON.stringify(statement));
    const type = 'application/vnd.in-toto+json';
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${payload.length} `), payload]);
    input = {
      dsseEnvelope: {
        payload: payload.toString('base64'),
        payloadType: type,
        signatures: [{ sig: sign('sha256', pae, key.privateKey).toString('base64') }],
      },
      verificationMaterial: { publicKey: pems[k] },
    };
  }
  return JSON.stringify({
    v: 1,
    requestId: `bench-${i}`,
    receivedAt: new Date().toISOString(),
    source: 'bench',
    input,
  });
}

interface RunResult {
  rate: number;
  seconds: number;
  batches: number;
  rssMb: number;
}

async function oneRun(run: number): Promise<RunResult> {
  const db = await freshBenchDatabase(stack.infra, `attestry_bench_seq_${run}`);
  const prefix = `bench${Date.now().toString(36)}.`;
  await bus.ensureTopics(topicSpecs(prefix));
  const t0 = Date.now();
  for (let i = 0; i < N; i += 5000) {
    const batch = Array.from({ length: Math.min(5000, N - i) }, (_, k) => ({
      key: String(i + k),
      value: submission(i + k, run),
    }));
    await bus.publish(topicNames(prefix).submissions, batch);
  }
  process.stderr.write(
    `run ${run}: preloaded ${N} ${KIND} submissions in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  // BENCH_NODE_ARGS: extra node flags for the sequencer, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p".
  const nodeArgs = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, 'dist/services/sequencer/main.js')], {
    env: {
      PATH: process.env['PATH'] ?? '',
      PORT: '28181',
      LOG_LEVEL: 'warn',
      KAFKA_BROKERS: stack.infra.brokers.join(','),
      DATABASE_URL: db.serviceUrls.sequencer,
      TOPIC_PREFIX: prefix,
      ATTESTRY_HOME: stack.settings.home,
      ...(process.env['SEQUENCER_VERIFY_WORKERS']
        ? { SEQUENCER_VERIFY_WORKERS: process.env['SEQUENCER_VERIFY_WORKERS'] }
        : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const admin = createPool(db.adminUrl, { applicationName: 'bench', max: 1 });
  let size = 0;
  while (size < N) {
    await new Promise((r) => setTimeout(r, 500));
    size =
      (await admin.query<{ tree_size: number }>('SELECT tree_size FROM tlog.tree_head')).rows[0]?.tree_size ??
      0;
    if (child.exitCode !== null) throw new Error('the sequencer exited');
  }
  const rss = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
  const cps = (
    await admin.query<{ tree_size: number; t: number }>(
      'SELECT tree_size, extract(epoch FROM created_at)::float8 AS t FROM tlog.checkpoints ORDER BY tree_size',
    )
  ).rows;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await admin.end();
  await db.drop();
  const first = cps[0] as { tree_size: number; t: number };
  const last = cps.at(-1) as { tree_size: number; t: number };
  const seconds = last.t - first.t;
  // The first batch's entries were committed at first.t: count what came after it.
  const rate = (last.tree_size - first.tree_size) / seconds;
  return { rate, seconds, batches: cps.length, rssMb: Math.round(Number(rss) / 1024) };
}

const results: RunResult[] = [];
for (let run = 0; run < RUNS; run++) {
  const r = await oneRun(run);
  process.stdout.write(
    `run ${run}: ${r.rate.toFixed(0)} entries/s (${N} entries, ${r.batches} batches, ${r.seconds.toFixed(1)} s between first and last commit), sequencer peak RSS ${r.rssMb} MB\n`,
  );
  results.push(r);
}
const rates = results.map((r) => r.rate);
process.stdout.write(
  `${JSON.stringify({ bench: 'sequencer-drain', kind: KIND, entries: N, runs: RUNS, medianRate: Math.round(median(rates)), minRate: Math.round(Math.min(...rates)), maxRate: Math.round(Math.max(...rates)), maxRssMb: Math.max(...results.map((r) => r.rssMb)) })}\n`,
);
await bus.close();
stack.stop();
process.exit(0);
