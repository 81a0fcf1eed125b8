/**
 * Submit latency through the gateway (issue 5): an open-loop load of pre-signed hashedrekord
 * submissions at a fixed offered rate, each answered 201 only once it is in the log with its
 * inclusion proof; p50/p99 per rate, stepping the rate up until p99 passes 1 s.
 *
 *   npx tsx bench/submit-latency.ts [--rates 500,1000,1500,2000] [--seconds 20] [--breakdown]
 *
 * `--breakdown` prints, per step, where the time went from the services' own histograms (gateway
 * ingest phases, waiter lookups, sequencer batch phases and submission ages). BENCH_NODE_ARGS
 * adds node flags to both services (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"); SEQUENCER_ENV and
 * GATEWAY_ENV add environment (`K=V,K=V`).
 *
 * The load generator runs on the same two cores as Kafka, PostgreSQL, the gateway and the
 * sequencer: it competes with what it measures.
 */
import { parseArgs } from 'node:util';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import http from 'node:http';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { Bus, topicSpecs } from '../libs/bus/index.js';
import { freshBenchDatabase, percentile, root, startBenchStack } from './stack.js';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '500,1000,1500,2000,3000' },
    seconds: { type: 'string', default: '20' },
    breakdown: { type: 'boolean', default: false },
    timeline: { type: 'boolean', default: false },
  },
});
const RATES = values.rates.split(',').map(Number);
const SECONDS = Number(values.seconds);

const stack = await startBenchStack({ build: true });
const db = await freshBenchDatabase(stack.infra, 'attestry_bench_submit');
const prefix = `benchsub${Date.now().toString(36)}.`;
const bus = new Bus({ brokers: stack.infra.brokers, clientId: 'bench' });
await bus.ensureTopics(topicSpecs(prefix));

const nodeArgs = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
function extraEnv(name: string): Record<string, string> {
  const v = process.env[name] ?? '';
  return Object.fromEntries(
    v
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}
function start(name: 'sequencer' | 'gateway', port: number): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, path.join(root, `dist/services/${name}/main.js`)], {
    env: {
      PATH: process.env['PATH'] ?? '',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      KAFKA_BROKERS: stack.infra.brokers.join(','),
      DATABASE_URL: db.serviceUrls[name],
      TOPIC_PREFIX: prefix,
      ATTESTRY_HOME: stack.settings.home,
      RATE_LIMIT_RPS: '100000',
      RATE_LIMIT_BURST: '100000',
      ...extraEnv(name === 'sequencer' ? 'SEQUENCER_ENV' : 'GATEWAY_ENV'),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
const children = [start('sequencer', 28281), start('gateway', 28280)];
const gateway = 'http://127.0.0.1:28280';
for (let i = 0; ; i++) {
  try {
    if (
      (await fetch(`${gateway}/readyz`)).status === 200 &&
      (await fetch('http://127.0.0.1:28281/readyz')).status === 200
    )
      break;
  } catch {
    /* starting */
  }
  if (i > 200) throw new Error('services did not start');
  await new Promise((r) => setTimeout(r, 200));
}

const keys = Array.from({ length: 50 }, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }));
const pems = keys.map((k) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString());
let counter = 0;
function body(): string {
  const i = counter++;
  const k = i % keys.length;
  const artifact = Buffer.from(`latency ${Date.now()} ${i}`);
  return JSON.stringify({
    artifactDigest: { algorithm: 'sha256', hex: createHash('sha256').update(artifact).digest('hex') },
    signature: sign('sha256', artifact, keys[k]!.privateKey).toString('base64'),
    verificationMaterial: { publicKey: pems[k] },
  });
}

