/**
 * The benchmark suite (issue 8): `npm run bench` runs every figure the issues ask for, each script
 * in --json mode as its own process on the bench stack, and writes them with the machine and the
 * exact commands to docs/BENCHMARKS.md (the section between the bench markers), to
 * bench/results/<timestamp>.json, and the chart of the end-to-end run to docs/bench-e2e.svg.
 *
 *   npm run bench                         full: 3 runs of each figure, the 1,000,000-entry index
 *   npm run bench -- --quick              smoke check (< 3 minutes, tiny sizes, one run each); exits
 *                                         non-zero when a number is insane (not when a target is missed)
 *   options: --runs N, --dataset-url URL (an existing indexed database for the GraphQL figures),
 *            --only a,b (steps by name), --write-docs (quick mode leaves docs/ alone unless given),
 *            --no-docs, --no-build, --drain-entries N (sequencer/indexer drain size; default 200,000),
 *            --render bench/results/<file>.json (rewrite docs/ from a results file, run nothing)
 *
 * Environment: ATTESTRY_BENCH_KAFKA_PORT, ATTESTRY_BENCH_KAFKA_CONTROLLER_PORT, ATTESTRY_BENCH_DB_NAME,
 * ATTESTRY_BENCH_HOME move the bench stack (bench/stack.ts); ATTESTRY_BENCH_PORT_BASE (default 28300)
 * is the first of the service ports the suite's scripts use.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { benchDatabaseName, root, startBenchStack } from './stack.js';
import {
  lastJson,
  mergeFigures,
  noiseReasons,
  parseSubmitLatency,
  renderMarkdown,
  renderSvg,
  replaceSection,
  sanityProblems,
  summarize,
  type Figure,
  type FigureKind,
  type Limit,
  type LoadSample,
  type Machine,
  type Report,
  type SecondPoint,
} from './report.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    'dataset-url': { type: 'string' },
    only: { type: 'string' },
    'write-docs': { type: 'boolean', default: false },
    'no-docs': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    'drain-entries': { type: 'string' },
    render: { type: 'string' },
  },
});
const QUICK = values.quick;
const RUNS = Number(values.runs ?? (QUICK ? 1 : 3));
const PORT_BASE = Number(process.env['ATTESTRY_BENCH_PORT_BASE'] ?? 28300);
const only = values.only ? new Set(values.only.split(',')) : undefined;
const startedAt = new Date();
const t0 = performance.now();
// Database URLs carry the admin role's password: never print it.
const redact = (l: string) => l.replace(/(postgres(?:ql)?:\/\/[^:/@\s]+):[^@\s]*@/g, '$1:***@');
const say = (l: string) => process.stderr.write(`bench: ${redact(l)}\n`);

// ---- --render: docs from a results file, nothing run --------------------------------------------

function writeDocs(
  report: Report,
  resultsRel: string,
  series: SecondPoint[] | undefined,
): string | undefined {
  let chartRel: string | undefined;
  if (series && series.length > 0) {
    chartRel = 'docs/bench-e2e.svg';
    const e2e = report.figures.find((f) => f.id === 'e2e.included.rate');
    const title = `End-to-end run: ${e2e?.group.replace(/^[^:]*: /, '') ?? ''} (${report.startedAt.slice(0, 10)}, ${report.machine.cores} cores)`;
    // JSON turned NaN into null.
    const f = (v: unknown) => (typeof v === 'number' ? v : NaN);
    const points = series.map((p) => ({
      ...p,
      includedP50: f(p.includedP50),
      includedP99: f(p.includedP99),
      queryableP50: f(p.queryableP50),
      queryableP99: f(p.queryableP99),
    }));
    writeFileSync(path.join(root, chartRel), renderSvg(points, title));
  }
  const docPath = path.join(root, 'docs/BENCHMARKS.md');
  const shown = chartRel || existsSync(path.join(root, 'docs/bench-e2e.svg'));
  const md = renderMarkdown(report, {
    ...(shown ? { chartPath: 'bench-e2e.svg' } : {}),
    jsonPath: resultsRel,
  });
  writeFileSync(docPath, replaceSection(readFileSync(docPath, 'utf8'), md));
  return chartRel;
}

if (values.render) {
  const raw = JSON.parse(readFileSync(path.resolve(values.render), 'utf8')) as Report & {
    e2eSeries?: SecondPoint[];
  };
  const m = mergeFigures(raw, { figures: [], commands: [] });
  const report: Report = { ...raw, figures: m.figures, commands: m.commands };
  writeDocs(report, path.relative(root, path.resolve(values.render)), raw.e2eSeries);
  say(`docs/BENCHMARKS.md rewritten from ${values.render}`);
  process.exit(0);
}

// ---- the machine and the stack ------------------------------------------------------------------

if (!values['no-build']) {
  say('building (tsc)');
  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', root], {
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error('build failed');
}
const stack = await startBenchStack();
const childEnv: NodeJS.ProcessEnv = {
  ...process.env,
  ATTESTRY_BENCH_SKIP_BUILD: '1',
  ATTESTRY_BENCH_REUSE_DB: '1',
};

async function adminQuery<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}
const pgVersion =
  (await adminQuery<{ v: string }>(stack.infra.adminUrl, 'SELECT version() AS v'))[0]?.v.split(' on ')[0] ??
  '?';
function kafkaVersion(): string {
  const lib = path.join(root, 'infra/kafka/lib');
  const jar = existsSync(lib)
    ? readdirSync(lib).find((f) => /^kafka-server-[\d.]+\.jar$/.test(f))
    : undefined;
  if (jar) return /([\d.]+)\.jar$/.exec(jar)?.[1] ?? '?';
  return (
    /<kafka.version>([^<]+)</.exec(readFileSync(path.join(root, 'infra/kafka/pom.xml'), 'utf8'))?.[1] ?? '?'
  );
}
function osName(): string {
  try {
    return /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os.type();
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}
const machine: Machine = {
  cores: os.availableParallelism(),
  cpuModel: os.cpus()[0]?.model.trim() ?? '?',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  os: osName(),
  node: process.version,
  postgres: pgVersion,
  kafka: kafkaVersion(),
  loadAtStart: os.loadavg(),
};
say(
  `${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.postgres}, Kafka ${machine.kafka}; load ${machine.loadAtStart.map((l) => l.toFixed(2)).join(' ')}`,
);

// ---- running a script ---------------------------------------------------------------------------

const commands: string[] = [];
const figures: Figure[] = [];
const ordered: [string, string][] = [];
const missing: string[] = [];
const failures: string[] = [];
const timings: Record<string, number> = {};

interface ScriptRun {
  json: Record<string, unknown>;
  stdout: string;
  load: LoadSample;
}

/** Runs `npx tsx bench/<script> args` with the stack's environment, sampling the load average. */
async function script(file: string, args: string[], parse: 'json' | 'text' = 'json'): Promise<ScriptRun> {
  const load: LoadSample = { before: os.loadavg()[0] ?? 0, maxDuring: 0 };
  const timer = setInterval(() => (load.maxDuring = Math.max(load.maxDuring, os.loadavg()[0] ?? 0)), 1000);
  say(`npx tsx bench/${file} ${args.join(' ')}`);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench', file), ...args], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => (stdout += d));
  const code = await new Promise<number>((r) => child.on('exit', (c, s) => r(c ?? (s ? 1 : 0))));
  clearInterval(timer);
  load.maxDuring = Math.max(load.maxDuring, os.loadavg()[0] ?? 0);
  if (code !== 0) throw new Error(`bench/${file} exited with ${code}`);
  const json = parse === 'json' ? lastJson(stdout) : {};
  if (!json) throw new Error(`bench/${file} printed no JSON result`);
  return { json, stdout, load };
}

