/**
 * End-to-end ingest (issue 8): gateway, sequencer, indexer and api as their own processes on the
 * bench stack; an open-loop load of pre-signed hashedrekord submissions at a fixed offered rate
 * through POST /api/v1/entries (waiting for inclusion: 201 with the inclusion proof), and a poller
 * that asks the GraphQL api `whoSigned` for every submitted artifact until it answers. Per
 * submission: submitted → included (its 201) → queryable (the first poll answer naming it).
 * Latencies count from when a request was due, so a backlog shows (no coordinated omission);
 * "queryable" is known to the poll interval (--poll-ms) plus one query's time.
 *
 *   npx tsx bench/e2e-ingest.ts [--rate 100] [--seconds 20] [--poll-ms 100] [--port-base 28380] [--json]
 *
 * The RSS of each service process (VmRSS sampled every 500 ms, peak VmHWM) is reported too, and the
 * CPU seconds each process kind used from the first submission to the end (bench/cpu.ts: services,
 * the Kafka broker, PostgreSQL, this load generator, the machine's busy time), with the load average.
 * --json: one JSON object on stdout (with the per-second series the suite draws); the human lines
 * go to stderr. Everything (the load generator included) shares the machine's cores.
 */
import { parseArgs } from 'node:util';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { Bus, topicSpecs } from '../libs/bus/index.js';
import { freshBenchDatabase, root, startBenchStack } from './stack.js';
import { percentile, type SecondPoint } from './report.js';
import { cpuLine, cpuMeter } from './cpu.js';
import { loadavg } from 'node:os';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '20' },
    'poll-ms': { type: 'string', default: '100' },
    'port-base': { type: 'string', default: '28380' },
    'drain-timeout': { type: 'string', default: '60' },
    // Scale-out (docs/SCALING.md): more gateways (submissions round-robin over them), more
    // indexers (one consumer group), and a standby sequencer (fenced, idle unless the leader dies).
    gateways: { type: 'string', default: '1' },
    indexers: { type: 'string', default: '1' },
    standby: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const POLL_MS = Number(values['poll-ms']);
const BASE = Number(values['port-base']);
const DRAIN_TIMEOUT_MS = Number(values['drain-timeout']) * 1000;
const human = (line: string) => process.stderr.write(line);
const out = (line: string) => (values.json ? process.stderr : process.stdout).write(line);

const stack = await startBenchStack({ build: true });
const db = await freshBenchDatabase(stack.infra, 'attestry_bench_e2e');
const prefix = `benche2e${Date.now().toString(36)}.`;
const bus = new Bus({ brokers: stack.infra.brokers, clientId: 'bench-e2e' });
await bus.ensureTopics(topicSpecs(prefix));

