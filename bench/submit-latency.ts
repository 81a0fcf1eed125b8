/**
 * Submit latency through the gateway (issue 5): an open-loop load of pre-signed hashedrekord
 * submissions at a fixed offered rate, each answered 201 only once it is in the log with its
 * inclusion proof; p50/p99 per rate, stepping the rate up until p99 passes 1 s.
 *
 *   npx tsx bench/submit-latency.ts [--rates 500,1000,1500,2000] [--seconds 20]
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
  },
});
const RATES = values.rates.split(',').map(Number);
const SECONDS = Number(values.seconds);

const stack = await startBenchStack({ build: true });
const db = await freshBenchDatabase(stack.infra, 'attestry_bench_submit');
const prefix = `benchsub${Date.now().toString(36)}.`;
const bus = new Bus({ brokers: stack.infra.brokers, clientId: 'bench' });
await bus.ensureTopics(topicSpecs(prefix));

function start(name: 'sequencer' | 'gateway', port: number): ChildProcess {
  return spawn(process.execPath, [path.join(root, `dist/services/${name}/main.js`)], {
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

const agent = new http.Agent({ keepAlive: true, maxSockets: 2000 });
function submit(payload: string): Promise<{ status: number; ms: number }> {
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
    req.on('error', () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    req.end(payload);
  });
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
  const pending: Promise<{ status: number; ms: number }>[] = [];
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