const command = (file: string, args: string[], times: number) => {
  const c = `npx tsx bench/${file} ${args.join(' ')}`.trim() + (times > 1 ? `   (× ${times})` : '');
  commands.push(c);
  return commands.length - 1;
};

interface FigureSpec {
  id: string;
  group: string;
  label: string;
  unit: string;
  kind: FigureKind;
  /** Value of one run from its JSON. */
  get: (j: Record<string, unknown>) => number;
  target?: string;
  limits?: () => Limit[];
  selfLoaded?: boolean;
  allowZero?: boolean;
}

const pending: { spec: FigureSpec; runs: number[]; loads: LoadSample[]; command: number }[] = [];

/** Runs a step `times` times and records its figures (limits are resolved at the end). */
async function step(
  name: string,
  file: string,
  args: string[],
  specs: FigureSpec[],
  times = RUNS,
): Promise<ScriptRun[]> {
  if (only && !only.has(name)) return [];
  const t = performance.now();
  const cmd = command(file, args, times);
  const runs: ScriptRun[] = [];
  try {
    for (let i = 0; i < times; i++) runs.push(await script(file, args));
  } catch (e) {
    const msg = `${name}: failed (${e instanceof Error ? e.message : String(e)})`;
    say(msg);
    failures.push(msg);
    missing.push(msg);
  }
  timings[name] = (performance.now() - t) / 1000;
  if (runs.length > 0)
    for (const spec of specs)
      pending.push({
        spec,
        runs: runs.map((r) => spec.get(r.json)),
        loads: runs.map((r) => r.load),
        command: cmd,
      });
  return runs;
}

