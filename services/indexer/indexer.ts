/**
 * The indexer's imperative shell: the Kafka consumer on `<prefix>entries` (group
 * `<prefix>indexer`, any number of members sharing the partitions), one PostgreSQL transaction
 * per partition batch holding the batch's facts and its offset (advanced only from its stored
 * value), rejections to `<prefix>rejected`, and the lag gauge. The projection itself is pure
 * (project.ts); see docs/design/0004-index.md.
 *
 * Zero trust: what arrives on Kafka is checked against the log before it is indexed. An event
 * whose body does not hash to the leaf the log holds at its index (or whose index the log does
 * not hold) is rejected with its reason, never indexed; the log's own integrated time and
 * attestation hash are used, not the event's.
 */
import { crypto, isAttestryError, toHex, type Clock } from '../../libs/core/index.js';
import { idxStore, tlogStore, type Pool } from '../../libs/db/index.js';
import type { BatchContext, Bus, BusConsumer, PartitionBatch, TopicNames } from '../../libs/bus/index.js';
import { EntryEvent, toRejectedEvent } from '../../libs/events/index.js';
import type { Logger, Metrics } from '../../libs/observe/index.js';
import { batchRows, projectEntry, type EntryProjection, type EntryToProject } from './project.js';
import {
  MAX_ATTEMPTS,
  REFUSED_VALUE,
  TRANSIENT,
  sqlState,
  writeEntryByEntry,
  type Written,
} from './write.js';

export interface IndexerOptions {
  pool: Pool;
  bus: Bus;
  topics: TopicNames;
  /** Consumer group id (`<prefix>indexer`); also the key of its offsets in idx.consumer_offsets. */
  groupId: string;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  maxBytesPerPartition: number;
  lagIntervalMs: number;
}

interface Rejection {
  offset: number;
  key: Buffer | null;
  payload: Buffer;
  reason: string;
  message: string;
}

const leafHashOf = (body: Buffer): Buffer => crypto.sha256(Buffer.from([0]), body);

export class Indexer {
  private consumer: BusConsumer | undefined;
  private stopping = false;
  private lagLoop: Promise<void> | undefined;
  private wakeLagLoop: (() => void) | undefined;
  private readonly m;

  constructor(private readonly o: IndexerOptions) {
    this.m = {
      indexed: o.metrics.counter('entries_indexed_total', 'Log entries newly indexed with their facts'),
      unparsed: o.metrics.counter(
        'statements_unparsed_total',
        'Log entries newly indexed as unparsed statements, by stage',
        ['stage'],
      ),
      rejected: o.metrics.counter(
        'entries_rejected_total',
        'Events on the entries topic rejected (not what the log holds)',
        ['reason'],
      ),
      merged: o.metrics.counter(
        'artifacts_merged_total',
        'Digest rows moved to another artifact by new aliases',
      ),
      retries: o.metrics.counter(
        'batch_retries_total',
        'Batch transactions retried (deadlock, serialization)',
      ),
      batchSeconds: o.metrics.histogram(
        'batch_duration_seconds',
        'Batch duration: checks, projection and transaction',
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      ),
      lag: o.metrics.gauge(
        'lag_entries',
        'Log entries not yet in the index (log tree size minus indexed entries)',
      ),
      treeSize: o.metrics.gauge('log_tree_size_entries', 'Tree size of the log at the last lag check'),
      consumerLag: o.metrics.gauge(
        'consumer_lag_records',
        'Records behind the high watermark on the last batch of each partition',
        ['partition'],
      ),
    };
  }

  async start(): Promise<void> {
    this.lagLoop = this.runLagLoop();
    this.consumer = await this.o.bus.consume({
      groupId: this.o.groupId,
      topics: [this.o.topics.entries],
      maxBytesPerPartition: this.o.maxBytesPerPartition,
      loadOffsets: (topic, partitions) =>
        idxStore.loadOffsets(this.o.pool, this.o.groupId, topic, partitions),
      handleBatch: (batch, ctx) => this.handleBatch(batch, ctx),
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeLagLoop?.();
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.stop().catch(() => undefined);
    await this.lagLoop;
  }

  /** Refreshes the lag gauge: entries in the log (tree size) minus entries in the index. */
  async refreshLag(): Promise<void> {
    const { treeSize, indexed } = await idxStore.readProgress(this.o.pool);
    this.m.treeSize.set(treeSize);
    this.m.lag.set(Math.max(0, treeSize - indexed));
  }

  private async runLagLoop(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.refreshLag();
      } catch (e) {
        this.o.logger.warn({ err: e }, 'lag check failed');
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.o.lagIntervalMs);
        this.wakeLagLoop = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wakeLagLoop = undefined;
    }
  }

