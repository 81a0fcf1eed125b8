/**
 * The only user of the Kafka client. Services see a small surface (publish, consume batches
 * with offsets kept by the caller, ensure topics) so the client can be swapped in one module.
 */
import {
  Kafka,
  logLevel as KafkaLogLevel,
  CompressionTypes,
  type Admin,
  type Consumer,
  type Producer,
  type KafkaMessage,
  type EachBatchPayload,
} from 'kafkajs';
import { AttestryError } from '../core/index.js';
import type { TopicSpec } from './topics.js';

/** Messages coalesced into one produce request stay under this size. */
const COALESCE_MAX_BYTES = 1024 * 1024;

export interface BusOptions {
  brokers: string[];
  clientId: string;
  /** Receives the client's own log lines (warn and above) as structured objects. */
  log?: (level: 'error' | 'warn' | 'info', message: string, extra: Record<string, unknown>) => void;
}

export interface OutgoingMessage {
  key: string | Buffer | null;
  value: string | Buffer;
  headers?: Record<string, string>;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: number;
}

export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: IncomingMessage[];
  /** Highest offset the broker knows for this partition (for lag metrics). */
  highWatermark: number;
}

export interface BatchContext {
  /** False once the partition was revoked (rebalance) or the consumer is stopping: do not commit. */
  isActive(): boolean;
  heartbeat(): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /**
   * Offsets live in PostgreSQL with the data (exactly-once effect). Called after every group
   * join, at the first batch of each assigned partition: returns the next offset to read (a
   * partition it omits starts at 0). kafkajs has no assign(): we seek on join instead. The answer
   * must not move with records that arrive meanwhile (stored offsets, or an end fixed before
   * consume()), since records up to the seek point are dropped.
   */
  loadOffsets(topic: string, partitions: number[]): Promise<Map<number, number>>;
  /** Handles one partition's batch; must commit data and offsets atomically itself. */
  handleBatch(batch: PartitionBatch, ctx: BatchContext): Promise<void>;
  maxBytesPerPartition?: number;
  maxBytes?: number;
  minBytes?: number;
  maxWaitTimeInMs?: number;
  sessionTimeoutMs?: number;
  /** Partition batches of one fetch handled concurrently (default 1: one after the other). */
  partitionsConsumedConcurrently?: number;
}

export interface BusConsumer {
  stop(): Promise<void>;
  /** Partitions currently assigned to this member. */
  assignment(): Array<{ topic: string; partition: number }>;
}

export class Bus {
  private readonly kafka: Kafka;
  private producerPromise: Promise<Producer> | undefined;
  private readonly consumers = new Set<Consumer>();
  /** Publishes waiting for the next produce request, in arrival order. */
  private queue: Array<{
    topic: string;
    messages: OutgoingMessage[];
    bytes: number;
    resolve(): void;
    reject(e: unknown): void;
  }> = [];
  private inFlight = false;
  private scheduled = false;