/**
 * A script that repeats its runs itself (one invocation with --runs, a `perRun` array in its JSON):
 * each spec's `get` reads one element of perRun, and the figure's runs are those elements.
 */
async function stepPerRun(name: string, file: string, args: string[], specs: FigureSpec[]): Promise<void> {
  const r = (await step(name, file, args, [], 1))[0];
  if (!r) return;
  const per = (r.json['perRun'] as Record<string, unknown>[] | undefined) ?? [];
  for (const spec of specs)
    pending.push({ spec, runs: per.map((x) => spec.get(x)), loads: [r.load], command: commands.length - 1 });
}

const n = (v: unknown): number =>
  typeof v === 'number' ? v : v === null || v === undefined ? NaN : Number(v);
const at = (j: unknown, ...keys: (string | number)[]): number => {
  let v: unknown = j;
  for (const k of keys)
    v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return n(v);
};
// A partial full-mode run (--only) keeps the other figures of the newest earlier full run.
const earlier = ((): (Report & { file: string }) | undefined => {
  if (!only || QUICK) return undefined;
  const dir = path.join(root, 'bench/results');
  const prev = (existsSync(dir) ? readdirSync(dir) : [])
    .filter((f) => /^\d{4}-.*Z\.json$/.test(f))
    .sort()
    .at(-1);
  if (!prev) return undefined;
  return {
    ...(JSON.parse(readFileSync(path.join(dir, prev), 'utf8')) as Report),
    file: `bench/results/${prev}`,
  };
})();

/** The median of a figure already measured, or of the earlier run merged into (for limits). */
const med = (id: string) => {
  const p = pending.find((x) => x.spec.id === id);
  if (p) return summarize(p.runs).median;
  return earlier?.figures.find((f) => f.id === id)?.summary.median ?? NaN;
};
const lim = (pairs: [string, string][]) => () =>
  pairs.map(([label, id]) => ({ label, value: med(id) })).filter((l) => Number.isFinite(l.value));

// ---- the steps ------------------------------------------------------------------------------------

const HW = 'Physical limits of this machine (same client libraries)';

await step(
  'verify',
  'verify-throughput.ts',
  ['--n', QUICK ? '1000' : '5000', '--keys', '100', '--json'],
  [
    {
      id: 'verify.raw',
      group: HW,
      label: 'node:crypto ECDSA P-256 verify, one core',
      unit: '/s',
      kind: 'rate',
      get: (j) => n(j['rawPerSec']),
    },
    {
      id: 'verify.hashedrekord',
      group: 'Verification (issue 4)',
      label: 'Attestry hashedrekord verification, one core',
      unit: '/s',
      kind: 'rate',
      get: (j) => n(j['hashedrekordPerSec']),
      limits: lim([['raw verify', 'verify.raw']]),
    },
    {
      id: 'verify.dsse',
      group: 'Verification (issue 4)',
      label: 'Attestry DSSE verification, one core',
      unit: '/s',
      kind: 'rate',
      get: (j) => n(j['dssePerSec']),
      limits: lim([['raw verify', 'verify.raw']]),
    },
  ],
);

await step(
  'pg-copy',
  'pg-copy.ts',
  ['--rows', QUICK ? '5000' : '100000', '--json'],
  [
    {
      id: 'pg.copy.unlogged',
      group: HW,
      label: 'PostgreSQL COPY, entry-shaped rows, unlogged table',
      unit: 'rows/s',
      kind: 'rate',
      get: (j) => at(j, 'unlogged', 'rowsPerSec'),
    },
    {
      id: 'pg.copy.logged',
      group: HW,
      label: 'PostgreSQL COPY, entry-shaped rows, logged table',
      unit: 'rows/s',
      kind: 'rate',
      get: (j) => at(j, 'logged', 'rowsPerSec'),
    },
  ],
);

await step(
  'kafka-raw',
  'kafka-raw.ts',
  ['--messages', QUICK ? '5000' : '100000', '--json'],
  [
    {
      id: 'kafka.produce',
      group: HW,
      label: 'Kafka produce, submission-sized messages, acks=-1 (libs/bus)',
      unit: 'msg/s',
      kind: 'rate',
      get: (j) => at(j, 'produce', 'messagesPerSec'),
      selfLoaded: true,
    },
    {
      id: 'kafka.consume',
      group: HW,
      label: 'Kafka consume, same messages (libs/bus)',
      unit: 'msg/s',
      kind: 'rate',
      get: (j) => at(j, 'consume', 'messagesPerSec'),
      selfLoaded: true,
    },
  ],
);

