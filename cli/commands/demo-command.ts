/**
 * `attestry demo`: generates the demo supply chain (libs/generator) and submits it to a running
 * stack, through the gateway (POST /api/v1/entries?wait=false, bounded concurrency, 429/503
 * retried after Retry-After) or straight to Kafka (SubmissionEvents, source 'generator', keyed
 * by entry hash as the gateway keys them). Prints progress and a summary with queries to try.
 *
 * The demo's certificates come from a demo CA that the stack must trust: `attestry up --demo`
 * does that; `attestry demo --print-trusted-root` prints its TrustedRoot for TRUSTED_ROOT_FILES.
 * Never trust it in production (libs/generator/ca.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { crypto } from '../../libs/core/index.js';
import { Bus, topicNames, type OutgoingMessage } from '../../libs/bus/index.js';
import {
  DemoModel,
  DemoTally,
  demoTrustedRootJson,
  streamItems,
  summarize,
  type DemoItem,
  type DemoSummary,
} from '../../libs/generator/index.js';

const DEFAULT_GATEWAY = 'http://127.0.0.1:8080';

export const DEMO_HELP = `attestry demo [--scale N] [--seed S] [--via gateway|kafka] [--gateway-url U] [--concurrency C]
              [--workers W] [--json] | --print-trusted-root
  Generates a believable, deterministic software supply chain (publishers with ECDSA and Ed25519
  keys and Fulcio-style certificate identities from a local demo CA; npm, PyPI, Maven and OCI
  packages; hashedrekords, SLSA provenance, VSAs, CycloneDX and SPDX SBOMs; one compromised key)
  and submits it to the running stack. Same seed, same submissions: a second run is all duplicates.

  --scale N            items to submit (default 2000; 1000000 is the benchmark dataset)
  --seed S             seed of the model (default 1)
  --via gateway|kafka  POST to the gateway (default), or publish to the submissions topic
                       (KAFKA_BROKERS or 127.0.0.1:KAFKA_PORT, TOPIC_PREFIX)
  --gateway-url U      default ATTESTRY_GATEWAY_URL or ${DEFAULT_GATEWAY}
  --concurrency C      requests (gateway) or batches (kafka) in flight (default 32 / 4)
  --workers W          signing threads (default: one per core)
  --json               the summary as JSON on stdout (progress stays on stderr)
  --print-trusted-root print the demo CA's Sigstore TrustedRoot and exit

  The certificates chain to the demo CA, whose private key is public (derived from a fixed
  string): the stack must trust it (\`attestry up --demo\` does), and nothing else ever should.`;

class DemoError extends Error {}

export interface DemoRunOptions {
  scale: number;
  seed: string;
  via: 'gateway' | 'kafka';
  gatewayUrl: string;
  concurrency: number;
  workers?: number;
  kafkaBrokers: string[];
  topicPrefix: string;
  /** Progress lines (stderr). */
  say: (line: string) => void;
}

export interface DemoOutcome {
  summary: DemoSummary;
  accepted: number;
  duplicate: number;
  rejected: number;
  rejections: Record<string, number>;
  seconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcomes {
  accepted: number;
  duplicate: number;
  rejected: number;
  rejections: Record<string, number>;
}

async function postOne(url: string, item: DemoItem, out: Outcomes): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: item.json,
      });
    } catch (e) {
      if (attempt >= 5)
        throw new DemoError(
          `cannot reach the gateway at ${url} (${e instanceof Error ? e.message : String(e)}); is \`attestry up\` running?`,
        );
      await sleep(500 * (attempt + 1));
      continue;
    }
    const text = await res.text();
    if (res.status === 202 || res.status === 201) {
      out.accepted++;
      return;
    }
    if (res.status === 200) {
      out.duplicate++;
      return;
    }
    if ((res.status === 429 || res.status === 503) && attempt < 30) {
      const after = Number(res.headers.get('retry-after'));
      await sleep(Number.isFinite(after) && after > 0 ? Math.min(after, 30) * 1000 : 1000);
      continue;
    }
    let code = `HTTP_${res.status}`;
    try {
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? code;
    } catch {
      /* not JSON */
    }
    out.rejected++;
    out.rejections[code] = (out.rejections[code] ?? 0) + 1;
    return;
  }
}