type Name = 'gateway' | 'api' | 'sequencer' | 'indexer';
const ports: Record<Name, number> = { gateway: BASE, api: BASE + 1, sequencer: BASE + 2, indexer: BASE + 3 };
function start(name: Name, port = ports[name]): ChildProcess {
  return spawn(process.execPath, [path.join(root, `dist/services/${name}/main.js`)], {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      KAFKA_BROKERS: stack.infra.brokers.join(','),
      DATABASE_URL: db.serviceUrls[name],
      TOPIC_PREFIX: prefix,
      ATTESTRY_HOME: stack.settings.home,
      RATE_LIMIT_RPS: '100000',
      RATE_LIMIT_BURST: '100000',
      GATEWAY_PUBLIC_URL: `http://127.0.0.1:${ports.gateway}`,
      GRAPHQL_MAX_COST: '10000000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
const children = {} as Record<Name, ChildProcess>;
for (const n of ['sequencer', 'indexer', 'gateway', 'api'] as const) children[n] = start(n);
/** The scale-out processes beyond one of each, by label (`gateway#2`, `indexer#2`, `sequencer#standby`). */
const extras: { label: string; port: number; proc: ChildProcess }[] = [];
for (let i = 2; i <= Number(values.gateways); i++)
  extras.push({ label: `gateway#${i}`, port: BASE + 10 + i, proc: start('gateway', BASE + 10 + i) });
for (let i = 2; i <= Number(values.indexers); i++)
  extras.push({ label: `indexer#${i}`, port: BASE + 20 + i, proc: start('indexer', BASE + 20 + i) });
if (values.standby)
  extras.push({ label: 'sequencer#standby', port: BASE + 30, proc: start('sequencer', BASE + 30) });
const gatewayPorts = [
  ports.gateway,
  ...extras.filter((e) => e.label.startsWith('gateway')).map((e) => e.port),
];
const allProcs = () => [...Object.values(children), ...extras.map((e) => e.proc)];
// Never leave a service running when this script fails.
process.on('exit', () => {
  for (const c of allProcs()) if (c.exitCode === null) c.kill('SIGTERM');
});
async function stopAll(): Promise<void> {
  for (const c of allProcs()) if (c.exitCode === null) c.kill('SIGTERM');
  await Promise.all(
    allProcs().map((c) => new Promise<void>((r) => (c.exitCode !== null ? r() : c.once('exit', () => r())))),
  );
}
try {
  for (let i = 0; ; i++) {
    // A standby sequencer is not ready by design (it does not lead): it only has to be alive.
    const readyPorts = [
      ...Object.values(ports),
      ...extras.filter((e) => !e.label.includes('standby')).map((e) => e.port),
    ];
    const ok = await Promise.all(
      readyPorts.map((port) =>
        fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        ),
      ),
    );
    if (ok.every(Boolean)) break;
    for (const [n, c] of [...Object.entries(children), ...extras.map((e) => [e.label, e.proc] as const)])
      if (c.exitCode !== null) throw new Error(`${n} exited during start-up`);
    if (i > 600) throw new Error('services did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
} catch (e) {
  await stopAll();
  throw e;
}

// ---- RSS of each service ---------------------------------------------------------------------------

const rss = Object.fromEntries(
  [...(Object.keys(ports) as string[]), ...extras.map((e) => e.label)].map((n) => [
    n,
    { maxRssMb: 0, hwmMb: 0 },
  ]),
);
function readStatus(pid: number | undefined): { rss: number; hwm: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
      rss: Number(/VmRSS:\s+(\d+) kB/.exec(s)?.[1] ?? NaN) / 1024,
      hwm: Number(/VmHWM:\s+(\d+) kB/.exec(s)?.[1] ?? NaN) / 1024,
    };
  } catch {
    return undefined;
  }
}
const sampleRss = () => {
  const procs: [string, ChildProcess][] = [
    ...(Object.keys(ports) as Name[]).map((n) => [n, children[n]] as [string, ChildProcess]),
    ...extras.map((e) => [e.label, e.proc] as [string, ChildProcess]),
  ];
  for (const [n, proc] of procs) {
    const s = readStatus(proc.pid);
    const r = rss[n];
    if (!s || !r) continue;
    r.maxRssMb = Math.max(r.maxRssMb, Math.round(s.rss));
    r.hwmMb = Math.max(r.hwmMb, Math.round(s.hwm));
  }
};
const rssTimer = setInterval(sampleRss, 500);

// ---- the load ----------------------------------------------------------------------------------------

const keys = Array.from({ length: 50 }, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }));
const pems = keys.map((k) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString());
const N = Math.max(1, Math.round(RATE * SECONDS));
const runId = `${Date.now()} ${process.pid}`;
const items = Array.from({ length: N }, (_, i) => {
  const k = i % keys.length;
  const artifact = Buffer.from(`e2e ${runId} ${i}`);
  const hex = createHash('sha256').update(artifact).digest('hex');
  return {
    digest: `sha256:${hex}`,
    body: JSON.stringify({
      artifactDigest: { algorithm: 'sha256', hex },
      signature: sign('sha256', artifact, keys[k]!.privateKey).toString('base64'),
      verificationMaterial: { publicKey: pems[k] },
    }),
  };
});