await step(
  'generator',
  'generator-rate.ts',
  ['--n', QUICK ? '2000' : '20000', '--json'],
  [
    {
      id: 'generator.rate',
      group: 'The workload generator (issue 8), items generated and signed, not submitted',
      label: `generator rate, the default mix, worker threads (${os.availableParallelism()})`,
      unit: 'items/s',
      kind: 'rate',
      get: (j) => at(j, 'workers', 'itemsPerSec'),
      target: 'not the bottleneck (above the sequencer rate)',
    },
    {
      id: 'generator.rate.one',
      group: 'The workload generator (issue 8), items generated and signed, not submitted',
      label: 'generator rate, one thread',
      unit: 'items/s',
      kind: 'rate',
      get: (j) => at(j, 'oneThread', 'itemsPerSec'),
    },
  ],
);

const proofArgs = QUICK
  ? ['--entries', '20000', '--queries', '500']
  : ['--entries', '1000000', '--queries', '10000'];
const PROOF = `Inclusion proofs (issue 3), ${QUICK ? '20,000' : '1,000,000'}-entry log`;
await step(
  'tlog-proofs',
  'tlog-proofs.ts',
  [...proofArgs, '--json'],
  [
    {
      id: 'proof.cold.p50',
      group: PROOF,
      label: 'inclusion proof p50, cold cache',
      unit: 'ms',
      kind: 'latency',
      get: (j) => at(j, 'cold', 'p50'),
      selfLoaded: true,
    },
    {
      id: 'proof.cold.p99',
      group: PROOF,
      label: 'inclusion proof p99, cold cache',
      unit: 'ms',
      kind: 'latency',
      get: (j) => at(j, 'cold', 'p99'),
      target: '< 5 ms',
      selfLoaded: true,
    },
    {
      id: 'proof.warm.p50',
      group: PROOF,
      label: 'inclusion proof p50, warm cache',
      unit: 'ms',
      kind: 'latency',
      get: (j) => at(j, 'warm', 'p50'),
      selfLoaded: true,
    },
    {
      id: 'proof.warm.p99',
      group: PROOF,
      label: 'inclusion proof p99, warm cache',
      unit: 'ms',
      kind: 'latency',
      get: (j) => at(j, 'warm', 'p99'),
      target: '< 5 ms',
      selfLoaded: true,
    },
  ],
);
ordered.push(['proof.cold.p50', 'proof.cold.p99'], ['proof.warm.p50', 'proof.warm.p99']);

const drainN = values['drain-entries'] ?? (QUICK ? '2000' : '200000');
const DRAIN = `Sequencer and indexer, preload and drain (issues 3 and 6), ${Number(drainN).toLocaleString('en-US')} mixed entries`;
// sequencer-drain repeats its runs itself: each `get` reads one element of its perRun.
const drainSpecs: FigureSpec[] = [
  {
    id: 'sequencer.rate',
    group: DRAIN,
    label: 'sequencer rate (entries / (last commit − first commit))',
    unit: 'entries/s',
    kind: 'rate',
    get: (x) => n(x['rate']),
    target: '≥ 5,000/s',
    limits: lim([
      ['raw verify (one core)', 'verify.raw'],
      ['Kafka consume', 'kafka.consume'],
      ['PostgreSQL logged COPY', 'pg.copy.logged'],
    ]),
    selfLoaded: true,
  },
  {
    id: 'sequencer.rss',
    group: DRAIN,
    label: 'sequencer peak RSS (VmHWM)',
    unit: 'MB',
    kind: 'size',
    get: (x) => n(x['rssMb']),
    target: '< 300 MB',
    selfLoaded: true,
  },
  {
    id: 'indexer.rate',
    group: DRAIN,
    label: 'indexer rate, draining attestry.entries (one indexer)',
    unit: 'entries/s',
    kind: 'rate',
    get: (x) => at(x, 'indexer', 'rate'),
    target: 'keeps pace with the sequencer',
    limits: lim([
      ['Kafka consume', 'kafka.consume'],
      ['PostgreSQL logged COPY', 'pg.copy.logged'],
    ]),
    selfLoaded: true,
  },
  {
    id: 'indexer.rss',
    group: DRAIN,
    label: 'indexer peak RSS (VmHWM)',
    unit: 'MB',
    kind: 'size',
    get: (x) => at(x, 'indexer', 'rssMb'),
    target: '< 300 MB',
    selfLoaded: true,
  },
];
{
  const args = [
    '--entries',
    drainN,
    '--runs',
    String(RUNS),
    '--kind',
    'mixed',
    '--indexer',
    '--port',
    String(PORT_BASE + 10),
    '--json',
  ];
  await stepPerRun('sequencer-drain', 'sequencer-drain.ts', args, drainSpecs);
}
const replayN = QUICK ? 2000 : 100000;
const REPLAY = `Index replay (issue 6): \`attestry replay\` over a ${replayN.toLocaleString('en-US')}-entry log of the generator's mix`;
{
  // replay.ts repeats the replay itself on one log: each `get` reads one element of its perRun.
  const specs: FigureSpec[] = [
    {
      id: 'replay.rate',
      group: REPLAY,
      label: 'replay rate (entries projected and written per second)',
      unit: 'entries/s',
      kind: 'rate',
      get: (x) => n(x['rate']),
      target: '≥ 1,667/s (1,000,000 entries in 10 min)',
      limits: lim([['the indexer drain rate', 'indexer.rate']]),
      selfLoaded: true,
    },
    {
      id: 'replay.1m',
      group: REPLAY,
      label: 'projected time for the 1,000,000-entry dataset at that rate',
      unit: 'min',
      kind: 'duration',
      get: (x) => 1_000_000 / n(x['rate']) / 60,
      target: '< 10 min',
      selfLoaded: true,
    },
    {
      id: 'replay.rss',
      group: REPLAY,
      label: 'replay process peak RSS',
      unit: 'MB',
      kind: 'size',
      get: (x) => n(x['rssMb']),
      target: '< 300 MB',
      selfLoaded: true,
    },
  ];
  const args = ['--entries', String(replayN), '--runs', String(RUNS), '--port', String(PORT_BASE + 15)];
  await stepPerRun('replay', 'replay.ts', [...args, '--json'], specs);
}

