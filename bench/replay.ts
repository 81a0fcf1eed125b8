/**
 * Index replay time (issues 6 and 8): fills a log of its own with the demo generator's realistic
 * mix (80 % hashedrekord, 15 % SLSA provenance, 5 % SBOMs; real signatures, the demo CA playing
 * Fulcio), published straight to Kafka and appended by a sequencer process, then times
 * `attestry replay --drop-old` (the real command, as its own process) rebuilding the index from
 * that log, --runs times on the same log. Per run: wall time, entries/s from the command's own
 * summary, and the replay process's peak RSS (VmHWM, polled from /proc).
 *
 *   npx tsx bench/replay.ts [--entries 100000] [--runs 3] [--seed replay] [--port 28390] [--json]
 *
 * Also reported: how fast the generator published (items/s into Kafka while the sequencer drained
 * them; the generator alone is bench/generator-rate.ts) and the log it made (entries, SBOM
 * components, edges). --json: one JSON object on stdout; the human lines go to stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Bus, topicSpecs } from '../libs/bus/index.js';
import { createPool } from '../libs/db/index.js';
import { runDemo, writeDemoTrustedRoot } from '../cli/commands/demo-command.js';
import { freshBenchDatabase, median, root, startBenchStack } from './stack.js';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: 'replay' },
    port: { type: 'string', default: '28390' },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(values.entries);
const RUNS = Number(values.runs);
if (!Number.isSafeInteger(N) || N < 1 || !Number.isSafeInteger(RUNS) || RUNS < 1)
  throw new Error('--entries and --runs are positive integers');
const human = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const stack = await startBenchStack({ build: true });
const db = await freshBenchDatabase(stack.infra, 'attestry_bench_replay');
const admin = createPool(db.adminUrl, { applicationName: 'bench-replay', max: 2 });
const prefix = `benchreplay${Date.now().toString(36)}.`;
const bus = new Bus({ brokers: stack.infra.brokers, clientId: 'bench-replay' });
await bus.ensureTopics(topicSpecs(prefix));
const trustedRoot = writeDemoTrustedRoot(stack.settings.home);

const treeSize = async () =>
  Number((await admin.query<{ n: number }>('SELECT tree_size AS n FROM tlog.tree_head')).rows[0]?.n ?? 0);

// ---- the log: generator → Kafka → sequencer ----------------------------------------------------------

const sequencer: ChildProcess = spawn(
  process.execPath,
  [path.join(root, 'dist/services/sequencer/main.js')],
  {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOST: '127.0.0.1',
      PORT: values.port,
      LOG_LEVEL: 'warn',
      KAFKA_BROKERS: stack.infra.brokers.join(','),
      DATABASE_URL: db.serviceUrls.sequencer,
      TOPIC_PREFIX: prefix,
      ATTESTRY_HOME: stack.settings.home,
      TRUSTED_ROOT_FILES: trustedRoot,
    },
    // Its log lines go to stderr: stdout carries only the --json result.
    stdio: ['ignore', 2, 2],
  },
);
process.on('exit', () => {
  if (sequencer.exitCode === null) sequencer.kill('SIGTERM');
});

const fill = performance.now();
const generated = await runDemo({
  scale: N,
  seed: values.seed,
  via: 'kafka',
  gatewayUrl: '',
  concurrency: 4,
  kafkaBrokers: stack.infra.brokers,
  topicPrefix: prefix,
  say: (l) => human(`generator: ${l}`),
});
const publishSeconds = (performance.now() - fill) / 1000;
// Every item the generator published is either appended or a rejection (none expected): wait
// until the tree stops growing at the number published.
let size = 0;
for (let still = 0; still < 20;) {
  const now = await treeSize();
  still = now === size && now > 0 ? still + 1 : 0;
  size = now;
  if (size >= generated.accepted) break;
  if (sequencer.exitCode !== null) throw new Error(`the sequencer exited (${sequencer.exitCode})`);
  await sleep(500);
}
const fillSeconds = (performance.now() - fill) / 1000;
sequencer.kill('SIGTERM');
await new Promise<void>((r) => (sequencer.exitCode !== null ? r() : sequencer.once('exit', () => r())));
await bus.close();
if (size < generated.accepted)
  throw new Error(`the log holds ${size} entries, the generator published ${generated.accepted}`);
human(
  `log: ${size} entries (${generated.accepted} published in ${publishSeconds.toFixed(1)} s, ` +
    `${(generated.accepted / publishSeconds).toFixed(0)} items/s; appended within ${fillSeconds.toFixed(1)} s)`,
);

// ---- the replays -------------------------------------------------------------------------------------

interface ReplayRun {
  seconds: number;
  wallSeconds: number;
  entries: number;
  unparsed: number;
  rate: number;
  rssMb: number;
}
const SUMMARY =
  /([\d,]+) entries \(([\d,]+) unparsed\) in ([\d.]+) s, ([\d,]+) entries\/s, peak RSS (\d+) MB/;
const int = (s: string | undefined) => Number((s ?? '').replace(/,/g, ''));

async function replayOnce(): Promise<ReplayRun> {
  const t = performance.now();
  const child = spawn(
    process.execPath,
    [path.join(root, 'dist/cli/main.js'), 'replay', '--drop-old', '--database-url', db.adminUrl],
    { cwd: root, env: { PATH: process.env['PATH'] ?? '' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => (stderr += d));
  let hwmKb = 0;
  const poll = setInterval(() => {
    try {
      const s = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      hwmKb = Math.max(hwmKb, Number(/VmHWM:\s+(\d+) kB/.exec(s)?.[1] ?? 0));
    } catch {
      /* exited */
    }
  }, 200);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearInterval(poll);
  const m = SUMMARY.exec(stderr);
  if (code !== 0 || !m) throw new Error(`attestry replay failed (exit ${code}): ${stderr.slice(-2000)}`);
  return {
    wallSeconds: (performance.now() - t) / 1000,
    entries: int(m[1]),
    unparsed: int(m[2]),
    seconds: Number(m[3]),
    rate: int(m[4]),
    // The command's own figure (getrusage) is exact; the /proc poll can miss a short peak.
    rssMb: Math.max(int(m[5]), Math.round(hwmKb / 1024)),
  };
}

