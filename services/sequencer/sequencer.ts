/**
 * The sequencer's imperative shell: leadership, the Kafka consumer, one PostgreSQL transaction
 * per batch (entries, tiles, tree head, checkpoint and consumer offsets together: an
 * exactly-once effect), rejections to attestry.rejected, and the outbox relay.
 */
import { AttestryError, isAttestryError, type Clock } from '../../libs/core/index.js';
import { tlogStore, type Pool, type StoredEntry } from '../../libs/db/index.js';
import type { Bus, BusConsumer, PartitionBatch, BatchContext, TopicNames } from '../../libs/bus/index.js';
import { appendLeaves, tileKey, tilesForAppend } from '../../libs/merkle/index.js';
import { signCheckpoint, signEntryTimestamp, type LogIdentity } from '../../libs/tlog/index.js';
import type { Signer } from '../../libs/note/index.js';
import { toRejectedEvent } from '../../libs/events/index.js';
import type { KeyObject } from '../../libs/core/index.js';
import type { Logger, Metrics } from '../../libs/observe/index.js';
import { acquireLeadership, type Lease } from './leader.js';
import {
  assembleBatch,
  parseBatch,
  planAppend,
  verifyOutcome,
  type Rejection,
  type VerifyForLog,
} from './batch.js';
import type { VerifyPool } from './verify-pool.js';
import { Relay } from './relay.js';

export interface SequencerOptions {
  pool: Pool;
  bus: Bus;
  topics: TopicNames;
  /** Consumer group id (`<prefix>sequencer`); also the key of its offsets in tlog.consumer_offsets. */
  groupId: string;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  identity: LogIdentity;
  signers: Signer[];
  setKey: KeyObject;
  verify: VerifyForLog;
  /** When set, verification runs in these worker threads instead of inline. */
  verifyPool?: VerifyPool;
  leaseMs: number;
  inlineLimitBytes: number;
  maxBytesPerPartition: number;
}

export type SequencerState = 'starting' | 'standby' | 'active' | 'stopped';

export class Sequencer {
  state: SequencerState = 'starting';
  private stopping = false;
  private lease: Lease | undefined;
  private consumer: BusConsumer | undefined;
  private readonly relay: Relay;
  private loop: Promise<void> | undefined;
  private readonly m;