const e2eArgs = QUICK
  ? ['--rate', '20', '--seconds', '5', '--drain-timeout', '30']
  : ['--rate', '100', '--seconds', '30', '--drain-timeout', '60'];
const E2E = `End-to-end ingest (issues 5, 6, 8): ${e2eArgs[1]}/s offered for ${e2eArgs[3]} s, open loop`;
const e2eRuns = await step(
  'e2e',
  'e2e-ingest.ts',
  [...e2eArgs, '--port-base', String(PORT_BASE + 20), '--json'],
  [
    {
      id: 'e2e.included.rate',
      group: E2E,
      label: 'included (201) per second',
      unit: 'entries/s',
      kind: 'rate',
      get: (j) => n(j['includedRate']),
      limits: lim([
        ['the sequencer drain rate', 'sequencer.rate'],
        ['raw verify (one core)', 'verify.raw'],
        ['Kafka produce', 'kafka.produce'],
        ['PostgreSQL logged COPY', 'pg.copy.logged'],
      ]),
      selfLoaded: true,
    },
    {
      id: 'e2e.queryable.rate',
      group: E2E,
      label: 'queryable (whoSigned answers) per second',
      unit: 'entries/s',
      kind: 'rate',
      get: (j) => n(j['queryableRate']),
      limits: lim([['the indexer drain rate', 'indexer.rate']]),
      selfLoaded: true,
    },
    {
      id: 'e2e.included.p50',
      group: E2E,
      label: 'submitted → included (201), p50',
      unit: 'ms',
      kind: 'latency',
      get: (j) => at(j, 'includedMs', 'p50'),
      target: '< 100 ms (at 1,000/s)',
      selfLoaded: true,
    },
    {
      id: 'e2e.included.p99',
      group: E2E,
      label: 'submitted → included (201), p99',
      unit: 'ms',
      kind: 'latency',
      get: (j) => at(j, 'includedMs', 'p99'),
      target: '< 500 ms (at 1,000/s)',
      selfLoaded: true,
    },
    {
      id: 'e2e.queryable.p50',
      group: E2E,
      label: 'submitted → queryable (GraphQL whoSigned), p50',
      unit: 'ms',
      kind: 'latency',
      get: (j) => at(j, 'queryableMs', 'p50'),
      selfLoaded: true,
    },
    {
      id: 'e2e.queryable.p99',
      group: E2E,
      label: 'submitted → queryable (GraphQL whoSigned), p99',
      unit: 'ms',
      kind: 'latency',
      get: (j) => at(j, 'queryableMs', 'p99'),
      target: '< 2 s (pipeline otherwise idle)',
      selfLoaded: true,
    },
    {
      id: 'e2e.logged.share',
      group: E2E,
      label: 'submissions logged (201) within the run, of those sent',
      unit: '%',
      kind: 'size',
      get: (j) => (100 * n(j['included'])) / n(j['sent']),
      selfLoaded: true,
    },
    ...(['gateway', 'sequencer', 'indexer', 'api'] as const).map((s): FigureSpec => ({
      id: `e2e.rss.${s}`,
      group: E2E,
      label: `${s} peak RSS (VmHWM) during the run`,
      unit: 'MB',
      kind: 'size',
      get: (j) => at(j, 'rss', s, 'hwmMb'),
      target: '< 300 MB',
      selfLoaded: true,
    })),
  ],
);
ordered.push(['e2e.included.p50', 'e2e.included.p99'], ['e2e.queryable.p50', 'e2e.queryable.p99']);