  /**
   * Checks the batch's events against the log: parsed (zod), at an index the log holds, body
   * hashing to the leaf hash the log holds there. Returns what to project and what to reject.
   */
  private async checkAgainstLog(batch: PartitionBatch): Promise<{
    accepted: Array<{ event: EntryEvent; entry: Omit<EntryToProject, 'attestation'> }>;
    rejections: Rejection[];
  }> {
    const rejections: Rejection[] = [];
    const parsed: Array<{ offset: number; key: Buffer | null; payload: Buffer; event: EntryEvent }> = [];
    for (const m of batch.messages) {
      const payload = m.value ?? Buffer.alloc(0);
      const reject = (reason: string, message: string) =>
        rejections.push({ offset: m.offset, key: m.key, payload, reason, message });
      let json: unknown;
      try {
        json = JSON.parse(payload.toString('utf8'));
      } catch {
        reject('INPUT_MALFORMED', 'the entry event is not JSON');
        continue;
      }
      const r = EntryEvent.safeParse(json);
      if (!r.success) {
        const issue = r.error.issues[0];
        reject(
          'INPUT_MALFORMED',
          `not an EntryEvent v1: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
        );
        continue;
      }
      parsed.push({ offset: m.offset, key: m.key, payload, event: r.data });
    }
    const logged = await idxStore.readLoggedEntries(
      this.o.pool,
      parsed.map((p) => p.event.logIndex),
    );
    const accepted: Array<{ event: EntryEvent; entry: Omit<EntryToProject, 'attestation'> }> = [];
    for (const p of parsed) {
      const reject = (reason: string, message: string) =>
        rejections.push({ offset: p.offset, key: p.key, payload: p.payload, reason, message });
      const inLog = logged.get(p.event.logIndex);
      if (!inLog) {
        reject('NOT_FOUND', `the log holds no entry ${p.event.logIndex}`);
        continue;
      }
      const body = Buffer.from(p.event.body, 'base64');
      const leaf = leafHashOf(body);
      if (!leaf.equals(inLog.leafHash) || toHex(leaf) !== p.event.leafHash) {
        reject('DIGEST_MISMATCH', `the body is not the leaf the log holds at ${p.event.logIndex}`);
        continue;
      }
      accepted.push({
        event: p.event,
        entry: {
          logIndex: inLog.logIndex,
          leafHash: inLog.leafHash,
          kind: p.event.kind,
          body,
          integratedTime: inLog.integratedTime,
          attestationHash: inLog.attestationHash,
        },
      });
    }
    return { accepted, rejections };
  }

  /**
   * The attestation bytes for an entry: inline on the event when they hash to what the log holds,
   * else read from tlog.attestations (claim check). One at a time, so that a batch of large
   * SBOMs holds one of them in memory at once.
   */
  private async attestationFor(event: EntryEvent, hash: Buffer | null): Promise<Buffer | undefined> {
    if (hash === null) return undefined;
    const inline = event.attestation?.content;
    if (inline !== undefined) {
      const bytes = Buffer.from(inline, 'base64');
      if (crypto.sha256(bytes).equals(hash)) return bytes;
    }
    return (await tlogStore.readAttestation(this.o.pool, hash))?.content;
  }

  private async publishRejections(batch: PartitionBatch, rejections: Rejection[]): Promise<void> {
    if (rejections.length === 0) return;
    await this.o.bus.publish(
      this.o.topics.rejected,
      rejections.map((r) => {
        const event = toRejectedEvent({
          by: 'indexer',
          reason: r.reason,
          message: r.message,
          payload: r.payload,
          at: this.o.clock.now(),
          origin: { topic: batch.topic, partition: batch.partition, offset: r.offset },
        });
        return { key: r.key, value: JSON.stringify(event) };
      }),
    );
    for (const r of rejections) this.o.logger.warn({ offset: r.offset, reason: r.reason }, r.message);
    for (const r of rejections) this.m.rejected.inc({ reason: r.reason });
  }

  /** One Kafka batch of one partition = one PostgreSQL transaction. */
  private async handleBatch(batch: PartitionBatch, ctx: BatchContext): Promise<void> {
    const last = batch.messages.at(-1);
    if (!last || !ctx.isActive()) return;
    const log = this.o.logger.child({
      topic: batch.topic,
      partition: batch.partition,
      firstOffset: batch.messages[0]?.offset,
      lastOffset: last.offset,
    });
    const timer = this.m.batchSeconds.startTimer();
    try {
      const { accepted, rejections } = await this.checkAgainstLog(batch);
      const projections: EntryProjection[] = [];
      const entries = new Map<number, EntryToProject>();
      for (const { event, entry } of accepted) {
        if (entries.has(entry.logIndex)) continue; // a relay republish inside one batch
        const full: EntryToProject = {
          ...entry,
          attestation:
            entry.kind === 'dsse' ? await this.attestationFor(event, entry.attestationHash) : undefined,
        };
        entries.set(entry.logIndex, { ...full, attestation: undefined });
        projections.push(projectEntry(full));
      }
      // A rebalance shows here first; the commit below checks ctx.isActive() and the stored offset,
      // so a batch whose partition moved on is either rolled back or harmlessly idempotent.
      await ctx.heartbeat().catch((e: unknown) => log.debug({ err: e }, 'heartbeat during a rebalance'));
      // Rejections go out before the offsets commit: at least once, never lost.
      await this.publishRejections(batch, rejections);
      const result = await this.commit(batch, ctx, last.offset, projections, entries, log);
      this.m.consumerLag.set(
        { partition: String(batch.partition) },
        Math.max(0, batch.highWatermark - last.offset - 1),
      );
      if (result) {
        let indexed = 0;
        let unparsed = 0;
        for (const p of projections) {
          if (!result.inserted.has(p.logIndex)) continue; // already indexed: a replay
          const stage = result.refused.get(p.logIndex) ?? p.unparsed?.stage;
          if (stage === undefined) indexed++;
          else {
            unparsed++;
            this.m.unparsed.inc({ stage });
          }
        }
        this.m.indexed.inc(indexed);
        this.m.merged.inc(result.merged);
        log.debug(
          { indexed, unparsed, rejected: rejections.length, merged: result.merged },
          'batch committed',
        );
      }
    } catch (e) {
      log.error(
        { err: e, code: isAttestryError(e) ? e.code : sqlState(e) },
        'batch failed; it will be retried',
      );
      throw e;
    } finally {
      timer();
    }
  }

  /**
   * Writes the batch and advances the offset in one transaction, retrying deadlocks. If the
   * database refuses a value (which boundedText and cleanText should prevent), the batch is
   * written again entry by entry under savepoints, and a refused entry is indexed as unparsed
   * (stage `index`): one entry never blocks its partition.
   */
  private async commit(
    batch: PartitionBatch,
    ctx: BatchContext,
    lastOffset: number,
    projections: EntryProjection[],
    entries: Map<number, EntryToProject>,
    log: Logger,
  ): Promise<Written | undefined> {
    let perEntry = false;
    for (let attempt = 1; ; attempt++) {
      const client = await this.o.pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const stored = await idxStore.lockOffset(client, this.o.groupId, batch.topic, batch.partition);
        if (lastOffset < stored) {
          await client.query('ROLLBACK');
          return undefined; // fetched before a seek, or another member got there first
        }
        let written: Written;
        if (!perEntry) {
          try {
            const r = await idxStore.writeRows(client, batchRows(projections));
            written = { inserted: new Set(r.inserted), merged: r.merged, refused: new Map() };
          } catch (e) {
            const state = sqlState(e);
            if (state === undefined || !REFUSED_VALUE.test(state)) throw e;
            log.warn({ err: e, sqlState: state }, 'the database refused a value: writing entry by entry');
            await client.query('ROLLBACK');
            perEntry = true;
            attempt--;
            continue;
          }
        } else {
          written = await writeEntryByEntry(client, projections, entries, log);
        }
        // Offsets advance only from their stored value; a revoked partition never commits.
        if (
          !(await idxStore.advanceAndCommit(
            client,
            this.o.groupId,
            batch.topic,
            batch.partition,
            stored,
            lastOffset + 1,
            ctx.isActive,
          ))
        ) {
          return undefined;
        }
        return written;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        const state = sqlState(e);
        if (state !== undefined && TRANSIENT.has(state) && attempt < MAX_ATTEMPTS) {
          this.m.retries.inc();
          log.warn({ sqlState: state, attempt }, 'batch transaction conflicted: retrying');
          await new Promise((r) => setTimeout(r, 20 * attempt + Math.floor(Math.random() * 50)));
          continue;
        }
        throw e;
      } finally {
        client.release(broken);
      }
    }
  }
}