const netErrors: Record<string, number> = {};
const agent = new http.Agent({ keepAlive: true, maxSockets: 2000 });
function submit(payload: string): Promise<{ status: number; ms: number; sentAt: number }> {
  const sentAt = Date.now();
  return submitAt(payload).then((r) => ({ ...r, sentAt }));
}
function submitAt(payload: string): Promise<{ status: number; ms: number }> {
  const t0 = process.hrtime.bigint();
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
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - t0) / 1e6 }),
        );
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      netErrors[e.code ?? e.message] = (netErrors[e.code ?? e.message] ?? 0) + 1;
      resolve({ status: 0, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    });
    req.end(payload);
  });
}

/** Histogram series from a /metrics page: key `name{labels}` → bucket counts, sum, count. */
type Hist = Map<string, { buckets: Array<[number, number]>; sum: number; count: number }>;
async function scrape(url: string): Promise<Hist> {
  const text = await (await fetch(url)).text();
  const out: Hist = new Map();
  for (const line of text.split('\n')) {
    const m = /^(\w+)_(bucket|sum|count)(?:\{(.*)\})? ([\d.e+-]+|\+Inf|NaN)$/.exec(line);
    if (!m) continue;
    const [, name, part, labelText = '', value] = m;
    const labels = labelText
      .split(/,(?=\w+=)/)
      .filter((l) => l && !l.startsWith('le=') && !l.startsWith('service='));
    const le = /le="([^"]+)"/.exec(labelText)?.[1];
    const key = `${name}{${labels.join(',')}}`;
    const h = out.get(key) ?? { buckets: [], sum: 0, count: 0 };
    if (part === 'bucket' && le) h.buckets.push([le === '+Inf' ? Infinity : Number(le), Number(value)]);
    else if (part === 'sum') h.sum = Number(value);
    else if (part === 'count') h.count = Number(value);
    out.set(key, h);
  }
  return out;
}
function bucketQuantile(buckets: Array<[number, number]>, q: number): number {
  const total = buckets.at(-1)?.[1] ?? 0;
  const hit = buckets.find(([, c]) => c >= q * total);
  return hit ? hit[0] : NaN;
}
/** What happened between two scrapes, one line per histogram series with observations. */
function breakdown(before: Hist, after: Hist, filter: RegExp): string[] {
  const lines: string[] = [];
  for (const [key, a] of after) {
    if (!filter.test(key)) continue;
    const b = before.get(key);
    const count = a.count - (b?.count ?? 0);
    if (count <= 0) continue;
    const sum = a.sum - (b?.sum ?? 0);
    const buckets = a.buckets.map(([le, c], i) => [le, c - (b?.buckets[i]?.[1] ?? 0)] as [number, number]);
    const isSeconds = /seconds/.test(key);
    const fmt = (v: number) => (isSeconds ? `${(v * 1000).toFixed(v < 0.01 ? 2 : 0)} ms` : v.toFixed(1));
    lines.push(
      `  ${key.replace(/^attestry_/, '')}: n=${count} mean=${fmt(sum / count)} p50<=${fmt(bucketQuantile(buckets, 0.5))} p99<=${fmt(bucketQuantile(buckets, 0.99))}`,
    );
  }
  return lines;
}
const metricUrls = ['http://127.0.0.1:28280/metrics', 'http://127.0.0.1:28281/metrics'];
const interesting =
  /ingest_phase|waiter_lookup|batch_phase|batch_records|submission_age|batch_duration|http_request_duration_seconds\{route="\/api\/v1"/;

// Warm up: the first submission waits for the sequencer to join its consumer group; steady state
// is what is measured.
for (let i = 0; ; i++) {
  const r = await Promise.all(Array.from({ length: 20 }, () => submit(body())));
  if (r.every((x) => x.status === 201)) break;
  if (i > 10) throw new Error(`warm-up failed: ${JSON.stringify(r.map((x) => x.status))}`);
}

interface Step {
  offered: number;
  sent: number;
  ok: number;
  errors: Record<string, number>;
  p50: number;
  p99: number;
  achieved: number;
}
const steps: Step[] = [];
for (const rate of RATES) {
  const n = rate * SECONDS;
  const bodies = Array.from({ length: n }, body);
  const pending: Promise<{ status: number; ms: number; sentAt: number }>[] = [];
  const before = values.breakdown ? await Promise.all(metricUrls.map(scrape)) : [];
  const t0 = Date.now();
  // Open loop: send on schedule whether or not earlier requests have been answered.
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 2) await new Promise((r) => setTimeout(r, wait));
    pending.push(submit(bodies[i]!));
  }
  const results = await Promise.all(pending);
  const elapsed = (Date.now() - t0) / 1000;
  const ok = results.filter((r) => r.status === 201);
  const lat = ok.map((r) => r.ms).sort((a, b) => a - b);
  const errors: Record<string, number> = {};
  for (const r of results)
    if (r.status !== 201) errors[String(r.status)] = (errors[String(r.status)] ?? 0) + 1;
  const step = {
    offered: rate,
    sent: n,
    ok: ok.length,
    errors,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    achieved: ok.length / elapsed,
  };
  steps.push(step);
  process.stdout.write(
    `offered ${rate}/s for ${SECONDS} s: ${ok.length}/${n} logged (201), p50 ${step.p50.toFixed(0)} ms, p99 ${step.p99.toFixed(0)} ms, ${step.achieved.toFixed(0)}/s achieved, errors ${JSON.stringify(errors)}\n`,
  );
  if (values.timeline) {
    // p50/p99 (ms) of the requests sent in each second of the step.
    const perSecond = new Map<number, number[]>();
    for (const r of results) {
      const sec = Math.floor((r.sentAt - t0) / 1000);
      perSecond.set(sec, [...(perSecond.get(sec) ?? []), r.status === 201 ? r.ms : Infinity]);
    }
    process.stdout.write(
      `  timeline (second: p50/p99 ms): ${[...perSecond]
        .map(([sec, ms]) => {
          const sorted = ms.sort((a, b) => a - b);
          return `${sec}: ${percentile(sorted, 50).toFixed(0)}/${percentile(sorted, 99).toFixed(0)}`;
        })
        .join(', ')}\n`,
    );
  }
  if (values.breakdown) {
    const after = await Promise.all(metricUrls.map(scrape));
    for (let i = 0; i < metricUrls.length; i++)
      process.stdout.write(`${breakdown(before[i]!, after[i]!, interesting).join('\n')}\n`);
    const cpu = await Promise.all(
      metricUrls.map(async (u) => {
        const text = await (await fetch(u)).text();
        const v = (name: string) =>
          Number(new RegExp(`^\\w*${name}(?:\\{[^}]*\\})? ([\\d.e+-]+)$`, 'm').exec(text)?.[1]);
        return { cpu: v('process_cpu_seconds_total'), lagP99: v('nodejs_eventloop_lag_p99_seconds') };
      }),
    );
    process.stdout.write(
      `  cpu seconds since start: gateway ${cpu[0]!.cpu.toFixed(1)}, sequencer ${cpu[1]!.cpu.toFixed(1)}; event-loop lag p99 gateway ${(cpu[0]!.lagP99 * 1000).toFixed(0)} ms, sequencer ${(cpu[1]!.lagP99 * 1000).toFixed(0)} ms; client network errors ${JSON.stringify(netErrors)}\n`,
    );
  }
  if (step.p99 > 1000 || ok.length < n * 0.99) break;
}
const sustained = steps.filter((s) => s.p99 <= 1000 && s.ok >= s.sent * 0.99).map((s) => s.offered);
process.stdout.write(
  `${JSON.stringify({ bench: 'submit-latency', seconds: SECONDS, steps, highestRateWithP99Under1s: sustained.length ? Math.max(...sustained) : 0 })}\n`,
);
for (const c of children) c.kill('SIGTERM');
await new Promise((r) => setTimeout(r, 2000));
await bus.close();
await db.drop();
stack.stop();
process.exit(0);