const outstanding = new Set<number>();
interface Track {
  due: number;
  included?: number;
  queryable?: number;
  status?: number;
}
const track: Track[] = items.map(() => ({ due: NaN }));
const agent = new http.Agent({ keepAlive: true, maxSockets: 4000 });
function submit(i: number): Promise<void> {
  const payload = items[i]!.body;
  const gateway = `http://127.0.0.1:${gatewayPorts[i % gatewayPorts.length]}`;
  return new Promise((resolve) => {
    const req = http.request(
      `${gateway}/api/v1/entries`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const t = track[i]!;
          t.status = res.statusCode ?? 0;
          if (t.status === 201 || t.status === 200) t.included = performance.now();
          // Not logged: it will never be queryable, stop asking for it.
          else outstanding.delete(i);
          resolve();
        });
      },
    );
    req.on('error', () => {
      track[i]!.status = 0;
      outstanding.delete(i);
      resolve();
    });
    req.end(payload);
  });
}

// The queryable poller: every POLL_MS, one whoSigned per outstanding artifact, 50 to a request and
// at most 8 requests at a time; when more are outstanding, successive polls rotate through them, so
// none waits behind older ones more than a few cycles.
const apiUrl = `http://127.0.0.1:${ports.api}/graphql`;
let polling = true;
let pollRequests = 0;
let pollErrors = 0;
let rotate = 0;
async function pollOnce(): Promise<void> {
  const all = [...outstanding];
  const start = all.length > 400 ? rotate % all.length : 0;
  const ids = [...all.slice(start), ...all.slice(0, start)].slice(0, 400);
  rotate = start + ids.length;
  const chunks: number[][] = [];
  for (let i = 0; i < ids.length; i += 50) chunks.push(ids.slice(i, i + 50));
  await Promise.all(
    chunks.map(async (chunk) => {
      const query = `{ ${chunk.map((id, k) => `a${k}: whoSigned(digest: "${items[id]!.digest}") { logIndex }`).join(' ')} }`;
      pollRequests++;
      try {
        const res = await fetch(apiUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        });
        const body = (await res.json()) as { data?: Record<string, unknown[] | null>; errors?: unknown[] };
        const t = performance.now();
        if (!body.data) {
          pollErrors++;
          return;
        }
        chunk.forEach((id, k) => {
          const v = body.data?.[`a${k}`];
          if (Array.isArray(v) && v.length > 0) {
            track[id]!.queryable = t;
            outstanding.delete(id);
          }
        });
      } catch {
        pollErrors++;
      }
    }),
  );
}
const poller = (async () => {
  while (polling) {
    const t = performance.now();
    if (outstanding.size > 0) await pollOnce();
    const wait = POLL_MS - (performance.now() - t);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
})();

human(`e2e: ${N} submissions at ${RATE}/s offered for ${SECONDS} s\n`);
const loadBefore = loadavg();
// CPU by process kind over the run (from the first submission to the last answer).
const cpu = cpuMeter({
  processes: () => ({
    ...Object.fromEntries(Object.entries(children).map(([n, c]) => [n, c.pid])),
    ...Object.fromEntries(extras.map((e) => [e.label, e.proc.pid])),
  }),
  kafkaHome: stack.settings.home,
  database: decodeURIComponent(new URL(db.adminUrl).pathname.slice(1)),
});
const started = performance.now();
const pending: Promise<void>[] = [];
for (let i = 0; i < N; i++) {
  const due = started + (i * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 2) await new Promise((r) => setTimeout(r, wait));
  track[i]!.due = due;
  outstanding.add(i);
  pending.push(submit(i));
}
const sendEnd = performance.now();
await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, DRAIN_TIMEOUT_MS))]);
// Those never included will never be queryable.
for (const [i, t] of track.entries())
  if (t.status !== undefined && t.included === undefined) outstanding.delete(i);
const drainDeadline = performance.now() + DRAIN_TIMEOUT_MS;
while (outstanding.size > 0 && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 50));
polling = false;
await poller;
clearInterval(rssTimer);
sampleRss();
const end = performance.now();
const cpuReport = cpu.stop();

