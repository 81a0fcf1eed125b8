/**
 * The sequencer's imperative shell: leadership, the Kafka consumer, one PostgreSQL transaction
 * per batch (entries, tiles, tree head, checkpoint and consumer offsets together: an
 * exactly-once effect), rejections to attestry.rejected, and the outbox relay.
 */
import { AttestryError, isAttestryError, type Clock } from '../../libs/core/index.js';
import { tlogStore, type Pool, type StoredEntry } from '../../libs/db/index.js';
import type {
  Bus,
  BusConsumer,
  PartitionBatch,
  BatchContext,
  IncomingMessage,
  TopicNames,
} from '../../libs/bus/index.js';
import { appendLeaves, tileKey, tilesForAppend } from '../../libs/merkle/index.js';
import { signCheckpoint, signEntryTimestamp, type LogIdentity, type Voucher } from '../../libs/tlog/index.js';
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
  type VerifyOutcome,
  type Candidate,
  type Rejection,
  type VerifyForLog,
} from './batch.js';
import type { VerifyPool } from './verify-pool.js';
import { Relay } from './relay.js';
import { checkLogIdentity } from './log-identity.js';

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
  /** The log this sequencer signs for: checked against the database before it appends. */
  logIdentity: tlogStore.LogIdentityRecord;
  setKey: KeyObject;
  verify: VerifyForLog;
  /** When set, verification runs in these worker threads instead of inline. */
  verifyPool?: VerifyPool;
  /** When set, a submission the gateway vouched for (valid MAC) is logged without verifying it again. */
  voucher?: Voucher;
  leaseMs: number;
  inlineLimitBytes: number;
  maxBytesPerPartition: number;
  /**
   * Called once when the sequencer gives up for good: the log in the database was signed by other
   * keys (LOG_KEY_MISMATCH). The process should exit; a restart with the same keys cannot help.
   */
  onFatal?: (e: AttestryError) => void;
}

export type SequencerState = 'starting' | 'standby' | 'active' | 'stopped' | 'failed';

