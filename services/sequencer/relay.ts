/**
 * The outbox relay: publishes committed entries (tlog.entries is the outbox) to attestry.entries
 * and checkpoints to attestry.checkpoints, at least once, in log order, resuming from the
 * position stored in tlog.relay_positions. Position advances only after Kafka acknowledged, and
 * only from its stored value, so a crash republishes (consumers are idempotent), never skips.
 */
import { toBase64, toHex } from '../../libs/core/index.js';
import { tlogStore, type Pool } from '../../libs/db/index.js';
import type { Bus, TopicNames } from '../../libs/bus/index.js';
import type { EntryEvent, CheckpointEvent } from '../../libs/events/index.js';
import type { Logger, Metrics } from '../../libs/observe/index.js';

export interface RelayOptions {
  pool: Pool;
  bus: Bus;
  topics: TopicNames;
  logger: Logger;
  metrics: Metrics;
  logId: string;
  origin: string;
  /** Attestations up to this size ride inline on attestry.entries. */
  inlineLimitBytes: number;
  batchSize: number;
  pollMs: number;
}

export class Relay {
  private wake: (() => void) | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly published;
  private readonly lag;

  constructor(private readonly opts: RelayOptions) {
    this.published = opts.metrics.counter('relay_published_total', 'Records the outbox relay published', [
      'topic',
    ]);
    this.lag = opts.metrics.gauge(
      'relay_lag_entries',
      'Committed entries not yet published to attestry.entries',
    );
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Called after each committed batch. */
  notify(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let moved = false;
      try {
        moved = (await this.publishEntries()) || moved;
        moved = (await this.publishCheckpoints()) || moved;
      } catch (e) {
        this.opts.logger.warn({ err: e }, 'relay: publish failed, retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
      if (!moved && this.running) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.opts.pollMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  private async publishEntries(): Promise<boolean> {
    const { pool, bus } = this.opts;
    const from = await tlogStore.readRelayPosition(pool, 'entries');
    const head = await tlogStore.readTreeHead(pool);
    this.lag.set(head.treeSize - from);
    if (head.treeSize <= from) return false;
    const entries = await tlogStore.readEntries(
      pool,
      from,
      Math.min(head.treeSize, from + this.opts.batchSize),
    );
    const hashes = entries.flatMap((e) => (e.attestationHash ? [e.attestationHash] : []));
    const attestations = new Map(
      (await tlogStore.readAttestations(pool, hashes)).map((a) => [a.hash.toString('hex'), a]),
    );
    const messages = entries.map((e) => {
      const att = e.attestationHash ? attestations.get(e.attestationHash.toString('hex')) : undefined;
      const event: EntryEvent = {
        v: 1,
        logIndex: e.logIndex,
        leafHash: toHex(e.leafHash),
        kind: e.kind,
        body: toBase64(e.body),
        integratedTime: e.integratedTime,
        logId: this.opts.logId,
        attestation: att
          ? {
              hash: `sha256:${toHex(att.hash)}`,
              mediaType: att.mediaType,
              size: att.content.length,
              ...(att.content.length <= this.opts.inlineLimitBytes ? { content: toBase64(att.content) } : {}),
            }
          : null,
      };
      return { key: String(e.logIndex), value: JSON.stringify(event) };
    });
    await bus.publish(this.opts.topics.entries, messages);
    const last = entries.at(-1);
    const next = last ? last.logIndex + 1 : from;
    if (!(await tlogStore.advanceRelayPosition(pool, 'entries', from, next))) {
      this.opts.logger.warn({ from, next }, 'relay: entries position moved under us (another relay?)');
    }
    this.published.inc({ topic: this.opts.topics.entries }, messages.length);
    this.lag.set(head.treeSize - next);
    return true;
  }

  private async publishCheckpoints(): Promise<boolean> {
    const { pool, bus } = this.opts;
    const from = await tlogStore.readRelayPosition(pool, 'checkpoints');
    const checkpoints = await tlogStore.readCheckpointsAfter(pool, from - 1, 100);
    const fresh = checkpoints.filter((c) => c.treeSize >= from);
    if (fresh.length === 0) return false;
    const messages = fresh.map((c) => {
      const event: CheckpointEvent = {
        v: 1,
        origin: this.opts.origin,
        treeSize: c.treeSize,
        rootHash: toBase64(c.rootHash),
        note: c.note,
        publishedAt: c.createdAt.toISOString(),
      };
      return { key: this.opts.origin, value: JSON.stringify(event) };
    });
    await bus.publish(this.opts.topics.checkpoints, messages);
    const next = (fresh.at(-1)?.treeSize ?? from - 1) + 1;
    await tlogStore.advanceRelayPosition(pool, 'checkpoints', from, next);
    this.published.inc({ topic: this.opts.topics.checkpoints }, messages.length);
    return true;
  }
}
