/**
 * Sustained sequencing rate, by the preload-and-drain method (issue 3): preload N pre-signed
 * submissions into a fresh submissions topic with the sequencer stopped, start one sequencer
 * process, let it drain, and compute rate = entries / (last commit − first commit) from the
 * commit times of the checkpoints (one per batch). Median of --runs runs; the sequencer's peak
 * RSS (VmHWM) is read from /proc.
 *
 *   npx tsx bench/sequencer-drain.ts [--entries 200000] [--runs 3] [--kind hashedrekord|dsse|mixed]
 *     [--indexer] [--indexers 1] [--port 28181] [--json]
 *
 * --indexer: after each drain, stop the sequencer (once its relay has published every entry to
 * attestry.entries), start one indexer on the same log and time it draining the entries topic the
 * same way: rate = entries / (time the index reached N − time it first held an entry), from
 * idx.entries polled every 200 ms; its peak RSS too.
 * --indexers M (implies --indexer): M indexer processes started together in one consumer group
 * (ports --port + 1 ... + M), sharing the entries topic's partitions; the rate is the group's, the
 * peak RSS and CPU seconds (bench/cpu.ts, with Kafka's and PostgreSQL's) are per process.
 * --json: one JSON object on stdout (the human lines go to stderr).
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { generateKeyPairSync, sign, createHash } from 'node:crypto';
import { Bus, topicNames, topicSpecs } from '../libs/bus/index.js';
import { createPool } from '../libs/db/index.js';
import { freshBenchDatabase, median, root, startBenchStack } from './stack.js';
import { cpuLine, cpuMeter, type CpuReport } from './cpu.js';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '3' },
    kind: { type: 'string', default: 'hashedrekord' },
    indexer: { type: 'boolean', default: false },
    indexers: { type: 'string', default: '1' },
    port: { type: 'string', default: '28181' },
    json: { type: 'boolean', default: false },
  },
});
const human = (line: string) => (values.json ? process.stderr : process.stdout).write(line);
const N = Number(values.entries);
const RUNS = Number(values.runs);
const KIND = values.kind as 'hashedrekord' | 'dsse' | 'mixed';
const INDEXERS = Number(values.indexers);
const WITH_INDEXER = values.indexer || INDEXERS > 1;

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
  /** rssMb: the largest of the indexers'; per process: rssMbPerProcess, cpu.byProcess. */
  indexer?: {
    rate: number;
    seconds: number;
    rssMb: number;
    processes: number;
    rssMbPerProcess: number[];
    cpu: CpuReport;
  };
}

const peakRssMb = (pid: number | undefined) =>
  Math.round(
    Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024,
  );