if (!QUICK) {
  const args = ['--rates', '250,500,1000', '--seconds', '10'];
  const SUB = 'Submit latency through the gateway (issue 5), bench/submit-latency.ts';
  if (!only || only.has('submit-latency')) {
    const cmd = command('submit-latency.ts', args, RUNS);
    const t = performance.now();
    const steps: ReturnType<typeof parseSubmitLatency>[] = [];
    const loads: LoadSample[] = [];
    try {
      for (let i = 0; i < RUNS; i++) {
        const r = await script('submit-latency.ts', args, 'text');
        const s = parseSubmitLatency(r.stdout);
        if (s.length === 0) throw new Error('could not read its output');
        steps.push(s);
        loads.push(r.load);
      }
      const first = (k: 'p50' | 'p99' | 'offered') => steps.map((s) => n(s[0]?.[k]));
      const off = first('offered')[0];
      pending.push(
        {
          spec: {
            id: 'submit.p50',
            group: SUB,
            label: `p50 at ${off}/s offered (its first step)`,
            unit: 'ms',
            kind: 'latency',
            get: () => NaN,
            target: '< 100 ms at 1,000/s',
            selfLoaded: true,
          },
          runs: first('p50'),
          loads,
          command: cmd,
        },
        {
          spec: {
            id: 'submit.p99',
            group: SUB,
            label: `p99 at ${off}/s offered (its first step)`,
            unit: 'ms',
            kind: 'latency',
            get: () => NaN,
            target: '< 500 ms at 1,000/s',
            selfLoaded: true,
          },
          runs: first('p99'),
          loads,
          command: cmd,
        },
        {
          spec: {
            id: 'submit.sustained',
            group: SUB,
            label: 'highest offered rate with p99 ≤ 1 s and ≥ 99 % logged (0: none of 250/500/1,000)',
            unit: '/s',
            kind: 'rate',
            get: () => NaN,
            allowZero: true,
            selfLoaded: true,
          },
          runs: steps.map((s) =>
            Math.max(
              0,
              ...s
                .filter(
                  (x) =>
                    x.p99 <= 1000 && (x.ok === undefined || x.sent === undefined || x.ok >= 0.99 * x.sent),
                )
                .map((x) => x.offered),
            ),
          ),
          loads,
          command: cmd,
        },
      );
      ordered.push(['submit.p50', 'submit.p99']);
    } catch (e) {
      const msg = `submit-latency: failed (${e instanceof Error ? e.message : String(e)})`;
      say(msg);
      failures.push(msg);
      missing.push(msg);
    }
    timings['submit-latency'] = (performance.now() - t) / 1000;
  }
} else
  missing.push(
    'submit latency (bench/submit-latency.ts): full mode only; the e2e run measures the same 201 latency',
  );

// ---- GraphQL on the synthetic index ----------------------------------------------------------------