// ---- results ------------------------------------------------------------------------------------------

const inc = track.filter((t) => t.included !== undefined);
const qry = track.filter((t) => t.queryable !== undefined);
const sortNum = (xs: number[]) => xs.sort((a, b) => a - b);
const incLat = sortNum(inc.map((t) => t.included! - t.due));
const qryLat = sortNum(qry.map((t) => t.queryable! - t.due));
const lastInc = Math.max(...inc.map((t) => t.included!));
const lastQry = Math.max(...qry.map((t) => t.queryable!));
const errors: Record<string, number> = {};
for (const t of track)
  if (t.included === undefined)
    errors[String(t.status ?? 'none')] = (errors[String(t.status ?? 'none')] ?? 0) + 1;
const stats = (xs: number[]) => ({
  p50: percentile(xs, 50),
  p90: percentile(xs, 90),
  p99: percentile(xs, 99),
  max: xs.at(-1) ?? NaN,
});

// Per second: rates by the second an event happened, latencies by the second a request was due.
const secs = Math.ceil((Math.max(end, lastQry) - started) / 1000);
const series: SecondPoint[] = [];
for (let s = 0; s < secs; s++) {
  const lo = started + s * 1000;
  const hi = lo + 1000;
  const inSec = (v: number | undefined) => v !== undefined && v >= lo && v < hi;
  const dueHere = track.filter((t) => inSec(t.due));
  const il = sortNum(dueHere.filter((t) => t.included !== undefined).map((t) => t.included! - t.due));
  const ql = sortNum(dueHere.filter((t) => t.queryable !== undefined).map((t) => t.queryable! - t.due));
  series.push({
    t: s,
    offered: dueHere.length,
    included: track.filter((t) => inSec(t.included)).length,
    queryable: track.filter((t) => inSec(t.queryable)).length,
    includedP50: percentile(il, 50),
    includedP99: percentile(il, 99),
    queryableP50: percentile(ql, 50),
    queryableP99: percentile(ql, 99),
  });
}
// Trailing seconds where nothing happened (waiting for the last poll) are not drawn.
while (
  series.length > 1 &&
  series.at(-1)!.included === 0 &&
  series.at(-1)!.queryable === 0 &&
  series.at(-1)!.offered === 0
)
  series.pop();

const result = {
  bench: 'e2e-ingest',
  offeredRate: RATE,
  seconds: SECONDS,
  pollMs: POLL_MS,
  sent: N,
  included: inc.length,
  queryable: qry.length,
  errors,
  sendSeconds: (sendEnd - started) / 1000,
  // Achieved: completions over the time from the first submission to the last completion.
  includedRate: inc.length / ((lastInc - started) / 1000),
  queryableRate: qry.length / ((lastQry - started) / 1000),
  includedMs: stats(incLat),
  queryableMs: stats(qryLat),
  pollRequests,
  pollErrors,
  rss,
  cpu: cpuReport,
  load: { before: loadBefore, after: loadavg() },
  series,
};
out(
  `offered ${RATE}/s for ${SECONDS} s: ${inc.length}/${N} included (201), ${qry.length}/${N} queryable; ` +
    `included ${result.includedRate.toFixed(0)}/s, p50 ${result.includedMs.p50.toFixed(0)} ms, p99 ${result.includedMs.p99.toFixed(0)} ms; ` +
    `queryable ${result.queryableRate.toFixed(0)}/s, p50 ${result.queryableMs.p50.toFixed(0)} ms, p99 ${result.queryableMs.p99.toFixed(0)} ms; ` +
    `errors ${JSON.stringify(errors)}\n`,
);
out(
  `peak RSS (MB): ${Object.entries(rss)
    .map(([n, r]) => `${n} ${r.hwmMb}`)
    .join(', ')}\n`,
);
out(cpuLine(cpuReport));
if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);

await stopAll();
agent.destroy();
await bus.close();
await db.drop();
stack.stop();
process.exit(0);