/** Generates and submits the demo; returns what happened. Throws DemoError when the stack is unreachable. */
export async function runDemo(o: DemoRunOptions): Promise<DemoOutcome> {
  const model = new DemoModel({ seed: o.seed, scale: o.scale });
  const tally = new DemoTally();
  const out: Outcomes = { accepted: 0, duplicate: 0, rejected: 0, rejections: {} };
  const started = Date.now();
  let lastReport = started;
  const progress = (force = false) => {
    const now = Date.now();
    if (!force && now - lastReport < 2000) return;
    lastReport = now;
    const rate = tally.items / Math.max(0.001, (now - started) / 1000);
    o.say(`demo: ${tally.items}/${o.scale} items submitted (${rate.toFixed(0)}/s)`);
  };
  const stream = streamItems({
    seed: o.seed,
    scale: o.scale,
    ...(o.workers !== undefined ? { workers: o.workers } : {}),
  });
  if (o.via === 'gateway') {
    const url = `${o.gatewayUrl.replace(/\/+$/, '')}/api/v1/entries?wait=false`;
    const inFlight = new Set<Promise<void>>();
    for await (const item of stream) {
      tally.add(item);
      const p = postOne(url, item, out).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= o.concurrency) await Promise.race(inFlight);
      progress();
    }
    await Promise.all(inFlight);
  } else {
    const bus = new Bus({ brokers: o.kafkaBrokers, clientId: 'attestry-demo' });
    const topic = topicNames(o.topicPrefix).submissions;
    const inFlight = new Set<Promise<void>>();
    let batch: OutgoingMessage[] = [];
    let bytes = 0;
    const send = async () => {
      if (batch.length === 0) return;
      const messages = batch;
      batch = [];
      bytes = 0;
      const p = bus.publish(topic, messages).then(() => {
        out.accepted += messages.length;
      });
      const tracked = p.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= o.concurrency) await Promise.race(inFlight);
    };
    try {
      const receivedAt = new Date().toISOString();
      for await (const item of stream) {
        tally.add(item);
        // The SubmissionEvent v1 (libs/events), with the signed input spliced in as it is.
        const value = `{"v":1,"requestId":"${crypto.randomUuid()}","receivedAt":"${receivedAt}","source":"generator","input":${item.json}}`;
        batch.push({ key: item.entryHash, value });
        bytes += value.length;
        if (batch.length >= 500 || bytes >= 900 * 1024) await send();
        progress();
      }
      await send();
      await Promise.all(inFlight);
    } finally {
      await bus.close();
    }
  }
  progress(true);
  return { summary: summarize(model, tally), ...out, seconds: (Date.now() - started) / 1000 };
}

/** Human summary with queries to paste (stderr). */
export function describeOutcome(r: DemoOutcome, via: 'gateway' | 'kafka'): string {
  const s = r.summary;
  const c = s.compromised;
  const lines = [
    `demo: seed ${s.seed}, ${s.items} items in ${r.seconds.toFixed(1)} s: ${Object.entries(s.byKind)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ')}`,
    `demo: signers: ${s.bySigner.key} by key, ${s.bySigner.certificate} by demo-CA certificate; ${s.dependencyEdges} dependency edges stated`,
    via === 'gateway'
      ? `demo: gateway answered ${r.accepted} accepted, ${r.duplicate} duplicate, ${r.rejected} rejected${
          r.rejected > 0
            ? ` (${Object.entries(r.rejections)
                .map(([k, n]) => `${k}: ${n}`)
                .join(
                  ', ',
                )}${r.rejections['CERTIFICATE_UNTRUSTED'] ? '; is the demo CA trusted? `attestry up --demo`' : ''})`
            : ''
        }`
      : `demo: published ${r.accepted} submissions to Kafka (the sequencer verifies them; rejects go to the rejected topic)`,
    `demo: compromised key ${c.keyId} (release key of ${c.publisher}) signed ${c.signatures} artifacts, items ${c.window.firstItem}..${c.window.lastItem}; ${c.victims} later statements depend on them`,
    ...(s.exampleApplication ? [`demo: an application to trace (lineage): ${s.exampleApplication}`] : []),
    `demo: a package nearly everything depends on (dependents): ${s.popularPurl}`,
  ];
  return lines.join('\n');
}

function gatewayFromEnv(flag: string | undefined): string {
  return (flag ?? process.env['ATTESTRY_GATEWAY_URL'] ?? DEFAULT_GATEWAY).replace(/\/+$/, '');
}

function kafkaFromEnv(): string[] {
  const brokers = process.env['KAFKA_BROKERS']
    ?.split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers && brokers.length > 0) return brokers;
  return [`127.0.0.1:${process.env['KAFKA_PORT'] || '9092'}`];
}

/** Writes the demo CA's TrustedRoot (0644: it holds no secret) and returns its path. */
export function writeDemoTrustedRoot(home: string): string {
  const dir = path.join(home, 'demo');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'demo-ca.trusted_root.json');
  writeFileSync(file, demoTrustedRootJson());
  return file;
}

function positive(name: string, v: string | undefined, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new DemoError(`${name} must be a positive integer`);
  return n;
}

export async function runDemoCommand(_root: string, argv: string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        scale: { type: 'string' },
        seed: { type: 'string' },
        via: { type: 'string' },
        'gateway-url': { type: 'string' },
        concurrency: { type: 'string' },
        workers: { type: 'string' },
        json: { type: 'boolean' },
        'print-trusted-root': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(`${DEMO_HELP}\n`);
      return 0;
    }
    if (values['print-trusted-root']) {
      process.stdout.write(demoTrustedRootJson());
      return 0;
    }
    const via = values.via ?? 'gateway';
    if (via !== 'gateway' && via !== 'kafka') throw new DemoError('--via is gateway or kafka');
    const workers = values.workers === undefined ? undefined : Number(values.workers);
    if (workers !== undefined && (!Number.isSafeInteger(workers) || workers < 0))
      throw new DemoError('--workers must be 0 or more');
    const result = await runDemo({
      scale: positive('--scale', values.scale, 2000),
      seed: values.seed ?? '1',
      via,
      gatewayUrl: gatewayFromEnv(values['gateway-url']),
      concurrency: positive('--concurrency', values.concurrency, via === 'gateway' ? 32 : 4),
      ...(workers !== undefined ? { workers } : {}),
      kafkaBrokers: kafkaFromEnv(),
      topicPrefix: process.env['TOPIC_PREFIX'] ?? 'attestry.',
      say: (line) => process.stderr.write(`${line}\n`),
    });
    process.stderr.write(`${describeOutcome(result, via)}\n`);
    if (values.json) process.stdout.write(`${JSON.stringify({ ...result, via }, null, 2)}\n`);
    return result.rejected > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof DemoError || (e instanceof TypeError && 'code' in e)) {
      process.stderr.write(`attestry demo: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