function service(name: 'sequencer' | 'indexer', dbUrl: string, prefix: string, port: number) {
  // BENCH_NODE_ARGS: extra node flags for the service, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p".
  const nodeArgs = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  return spawn(process.execPath, [...nodeArgs, path.join(root, `dist/services/${name}/main.js`)], {
    env: {
      PATH: process.env['PATH'] ?? '',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      KAFKA_BROKERS: stack.infra.brokers.join(','),
      DATABASE_URL: dbUrl,
      TOPIC_PREFIX: prefix,
      ATTESTRY_HOME: stack.settings.home,
      ...(process.env['SEQUENCER_VERIFY_WORKERS']
        ? { SEQUENCER_VERIFY_WORKERS: process.env['SEQUENCER_VERIFY_WORKERS'] }
        : {}),
      // The indexer's fetch size per partition (its BATCH_MAX_BYTES), to compare rate and RSS.
      ...(name === 'indexer' && process.env['INDEXER_BATCH_MAX_BYTES']
        ? { BATCH_MAX_BYTES: process.env['INDEXER_BATCH_MAX_BYTES'] }
        : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
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
  const child = service('sequencer', db.serviceUrls.sequencer, prefix, Number(values.port));
  const admin = createPool(db.adminUrl, { applicationName: 'bench', max: 1 });
  let size = 0;
  while (size < N) {
    await new Promise((r) => setTimeout(r, 500));
    size =
      (await admin.query<{ tree_size: number }>('SELECT tree_size FROM tlog.tree_head')).rows[0]?.tree_size ??
      0;
    if (child.exitCode !== null) throw new Error('the sequencer exited');
  }
  const rssMb = peakRssMb(child.pid);
  const cps = (
    await admin.query<{ tree_size: number; t: number }>(
      'SELECT tree_size, extract(epoch FROM created_at)::float8 AS t FROM tlog.checkpoints ORDER BY tree_size',
    )
  ).rows;
  let indexer: RunResult['indexer'];
  if (WITH_INDEXER) {
    // The relay publishes committed entries to attestry.entries after the commit: wait for all.
    for (;;) {
      const next =
        (
          await admin.query<{ n: string }>(
            "SELECT next_value AS n FROM tlog.relay_positions WHERE stream = 'entries'",
          )
        ).rows[0]?.n ?? '0';
      if (Number(next) >= N) break;
      if (child.exitCode !== null) throw new Error('the sequencer exited');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  if (WITH_INDEXER) {
    const ixs = Array.from({ length: INDEXERS }, (_, i) =>
      service('indexer', db.serviceUrls.indexer, prefix, Number(values.port) + 1 + i),
    );
    const cpu = cpuMeter({
      processes: () =>
        Object.fromEntries(ixs.map((ix, i) => [i === 0 ? 'indexer' : `indexer#${i + 1}`, ix.pid])),
      kafkaHome: stack.settings.home,
      database: decodeURIComponent(new URL(db.adminUrl).pathname.slice(1)),
    });
    let first: { n: number; t: number } | undefined;
    let n = 0;
    let t = 0;
    while (n < N) {
      await new Promise((r) => setTimeout(r, 200));
      n = Number((await admin.query<{ n: string }>('SELECT count(*) AS n FROM idx.entries')).rows[0]?.n ?? 0);
      t = performance.now() / 1000;
      if (n > 0 && !first) first = { n, t };
      if (ixs.some((ix) => ix.exitCode !== null)) throw new Error('an indexer exited');
    }
    const cpuReport = cpu.stop();
    const ixRss = ixs.map((ix) => peakRssMb(ix.pid));
    for (const ix of ixs) ix.kill('SIGTERM');
    await Promise.all(ixs.map((ix) => new Promise((r) => ix.once('exit', r))));
    const f = first ?? { n: 0, t };
    indexer = {
      rate: (N - f.n) / (t - f.t),
      seconds: t - f.t,
      rssMb: Math.max(...ixRss),
      processes: INDEXERS,
      rssMbPerProcess: ixRss,
      cpu: cpuReport,
    };
  }
  await admin.end();
  await db.drop();
  const first = cps[0] as { tree_size: number; t: number };
  const last = cps.at(-1) as { tree_size: number; t: number };
  const seconds = last.t - first.t;
  // The first batch's entries were committed at first.t: count what came after it.
  const rate = (last.tree_size - first.tree_size) / seconds;
  return { rate, seconds, batches: cps.length, rssMb, ...(indexer ? { indexer } : {}) };
}

const results: RunResult[] = [];
for (let run = 0; run < RUNS; run++) {
  const r = await oneRun(run);
  human(
    `run ${run}: ${r.rate.toFixed(0)} entries/s (${N} entries, ${r.batches} batches, ${r.seconds.toFixed(1)} s between first and last commit), sequencer peak RSS ${r.rssMb} MB\n`,
  );
  if (r.indexer)
    human(
      `run ${run}: ${INDEXERS} indexer(s) ${r.indexer.rate.toFixed(0)} entries/s (${r.indexer.seconds.toFixed(1)} s), ` +
        `indexer peak RSS ${r.indexer.rssMbPerProcess.join(' + ')} MB\n${cpuLine(r.indexer.cpu)}`,
    );
  results.push(r);
}
const rates = results.map((r) => r.rate);
const ixRates = results.flatMap((r) => (r.indexer ? [r.indexer.rate] : []));
process.stdout.write(
  `${JSON.stringify({
    bench: 'sequencer-drain',
    kind: KIND,
    entries: N,
    runs: RUNS,
    medianRate: Math.round(median(rates)),
    minRate: Math.round(Math.min(...rates)),
    maxRate: Math.round(Math.max(...rates)),
    maxRssMb: Math.max(...results.map((r) => r.rssMb)),
    ...(ixRates.length > 0
      ? {
          indexers: INDEXERS,
          indexerMedianRate: Math.round(median(ixRates)),
          indexerMaxRssMb: Math.max(...results.map((r) => r.indexer?.rssMb ?? 0)),
        }
      : {}),
    perRun: results,
  })}\n`,
);
await bus.close();
stack.stop();
process.exit(0);