export class Sequencer {
  state: SequencerState = 'starting';
  private stopping = false;
  private lease: Lease | undefined;
  private consumer: BusConsumer | undefined;
  private readonly relay: Relay;
  private loop: Promise<void> | undefined;
  private readonly m;
  /** Group commit: batches being parsed and verified, prepared batches waiting, one commit at a time. */
  private preparing = 0;
  private committing = false;
  private commitTimer: NodeJS.Timeout | undefined;
  private readonly commitQueue: Array<{
    prepared: PreparedBatch;
    resolve(committed: boolean): void;
    reject(e: unknown): void;
  }> = [];

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
      vouched: o.metrics.counter(
        'submissions_vouched_total',
        'Submissions logged on the gateway voucher, without verifying them again',
      ),
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
      groupBatches: o.metrics.histogram(
        'group_partition_batches',
        'Partition batches per group commit (one transaction)',
        [1, 2, 3, 4, 6, 8, 12, 16, 32],
      ),
      batchRecords: o.metrics.histogram(
        'batch_records',
        'Records per group commit (one transaction)',
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
        // Checked on every takeover, not only at start-up: the log may have been started by
        // another sequencer (with other keys) while this one stood by.
        await lease.exclusive((c) => checkLogIdentity(c, this.o.logIdentity, this.o.signers));
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
          // Every partition batch of a fetch at once: they commit together (group commit).
          partitionsConsumedConcurrently: 64,
          loadOffsets: (topic, partitions) =>
            tlogStore.loadOffsets(this.o.pool, this.o.groupId, topic, partitions),
          handleBatch: (batch, ctx) => this.handleBatch(lease, batch, ctx),
        });
        const why = await lease.lost;
        if (!this.stopping) this.o.logger.warn({ why }, 'lost leadership: stepping down');
      } catch (e) {
        if (isAttestryError(e, 'LOG_KEY_MISMATCH')) {
          this.o.logger.fatal({ err: e, details: e.details }, e.message);
          await this.stepDown('failed');
          this.state = 'failed';
          this.o.onFatal?.(e);
          return;
        }
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

  /**
   * One partition batch: parse, verify and publish its rejections, then join the group commit.
   * kafkajs hands this member every partition batch of one fetch concurrently and fetches again
   * only when all of them returned; the batches prepared meanwhile commit together in one
   * transaction (one signed checkpoint for the whole fetch), instead of one per partition.
   */
  private async handleBatch(lease: Lease, batch: PartitionBatch, ctx: BatchContext): Promise<void> {
    const last = batch.messages.at(-1);
    if (!last || !ctx.isActive()) return;
    const fetchedAt = Date.now();
    for (const m of batch.messages) this.m.age.observe({ at: 'fetch' }, (fetchedAt - m.timestamp) / 1000);
    let done: Promise<boolean>;
    this.preparing += 1;
    try {
      let t = performance.now();
      const lap = (phase: string): void => {
        const now = performance.now();
        this.m.phase.observe({ phase }, (now - t) / 1000);
        t = now;
      };
      const parsed = parseBatch(batch.messages);
      lap('parse');
      // Vouched for by the gateway: its verification stands; everything else is verified here.
      const outcomes: Array<VerifyOutcome | undefined> = parsed.records.map((r) => {
        const value = r.event.verified === undefined ? undefined : this.o.voucher?.check(r.event.verified);
        return value ? { ok: true, value } : undefined;
      });
      const unvouched = parsed.records.filter((_, i) => !outcomes[i]);
      const inputs = unvouched.map((r) => r.event.input);
      const verified = this.o.verifyPool
        ? await this.o.verifyPool.verifyAll(inputs)
        : inputs.map((i) => verifyOutcome(this.o.verify, i));
      let next = 0;
      for (let i = 0; i < outcomes.length; i++) outcomes[i] ??= verified[next++];
      this.m.vouched.inc(parsed.records.length - unvouched.length);
      lap('verify');
      const assembled = assembleBatch(parsed.records, outcomes as VerifyOutcome[]);
      const rejections = [...parsed.rejections, ...assembled.rejections];
      // Rejections go out before the offsets commit: at least once, never lost.
      await this.publishRejections(batch.topic, batch.partition, rejections);
      lap('rejections');
      const prepared: PreparedBatch = {
        lease,
        batch,
        ctx,
        last,
        candidates: assembled.candidates,
        rejected: rejections.length,
      };
      done = new Promise<boolean>((resolve, reject) => this.commitQueue.push({ prepared, resolve, reject }));
    } finally {
      this.preparing -= 1;
      this.kickCommit();
    }
    const committed = await done;
    this.m.lag.set(
      { partition: String(batch.partition) },
      Math.max(0, batch.highWatermark - last.offset - 1),
    );
    if (committed) {
      const committedAt = Date.now();
      for (const m of batch.messages)
        this.m.age.observe({ at: 'commit' }, (committedAt - m.timestamp) / 1000);
    }
  }

  /**
   * Starts a group commit of every prepared batch when none is running and no batch of the same
   * fetch is still being prepared (those join within milliseconds; a timer bounds the wait should
   * preparation overlap continuously, e.g. with several brokers' fetchers).
   */
  private kickCommit(): void {
    if (this.committing || this.commitQueue.length === 0) return;
    if (this.preparing > 0) {
      this.commitTimer ??= setTimeout(() => {
        this.commitTimer = undefined;
        this.startCommit();
      }, GROUP_WAIT_MS);
      return;
    }
    this.startCommit();
  }

  private startCommit(): void {
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    if (this.committing || this.commitQueue.length === 0) return;
    this.committing = true;
    // One leadership per transaction: batches of an older lease (a consumer being replaced)
    // commit, or fail fenced, in a group of their own.
    const lease = this.commitQueue[0]!.prepared.lease;
    const group = this.commitQueue.filter((q) => q.prepared.lease === lease);
    this.commitQueue.splice(
      0,
      this.commitQueue.length,
      ...this.commitQueue.filter((q) => q.prepared.lease !== lease),
    );
    this.commitGroup(group.map((g) => g.prepared))
      .then(
        (ok) => group.forEach((g) => g.resolve(ok)),
        (e: unknown) => group.forEach((g) => g.reject(e)),
      )
      .finally(() => {
        this.committing = false;
        this.kickCommit();
      });
  }

  /**
   * One transaction for a group of partition batches: entries, tiles, tree head, one signed
   * checkpoint and every partition's offset commit together (exactly-once effect). Resolves
   * true when it committed, false when it rolled back because a partition was revoked (the
   * group rejoins and seeks to the stored offsets); throws when it failed (retried).
   */
  private async commitGroup(group: PreparedBatch[]): Promise<boolean> {
    const lease = group[0]!.lease;
    // A fixed lock order over the offset rows.
    group.sort((a, b) => a.batch.topic.localeCompare(b.batch.topic) || a.batch.partition - b.batch.partition);
    this.m.batchRecords.observe(group.reduce((n, g) => n + g.batch.messages.length, 0));
    this.m.groupBatches.observe(group.length);
    const timer = this.m.batchSeconds.startTimer();
    let t = performance.now();
    const lap = (phase: string): void => {
      const now = performance.now();
      this.m.phase.observe({ phase }, (now - t) / 1000);
      t = now;
    };
    let committed: { appended: number; duplicates: number; treeSize: number } | 'revoked' | undefined;
    try {
      committed = await lease.exclusive(async (client) => {
        lap('lease');
        await client.query('BEGIN');
        try {
          const epoch = await tlogStore.lockEpoch(client);
          if (epoch !== lease.epoch)
            throw new AttestryError('SEQUENCER_FENCED', `epoch ${epoch} is not ours (${lease.epoch})`);
          const parts: Array<{ g: PreparedBatch; stored: number }> = [];
          const fresh: Candidate[] = [];
          for (const g of group) {
            const { topic, partition } = g.batch;
            const stored = await tlogStore.lockOffset(client, this.o.groupId, topic, partition);
            // A batch fetched before the seek: already sequenced.
            if (g.last.offset < stored) continue;
            parts.push({ g, stored });
            for (const c of g.candidates) if (c.offset >= stored) fresh.push(c);
          }
          if (parts.length === 0) {
            await client.query('ROLLBACK');
            return undefined;
          }
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
          for (const { g, stored } of parts) {
            const { topic, partition } = g.batch;
            if (
              !(await tlogStore.advanceOffset(
                client,
                this.o.groupId,
                topic,
                partition,
                stored,
                g.last.offset + 1,
              ))
            )
              throw new AttestryError('DB_CONFLICT', `offset of ${topic}/${partition} moved from ${stored}`);
          }
          if (!group.every((g) => g.ctx.isActive())) {
            await client.query('ROLLBACK');
            return 'revoked' as const;
          }
          await client.query('COMMIT');
          lap('commit');
          return { appended: entries.length, duplicates, treeSize };
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
      });
    } catch (e) {
      this.o.logger.error(
        {
          err: e,
          code: isAttestryError(e) ? e.code : undefined,
          partitions: group.map((g) => g.batch.partition),
        },
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
    if (committed === 'revoked') {
      // Nothing committed. A batch of a partition still assigned must not return normally
      // (kafkajs would move past it): fail it, so the consumer rejoins and seeks to the stored
      // offsets. A revoked partition's batch returns; its new owner seeks.
      if (group.some((g) => g.ctx.isActive()))
        throw new AttestryError('DB_CONFLICT', 'a partition of the group was revoked: retrying the rest');
      return false;
    }
    if (!committed) return false;
    this.m.appended.inc(committed.appended);
    this.m.duplicates.inc(committed.duplicates);
    this.m.treeSize.set(committed.treeSize);
    if (committed.appended > 0) this.relay.notify();
    this.o.logger.debug(
      {
        partitions: group.map((g) => g.batch.partition),
        appended: committed.appended,
        duplicates: committed.duplicates,
        rejected: group.reduce((n, g) => n + g.rejected, 0),
        treeSize: committed.treeSize,
      },
      'batch committed',
    );
    return true;
  }
}

/** How long a prepared batch waits for the rest of its fetch before committing without them. */
const GROUP_WAIT_MS = 20;

interface PreparedBatch {
  lease: Lease;
  batch: PartitionBatch;
  ctx: BatchContext;
  last: IncomingMessage;
  candidates: Candidate[];
  rejected: number;
}