const runs: ReplayRun[] = [];
for (let i = 0; i < RUNS; i++) {
  const r = await replayOnce();
  if (r.entries !== size) throw new Error(`replay projected ${r.entries} entries of ${size}`);
  runs.push(r);
  human(
    `replay ${i + 1}/${RUNS}: ${r.entries} entries in ${r.seconds.toFixed(1)} s (${r.rate} entries/s), ` +
      `peak RSS ${r.rssMb} MB, ${r.unparsed} unparsed`,
  );
}
const shape = (
  await admin.query<{ components: string; edges: string; mb: string }>(
    `SELECT (SELECT count(*) FROM idx.sbom_components) AS components,
            (SELECT count(*) FROM idx.node_edges) AS edges,
            (SELECT sum(pg_total_relation_size(c.oid)) / 1e6 FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'idx' AND c.relkind = 'r') AS mb`,
  )
).rows[0];
await admin.end();
await db.drop();
stack.stop();

const rate = median(runs.map((r) => r.rate));
const result = {
  entries: size,
  runs: runs.length,
  seconds: median(runs.map((r) => r.seconds)),
  rate,
  rssMb: median(runs.map((r) => r.rssMb)),
  perRun: runs,
  projectedSecondsFor1M: 1_000_000 / rate,
  log: {
    components: Number(shape?.components ?? NaN),
    edges: Number(shape?.edges ?? NaN),
    idxMb: Math.round(Number(shape?.mb ?? NaN)),
  },
  generator: {
    published: generated.accepted,
    rejected: generated.rejected,
    publishSeconds,
    itemsPerSec: generated.accepted / publishSeconds,
    summary: generated.summary,
  },
};
human(
  `median: ${result.rate} entries/s, ${result.seconds.toFixed(1)} s for ${size} entries; ` +
    `1,000,000 entries would take ${(result.projectedSecondsFor1M / 60).toFixed(1)} min (target 10 min)`,
);
if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