const dsEntries = QUICK ? 20000 : 1000000;
let datasetUrl = values['dataset-url'];
let dropDataset: (() => Promise<void>) | undefined;
if (!only || only.has('graphql')) {
  if (!datasetUrl) {
    const name = benchDatabaseName(`attestry_bench_idx${QUICK ? '_quick' : ''}`);
    const u = new URL(stack.infra.adminUrl);
    u.pathname = '/postgres';
    const c = new pg.Client({ connectionString: u.toString() });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    await c.end();
    u.pathname = `/${name}`;
    datasetUrl = u.toString();
    if (QUICK)
      dropDataset = async () => {
        const d = new pg.Client({ connectionString: new URL('/postgres', stack.infra.adminUrl).toString() });
        await d.connect();
        await d.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
        await d.end();
      };
    const IDX = 'The synthetic index (issues 6 and 7), bench/idx-dataset.sql';
    const cmd = command(
      'idx-dataset.ts',
      ['--url', '<new empty database>', '--entries', String(dsEntries), '--json'],
      1,
    );
    try {
      const t = performance.now();
      const r = await script('idx-dataset.ts', [
        '--url',
        datasetUrl,
        '--entries',
        String(dsEntries),
        '--json',
      ]);
      timings['idx-dataset'] = (performance.now() - t) / 1000;
      pending.push({
        spec: {
          id: 'idx.dataset.load',
          group: IDX,
          label: `${dsEntries.toLocaleString('en-US')}-entry dataset: SQL load + later migrations + VACUUM ANALYZE`,
          unit: 's',
          kind: 'duration',
          get: () => NaN,
          selfLoaded: true,
        },
        runs: [n(r.json['totalSeconds'])],
        loads: [r.load],
        command: cmd,
      });
    } catch (e) {
      const msg = `idx-dataset: failed (${e instanceof Error ? e.message : String(e)})`;
      failures.push(msg);
      missing.push(msg);
      datasetUrl = undefined;
    }
  }
  if (datasetUrl) {
    const GQL = `GraphQL latencies (issue 7) on the ${values['dataset-url'] ? 'given' : `${dsEntries.toLocaleString('en-US')}-entry synthetic`} index`;
    const gqlArgs = QUICK
      ? ['--runs', '30', '--transitive-runs', '2', '--rate', '100', '--seconds', '3']
      : ['--runs', '300', '--transitive-runs', '5', '--rate', '500', '--seconds', '20'];
    const q = (name: string, p: 'p50' | 'p99') => (j: Record<string, unknown>) =>
      n(
        ((j['results'] as Record<string, unknown>[] | undefined) ?? []).find((r) => r['query'] === name)?.[p],
      );
    const targets: Record<string, string> = {
      whoSigned: '< 10 ms',
      signatures: '< 20 ms',
      artifact: '< 20 ms',
      blastRadius: '< 1 s',
      dependents: '< 1 s',
    };
    const specs: FigureSpec[] = [];
    for (const name of ['whoSigned', 'signatures', 'artifact', 'blastRadius', 'dependents']) {
      specs.push(
        {
          id: `gql.${name}.p50`,
          group: GQL,
          label: `${name} p50 (closed loop)`,
          unit: 'ms',
          kind: 'latency',
          get: q(name, 'p50'),
          selfLoaded: true,
        },
        {
          id: `gql.${name}.p99`,
          group: GQL,
          label: `${name} p99 (closed loop)`,
          unit: 'ms',
          kind: 'latency',
          get: q(name, 'p99'),
          target: targets[name],
          selfLoaded: true,
        },
      );
      ordered.push([`gql.${name}.p50`, `gql.${name}.p99`]);
    }
    specs.push(
      {
        id: 'gql.mixed.rate',
        group: GQL,
        label: `mixed point queries, achieved at ${gqlArgs[5]}/s offered`,
        unit: '/s',
        kind: 'rate',
        get: (j) => at(j, 'mixed', 'achieved'),
        target: '500/s sustained',
        selfLoaded: true,
      },
      {
        id: 'gql.mixed.p50',
        group: GQL,
        label: 'mixed point queries p50 (open loop)',
        unit: 'ms',
        kind: 'latency',
        get: (j) => at(j, 'mixed', 'p50'),
        selfLoaded: true,
      },
      {
        id: 'gql.mixed.p99',
        group: GQL,
        label: 'mixed point queries p99 (open loop)',
        unit: 'ms',
        kind: 'latency',
        get: (j) => at(j, 'mixed', 'p99'),
        selfLoaded: true,
      },
    );
    ordered.push(['gql.mixed.p50', 'gql.mixed.p99']);
    const shown = values['dataset-url'] ? '<dataset url>' : '<the dataset database>';
    const args = [...gqlArgs, '--port', String(PORT_BASE + 30), '--json'];
    commands.push(
      `npx tsx bench/graphql.ts --url ${shown} ${args.join(' ')}` + (RUNS > 1 ? `   (× ${RUNS})` : ''),
    );
    const cmd = commands.length - 1;
    const t = performance.now();
    const runs: ScriptRun[] = [];
    try {
      for (let i = 0; i < RUNS; i++) runs.push(await script('graphql.ts', ['--url', datasetUrl, ...args]));
    } catch (e) {
      const msg = `graphql: failed (${e instanceof Error ? e.message : String(e)})`;
      failures.push(msg);
      missing.push(msg);
    }
    timings['graphql'] = (performance.now() - t) / 1000;
    if (runs.length > 0)
      for (const spec of specs)
        pending.push({
          spec,
          runs: runs.map((r) => spec.get(r.json)),
          loads: runs.map((r) => r.load),
          command: cmd,
        });
    if (dropDataset) await dropDataset();
    else if (!values['dataset-url']) say(`the dataset stays in ${datasetUrl} (reuse it with --dataset-url)`);
  }
}

// ---- figures, noise, sanity --------------------------------------------------------------------------