  constructor(opts: BusOptions) {
    const log = opts.log;
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: opts.brokers,
      connectionTimeout: 5000,
      requestTimeout: 30000,
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5000 },
      logLevel: KafkaLogLevel.WARN,
      logCreator: () => (entry) => {
        if (!log) return;
        const { message, ...extra } = entry.log;
        const level =
          entry.level === KafkaLogLevel.ERROR
            ? 'error'
            : entry.level === KafkaLogLevel.WARN
              ? 'warn'
              : 'info';
        log(level, String(message), { namespace: entry.namespace, ...extra });
      },
    });
  }

  /** Creates missing topics with their partition counts and configs; existing ones are kept. */
  async ensureTopics(specs: TopicSpec[]): Promise<string[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((s) => !existing.has(s.name));
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: false,
          topics: missing.map((s) => ({
            topic: s.name,
            numPartitions: s.partitions,
            replicationFactor: -1,
            configEntries: Object.entries(s.config).map(([name, value]) => ({ name, value })),
          })),
        });
        await waitForLeaders(
          admin,
          missing.map((s) => s.name),
        );
      }
      return missing.map((s) => s.name);
    } finally {
      await admin.disconnect();
    }
  }

  async withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await fn(admin);
    } finally {
      await admin.disconnect();
    }
  }

  /** Problems preventing readiness: empty when the cluster answers. */
  async check(): Promise<string[]> {
    try {
      await this.withAdmin((a) => a.describeCluster());
      return [];
    } catch (e) {
      return [`kafka: ${e instanceof Error ? e.message : String(e)}`];
    }
  }

  private producer(): Promise<Producer> {
    if (!this.producerPromise) {
      const p = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 5,
        allowAutoTopicCreation: false,
      });
      this.producerPromise = p.connect().then(() => p);
      this.producerPromise.catch(() => {
        this.producerPromise = undefined;
      });
    }
    return this.producerPromise;
  }

  /**
   * Publishes messages (idempotent producer, acks=all) and resolves once Kafka has them.
   * Concurrent calls are coalesced: one produce request is in flight at a time (kafkajs holds a
   * per-broker lock around an idempotent producer's requests anyway), and whatever is published
   * while it is in flight goes out together, for every topic, in the next request as soon as it
   * returns. A lone message is sent at once (no linger); under load requests grow instead of
   * queueing one small request per caller behind the lock. A large message goes alone, so its size
   * cannot fail its neighbours. Errors are mapped: a record over the broker's limit is
   * BUS_MESSAGE_TOO_LARGE; an unreachable or overloaded cluster is BUS_UNAVAILABLE (callers answer
   * 503 + Retry-After).
   */
  publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const size = messages.reduce(
      (n, m) => n + (typeof m.value === 'string' ? Buffer.byteLength(m.value) : m.value.length),
      0,
    );
    if (size > COALESCE_MAX_BYTES) return this.send([{ topic, messages }]);
    return new Promise((resolve, reject) => {
      this.queue.push({ topic, messages, bytes: size, resolve, reject });
      // Same tick first (a burst of calls shares a request), then whenever the last one returns.
      if (!this.inFlight && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    if (this.inFlight || this.queue.length === 0) return;
    // Take publishes in arrival order up to the request size limit (at least one).
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && (n === 0 || bytes + this.queue[n]!.bytes <= COALESCE_MAX_BYTES)) {
      bytes += this.queue[n]!.bytes;
      n += 1;
    }
    const taken = this.queue.splice(0, n);
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const p of taken) {
      const list = byTopic.get(p.topic) ?? [];
      for (const m of p.messages) list.push(m);
      byTopic.set(p.topic, list);
    }
    this.inFlight = true;
    this.send([...byTopic].map(([topic, messages]) => ({ topic, messages })))
      .then(
        () => taken.forEach((p) => p.resolve()),
        (e: unknown) => taken.forEach((p) => p.reject(e)),
      )
      .finally(() => {
        this.inFlight = false;
        this.flush();
      });
  }

  private async send(batches: Array<{ topic: string; messages: OutgoingMessage[] }>): Promise<void> {
    try {
      const producer = await this.producer();
      await producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: batches.map(({ topic, messages }) => ({
          topic,
          messages: messages.map((m) => ({
            key: m.key,
            value: m.value,
            ...(m.headers ? { headers: m.headers } : {}),
          })),
        })),
      });
    } catch (e) {
      throw mapKafkaError(e);
    }
  }

  async consume(opts: ConsumerOptions): Promise<BusConsumer> {
    const consumer = this.kafka.consumer({
      groupId: opts.groupId,
      sessionTimeout: opts.sessionTimeoutMs ?? 10000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 30000,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: opts.maxBytesPerPartition ?? 16 * 1024 * 1024,
      maxBytes: opts.maxBytes ?? 32 * 1024 * 1024,
      minBytes: opts.minBytes ?? 1,
      maxWaitTimeInMs: opts.maxWaitTimeInMs ?? 100,
      retry: { retries: 8 },
    });
    this.consumers.add(consumer);
    let assigned: Array<{ topic: string; partition: number }> = [];
    // Generation counter: a batch fetched before a rebalance must not commit after it.
    let generation = 0;
    let running = true;

    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      generation += 1;
      const assignment = event.payload.memberAssignment as Record<string, number[]>;
      assigned = Object.entries(assignment).flatMap(([topic, parts]) =>
        parts.map((partition) => ({ topic, partition })),
      );
    });

    await consumer.connect();
    await consumer.subscribe({ topics: opts.topics, fromBeginning: true });

    // Seek on every join to the offsets stored with the data: the first batch of each partition
    // in a new generation triggers the seek and is dropped (it may predate the seek; kafkajs
    // only allows seek once run() started), and the next fetch starts at the stored offset.
    const seeked = new Map<string, number>();
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 1,
      eachBatch: async (payload: EachBatchPayload) => {
        const gen = generation;
        const { batch } = payload;
        const tp = `${batch.topic}:${batch.partition}`;
        if (seeked.get(tp) !== gen) {
          const offsets = await opts.loadOffsets(batch.topic, [batch.partition]);
          consumer.seek({
            topic: batch.topic,
            partition: batch.partition,
            offset: String(offsets.get(batch.partition) ?? 0),
          });
          seeked.set(tp, gen);
          return;
        }
        const messages = batch.messages.map((m) => toIncoming(batch.topic, batch.partition, m));
        const ctx: BatchContext = {
          isActive: () => running && gen === generation && payload.isRunning() && !payload.isStale(),
          heartbeat: () => payload.heartbeat(),
        };
        await opts.handleBatch(
          {
            topic: batch.topic,
            partition: batch.partition,
            messages,
            highWatermark: Number(batch.highWatermark),
          },
          ctx,
        );
        const last = messages.at(-1);
        if (last) payload.resolveOffset(String(last.offset));
      },
    });

    return {
      assignment: () => [...assigned],
      stop: async () => {
        running = false;
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    for (const c of this.consumers) await c.disconnect().catch(() => undefined);
    this.consumers.clear();
    if (this.producerPromise) {
      const p = await this.producerPromise.catch(() => undefined);
      this.producerPromise = undefined;
      await p?.disconnect().catch(() => undefined);
    }
  }
}