  constructor(private readonly o: SequencerOptions) {
    this.relay = new Relay({
      pool: o.pool,
      bus: o.bus,
      topics: o.topics,
      logger: o.logger,
      metrics: o.metrics,
      logId: o.identity.logId,
      origin: o.identity.origin,
      inlineLimitBytes: o.inlineLimitBytes,
      batchSize: 2000,
      pollMs: 500,
    });
    this.m = {
      appended: o.metrics.counter('entries_appended_total', 'Entries appended to the log'),
      duplicates: o.metrics.counter('submissions_duplicate_total', 'Submissions already in the log'),
      rejected: o.metrics.counter('submissions_rejected_total', 'Submissions rejected', ['reason']),
      batchSeconds: o.metrics.histogram(
        'batch_duration_seconds',
        'Batch transaction duration',
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      ),
      phase: o.metrics.histogram(
        'batch_phase_seconds',
        'Time per phase of a batch (parse, verify, rejections, commit)',
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        ['phase'],
      ),
      batchRecords: o.metrics.histogram(
        'batch_records',
        'Records per partition batch',
        [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
      ),
      age: o.metrics.histogram(
        'submission_age_seconds',
        'Age of a submission (since its Kafka timestamp) when its batch is fetched and when it commits',
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        ['at'],
      ),
      treeSize: o.metrics.gauge('tree_size_entries', 'Current tree size'),
      active: o.metrics.gauge('active', '1 when this instance is the active sequencer'),
      lag: o.metrics.gauge(
        'consumer_lag_records',
        'Records behind the high watermark on the last batch partition',
        ['partition'],
      ),
    };
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.stepDown('stopping');
    await this.loop;
    this.state = 'stopped';
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const lease = await acquireLeadership(
        this.o.pool,
        {
          leaseMs: this.o.leaseMs,
          pollMs: 1000,
          logger: this.o.logger,
          onStandby: () => (this.state = 'standby'),
        },
        () => this.stopping,
      );
      if (!lease) break;
      this.lease = lease;
      this.state = 'active';
      this.m.active.set(1);
      try {
        const head = await lease.exclusive((c) => tlogStore.readTreeHead(c));
        this.m.treeSize.set(head.treeSize);
        this.relay.start();
        this.consumer = await this.o.bus.consume({
          groupId: this.o.groupId,
          topics: [this.o.topics.submissions],
          maxBytesPerPartition: this.o.maxBytesPerPartition,
          // A few partitions' worth per fetch: bounds memory (RSS) as well as the batch size.
          maxBytes: this.o.maxBytesPerPartition * 4,
          // Under load the broker gathers up to 32 KiB per fetch (at most 25 ms): fewer, larger
          // batches, each one transaction and one signed checkpoint.
          minBytes: 32 * 1024,
          maxWaitTimeInMs: 25,
          loadOffsets: (topic, partitions) =>
            tlogStore.loadOffsets(this.o.pool, this.o.groupId, topic, partitions),
          handleBatch: (batch, ctx) => this.handleBatch(lease, batch, ctx),
        });
        const why = await lease.lost;
        if (!this.stopping) this.o.logger.warn({ why }, 'lost leadership: stepping down');
      } catch (e) {
        this.o.logger.error({ err: e }, 'sequencer failed: stepping down');
      }
      await this.stepDown('lost');
      if (!this.stopping) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private async stepDown(_why: string): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.stop().catch(() => undefined);
    await this.relay.stop();
    const lease = this.lease;
    this.lease = undefined;
    await lease?.release();
    this.m.active.set(0);
    if (!this.stopping) this.state = 'standby';
  }

  private async publishRejections(topic: string, partition: number, rejections: Rejection[]): Promise<void> {
    if (rejections.length === 0) return;
    await this.o.bus.publish(
      this.o.topics.rejected,
      rejections.map((r) => {
        const event = toRejectedEvent({
          by: 'sequencer',
          reason: r.reason,
          message: r.message,
          payload: r.payload,
          at: this.o.clock.now(),
          origin: { topic, partition, offset: r.offset },
        });
        return { key: r.key, value: JSON.stringify(event) };
      }),
    );
    for (const r of rejections) this.m.rejected.inc({ reason: r.reason });
  }

  /** One Kafka batch of one partition = one PostgreSQL transaction. */
  private async handleBatch(lease: Lease, batch: PartitionBatch, ctx: BatchContext): Promise<void> {
    const last = batch.messages.at(-1);
    if (!last || !ctx.isActive()) return;
    const log = this.o.logger.child({
      topic: batch.topic,
      partition: batch.partition,
      firstOffset: batch.messages[0]?.offset,
      lastOffset: last.offset,
    });
    const fetchedAt = Date.now();
    for (const m of batch.messages) this.m.age.observe({ at: 'fetch' }, (fetchedAt - m.timestamp) / 1000);
    this.m.batchRecords.observe(batch.messages.length);
    let t = performance.now();
    const lap = (phase: string): void => {
      const now = performance.now();
      this.m.phase.observe({ phase }, (now - t) / 1000);
      t = now;
    };
    const parsed = parseBatch(batch.messages);
    lap('parse');
    const inputs = parsed.records.map((r) => r.event.input);
    const outcomes = this.o.verifyPool
      ? await this.o.verifyPool.verifyAll(inputs)
      : inputs.map((i) => verifyOutcome(this.o.verify, i));
    lap('verify');
    const assembled = assembleBatch(parsed.records, outcomes);
    const candidates = assembled.candidates;
    const rejections = [...parsed.rejections, ...assembled.rejections];
    // Rejections go out before the offsets commit: at least once, never lost.
    await this.publishRejections(batch.topic, batch.partition, rejections);
    lap('rejections');
    const timer = this.m.batchSeconds.startTimer();
    let committed: { appended: number; duplicates: number; treeSize: number } | undefined;
    try {
      committed = await lease.exclusive(async (client) => {
        lap('lease');
        await client.query('BEGIN');
        try {
          const epoch = await tlogStore.lockEpoch(client);
          if (epoch !== lease.epoch)
            throw new AttestryError('SEQUENCER_FENCED', `epoch ${epoch} is not ours (${lease.epoch})`);
          const stored = await tlogStore.lockOffset(client, this.o.groupId, batch.topic, batch.partition);
          if (last.offset < stored) {
            await client.query('ROLLBACK');
            return undefined; // a batch fetched before the seek: already sequenced
          }
          const fresh = candidates.filter((c) => c.offset >= stored);
          const head = await tlogStore.lockTreeHead(client);
          const existing = await tlogStore.existingLeaves(
            client,
            fresh.map((c) => c.leafHash),
          );
          const { entries, duplicates } = planAppend(head.treeSize, existing, fresh);
          lap('lock+dedupe');
          let treeSize = head.treeSize;
          if (entries.length > 0) {
            const integratedTime = Math.floor(this.o.clock.now().getTime() / 1000);
            const edge = new Map(
              (await tlogStore.readTiles(client, tilesForAppend(head.treeSize))).map(
                (t) => [tileKey(t), t.hashes] as const,
              ),
            );
            const appended = appendLeaves(
              head.treeSize,
              edge,
              entries.map((e) => e.leafHash),
            );
            lap('tiles');
            await tlogStore.writeTiles(
              client,
              appended.tiles.map((t) => ({
                level: t.level,
                index: t.index,
                width: t.width,
                hashes: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
              })),
            );
            const stored: StoredEntry[] = entries.map((e) => ({
              logIndex: e.logIndex,
              leafHash: e.leafHash,
              kind: e.submission.kind,
              body: e.submission.body,
              integratedTime,
              setSignature: signEntryTimestamp(this.o.setKey, {
                body: e.submission.body,
                integratedTime,
                logIndex: e.logIndex,
                logId: this.o.identity.logId,
              }),
              attestationHash: e.submission.attestation?.hash ?? null,
            }));
            lap('write-tiles+sign-sets');
            await tlogStore.insertEntries(client, stored);
            await tlogStore.insertAttestations(
              client,
              entries.flatMap((e) => (e.submission.attestation ? [e.submission.attestation] : [])),
            );
            const root = Buffer.from(appended.root);
            treeSize = appended.newSize;
            if (!(await tlogStore.setTreeHead(client, head.treeSize, { treeSize, rootHash: root }))) {
              throw new AttestryError('DB_CONFLICT', 'the tree head moved during the batch');
            }
            lap('insert');
            await tlogStore.insertCheckpoint(
              client,
              treeSize,
              root,
              signCheckpoint(this.o.identity.origin, treeSize, root, this.o.signers),
            );
            lap('checkpoint');
          }
          // Offsets advance only from their stored value; a revoked partition never commits.
          if (
            !(await tlogStore.advanceAndCommit(
              client,
              this.o.groupId,
              batch.topic,
              batch.partition,
              stored,
              last.offset + 1,
              ctx.isActive,
            ))
          ) {
            return undefined;
          }
          lap('commit');
          return { appended: entries.length, duplicates, treeSize };
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
      });
    } catch (e) {
      log.error(
        { err: e, code: isAttestryError(e) ? e.code : undefined },
        'batch failed; it will be retried',
      );
      if (isAttestryError(e, 'SEQUENCER_FENCED') || !isAttestryError(e)) {
        // A fenced or broken leader connection: give up leadership; a standby (or we) take over.
        void this.stepDown('batch failed');
      }
      throw e;
    } finally {
      timer();
    }
    this.m.lag.set(
      { partition: String(batch.partition) },
      Math.max(0, batch.highWatermark - last.offset - 1),
    );
    if (committed) {
      const committedAt = Date.now();
      for (const m of batch.messages)
        this.m.age.observe({ at: 'commit' }, (committedAt - m.timestamp) / 1000);
      this.m.appended.inc(committed.appended);
      this.m.duplicates.inc(committed.duplicates);
      this.m.treeSize.set(committed.treeSize);
      if (committed.appended > 0) this.relay.notify();
      log.debug(
        {
          appended: committed.appended,
          duplicates: committed.duplicates,
          rejected: rejections.length,
          treeSize: committed.treeSize,
        },
        'batch committed',
      );
    }
  }
}