for (const p of pending) {
  const summary = summarize(p.runs);
  const worst: LoadSample = {
    before: Math.max(...p.loads.map((l) => l.before)),
    maxDuring: Math.max(...p.loads.map((l) => l.maxDuring)),
  };
  const f: Figure = {
    id: p.spec.id,
    group: p.spec.group,
    label: p.spec.label,
    unit: p.spec.unit,
    kind: p.spec.kind,
    runs: p.runs.map((v) => (Number.isFinite(v) ? +v.toPrecision(6) : v)),
    summary,
    noise: noiseReasons(worst, machine.cores, summary.spreadPct, p.spec.selfLoaded ?? false),
    command: p.command,
  };
  if (p.spec.target) f.target = p.spec.target;
  const limits = p.spec.limits?.();
  if (limits && limits.length > 0) f.limits = limits;
  figures.push(f);
}
const zeroOk = new Set(pending.filter((p) => p.spec.allowZero).map((p) => p.spec.id));
const problems = [
  ...sanityProblems(
    figures.filter((f) => !zeroOk.has(f.id)),
    ordered,
  ),
  ...figures
    .filter((f) => zeroOk.has(f.id) && f.runs.some((v) => !Number.isFinite(v) || v < 0))
    .map((f) => `${f.id}: not a rate`),
];

// ---- outputs -----------------------------------------------------------------------------------------

let mergedFrom: Report['mergedFrom'];
if (earlier) {
  {
    const merged = mergeFigures(earlier, { figures, commands });
    figures.splice(0, figures.length, ...merged.figures);
    commands.splice(0, commands.length, ...merged.commands);
    // An earlier note about a step this run measured (its name before the colon) is out of date.
    const ran = (m: string) => only?.has(m.split(':')[0]?.trim() ?? '') ?? false;
    for (const m of earlier.missing) if (!missing.includes(m) && !ran(m)) missing.push(m);
    mergedFrom = { file: earlier.file, startedAt: earlier.startedAt };
  }
}
const seconds = (performance.now() - t0) / 1000;
const stamp = startedAt
  .toISOString()
  .replace(/[:.]/g, '-')
  .replace(/-\d+Z$/, 'Z');
const resultsRel = `bench/results/${stamp}${QUICK ? '-quick' : ''}.json`;
const e2eMedian = e2eRuns.map((r) => r.json).sort((a, b) => n(a['includedRate']) - n(b['includedRate']))[
  Math.floor((e2eRuns.length - 1) / 2)
];
const series = e2eMedian?.['series'] as SecondPoint[] | undefined;
const docsWanted = !values['no-docs'] && (!QUICK || values['write-docs']);
const chartRel = docsWanted && series && series.length > 0 ? 'docs/bench-e2e.svg' : undefined;
const report: Report = {
  mode: QUICK ? 'quick' : 'full',
  startedAt: startedAt.toISOString(),
  seconds,
  machine,
  commands,
  figures,
  missing,
  ordered,
  ...(chartRel ? { chart: chartRel } : {}),
  ...(mergedFrom ? { mergedFrom } : {}),
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(
  path.join(root, resultsRel),
  `${JSON.stringify({ ...report, timings, problems, e2eSeries: series ?? [] }, null, 1)}\n`,
);
if (docsWanted) writeDocs(report, resultsRel, series);

// ---- the console summary --------------------------------------------------------------------------

for (const f of figures) {
  const s = f.summary;
  const frac = f.limits?.length
    ? `  [${f.limits.map((l) => `${((100 * s.median) / l.value).toFixed(1)} % of ${l.label}`).join(', ')}]`
    : '';
  process.stdout.write(
    `${f.label.padEnd(70)} ${s.median.toFixed(s.median < 10 ? 2 : 0).padStart(10)} ${f.unit.padEnd(9)}` +
      `${s.n > 1 ? ` (${s.min.toFixed(0)}–${s.max.toFixed(0)})` : ''}${frac}${f.noise.length ? `  NOISY: ${f.noise.join('; ')}` : ''}\n`,
  );
}
for (const m of missing) process.stdout.write(`not measured: ${m}\n`);
process.stdout.write(
  `timings (s): ${JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])))}\n`,
);
process.stdout.write(
  `results: ${resultsRel}${docsWanted ? ', docs/BENCHMARKS.md' : ''}${chartRel ? `, ${chartRel}` : ''}; ${Math.round(seconds)} s\n`,
);
stack.stop();
if (problems.length > 0 || failures.length > 0) {
  for (const p of [...failures, ...problems]) process.stderr.write(`bench: INSANE: ${p}\n`);
  process.exit(1);
}
process.exit(0);