function toIncoming(topic: string, partition: number, m: KafkaMessage): IncomingMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {}))
    if (v !== undefined) headers[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  return {
    topic,
    partition,
    offset: Number(m.offset),
    key: m.key,
    value: m.value,
    headers,
    timestamp: Number(m.timestamp),
  };
}

function mapKafkaError(e: unknown): AttestryError {
  const err = e as { type?: string; name?: string; message?: string; cause?: { type?: string } };
  const type = err.type ?? err.cause?.type ?? '';
  const message = err.message ?? String(e);
  if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE' || /too large/i.test(message)) {
    return new AttestryError('BUS_MESSAGE_TOO_LARGE', 'the message is larger than the topic accepts', {
      cause: e,
    });
  }
  return new AttestryError('BUS_UNAVAILABLE', `kafka: ${message}`, { cause: e });
}

/**
 * Waits until every partition of `topics` has a leader. kafkajs's own wait gives up when a
 * freshly created topic's metadata still answers UNKNOWN_TOPIC_OR_PARTITION (KRaft propagates
 * it asynchronously, slowly on a loaded machine): that error is retried here, within 30 s.
 */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics });
      if (meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)))
        return;
    } catch (e) {
      const retriable = (e as { retriable?: boolean }).retriable === true;
      if (!retriable || Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline)
      throw new AttestryError(
        'BUS_UNAVAILABLE',
        `topics ${topics.join(', ')} have no leader after ${timeoutMs} ms`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
