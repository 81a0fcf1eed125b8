/**
 * Kafka's raw produce and consume rate with Attestry's own client (libs/bus over kafkajs: the
 * idempotent producer, acks=-1, no compression; the consumer group with stored-offset seeks), a
 * physical limit for the suite. Messages are submission-sized (a hashedrekord submission event as
 * the gateway produces it, about 750 bytes) into a fresh 6-partition submissions topic.
 *
 *   npx tsx bench/kafka-raw.ts [--messages 100000] [--chunk 500] [--inflight 8] [--json]
 *
 * produce: --chunk messages per publish call, --inflight calls outstanding (the bus coalesces calls
 * of one tick into produce requests of up to 1 MiB); rate = messages / time until all acked.
 * consume: a new consumer group from offset 0; rate = messages after the first batch / time from
 * the first batch to the last (the group join is not counted).
 * --json: one JSON object on stdout (the human lines go to stderr).
 */
import { parseArgs } from 'node:util';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { Bus, topicNames, topicSpecs } from '../libs/bus/index.js';
import { startBenchStack } from './stack.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    chunk: { type: 'string', default: '500' },
    inflight: { type: 'string', default: '8' },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(values.messages);
const CHUNK = Number(values.chunk);
const INFLIGHT = Number(values.inflight);
const human = (line: string) => (values.json ? process.stderr : process.stdout).write(line);

const stack = await startBenchStack();
const bus = new Bus({ brokers: stack.infra.brokers, clientId: 'bench-kafka-raw' });
const prefix = `benchraw${Date.now().toString(36)}.`;
await bus.ensureTopics(topicSpecs(prefix));
const topic = topicNames(prefix).submissions;

// One real submission; messages differ only in their request id (the broker does not care).
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const artifact = Buffer.from('kafka raw');
const input = {
  artifactDigest: { algorithm: 'sha256', hex: createHash('sha256').update(artifact).digest('hex') },
  signature: sign('sha256', artifact, key.privateKey).toString('base64'),
  verificationMaterial: { publicKey: key.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
};
const message = (i: number) => ({
  key: createHash('sha256').update(String(i)).digest('hex'),
  value: JSON.stringify({
    v: 1,
    requestId: `raw-${i}`,
    receivedAt: new Date().toISOString(),
    source: 'gateway',
    input,
  }),
});
const chunks = Array.from({ length: Math.ceil(N / CHUNK) }, (_, c) =>
  Array.from({ length: Math.min(CHUNK, N - c * CHUNK) }, (_, k) => message(c * CHUNK + k)),
);
const bytes = chunks.flat().reduce((n, m) => n + Buffer.byteLength(m.value) + m.key.length, 0);

// ---- produce ----
let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: INFLIGHT }, async () => {
    while (next < chunks.length) await bus.publish(topic, chunks[next++]!);
  }),
);
const produceSec = (performance.now() - t0) / 1000;
const produce = { messagesPerSec: N / produceSec, mbPerSec: bytes / 1e6 / produceSec, seconds: produceSec };
human(
  `produce ${N} messages (${(bytes / N).toFixed(0)} bytes each), acks=-1: ${produce.messagesPerSec.toFixed(0)} msg/s, ${produce.mbPerSec.toFixed(1)} MB/s\n`,
);

// ---- consume ----
let count = 0;
let first: { t: number; n: number } | undefined;
let last = 0;
let done: () => void = () => undefined;
const finished = new Promise<void>((r) => (done = r));
const consumer = await bus.consume({
  groupId: `${prefix}raw`,
  topics: [topic],
  loadOffsets: async () => new Map(),
  handleBatch: async (batch) => {
    count += batch.messages.length;
    const t = performance.now();
    if (!first) first = { t, n: count };
    last = t;
    if (count >= N) done();
  },
});
const timeout = setTimeout(done, 120_000);
await finished;
clearTimeout(timeout);
await consumer.stop();
if (count < N) throw new Error(`consumed only ${count} of ${N} messages in 120 s`);
const f = first ?? { t: last, n: count };
const consumeSec = (last - f.t) / 1000;
const consume = {
  messagesPerSec: (count - f.n) / consumeSec,
  mbPerSec: ((bytes / N) * (count - f.n)) / 1e6 / consumeSec,
  seconds: consumeSec,
};
human(
  `consume ${count} messages: ${consume.messagesPerSec.toFixed(0)} msg/s, ${consume.mbPerSec.toFixed(1)} MB/s\n`,
);

process.stdout.write(
  `${JSON.stringify({ bench: 'kafka-raw', messages: N, bytesPerMessage: Math.round(bytes / N), produce, consume })}\n`,
);
await bus.withAdmin((a) => a.deleteTopics({ topics: topicSpecs(prefix).map((s) => s.name) }));
await bus.close();
stack.stop();
process.exit(0);
