/**
 * Waits for submissions to be sequenced. One query per tick looks up every pending leaf hash at
 * once, whatever the number of waiting requests, so waiting costs the database O(1) per tick.
 */
import { AttestryError } from '../../libs/core/index.js';
import { tlogStore, type Pool, type StoredCheckpoint, type StoredEntry } from '../../libs/db/index.js';

interface Waiter {
  resolve(e: StoredEntry): void;
  reject(e: unknown): void;
  deadline: number;
}

export class InclusionWaiter {
  private readonly waiting = new Map<string, Waiter[]>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly pool: Pool,
    private readonly tickMs = 20,
    /** Observes each lookup: its duration and how many leaf hashes it asked for. */
    private readonly onLookup?: (seconds: number, keys: number) => void,
    /**
     * Receives the latest checkpoint, read in the same statement as the entries found (so it
     * covers them), before their waiters resume: their answers' proofs need no further read.
     */
    private readonly onCheckpoint?: (cp: StoredCheckpoint) => void,
  ) {}

  /** Resolves with the entry once the leaf is in the log; rejects with BUS_BACKPRESSURE on timeout. */
  wait(leafHash: Buffer, timeoutMs: number): Promise<StoredEntry> {
    const key = leafHash.toString('hex');
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(key) ?? [];
      list.push({ resolve, reject, deadline: Date.now() + timeoutMs });
      this.waiting.set(key, list);
      this.timer ??= setInterval(() => void this.tick(), this.tickMs);
    });
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = Date.now();
      for (const [key, list] of this.waiting) {
        const alive = list.filter((w) => {
          if (w.deadline > now) return true;
          w.reject(
            new AttestryError(
              'BUS_BACKPRESSURE',
              'the submission was accepted but not yet sequenced; retry later or use ?wait=false',
            ),
          );
          return false;
        });
        if (alive.length === 0) this.waiting.delete(key);
        else this.waiting.set(key, alive);
      }
      if (this.waiting.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
        return;
      }
      const t0 = performance.now();
      const { entries, checkpoint } = await tlogStore.readEntriesByLeafHashesWithCheckpoint(
        this.pool,
        [...this.waiting.keys()].map((k) => Buffer.from(k, 'hex')),
      );
      this.onLookup?.((performance.now() - t0) / 1000, this.waiting.size);
      if (checkpoint) this.onCheckpoint?.(checkpoint);
      for (const e of entries) {
        const key = e.leafHash.toString('hex');
        for (const w of this.waiting.get(key) ?? []) w.resolve(e);
        this.waiting.delete(key);
      }
    } catch {
      // A failed lookup is retried on the next tick; waiters time out on their own.
    } finally {
      this.busy = false;
    }
  }

  /**
   * Fails the requests waiting for `leafHex` (the sequencer rejected what this gateway accepted:
   * the two verify with different configuration, or the sequencer's check is stricter).
   */
  fail(leafHex: string, error: AttestryError): void {
    const list = this.waiting.get(leafHex);
    if (!list) return;
    this.waiting.delete(leafHex);
    for (const w of list) w.reject(error);
  }

  close(): void {
    clearInterval(this.timer);
    for (const list of this.waiting.values())
      for (const w of list) w.reject(new AttestryError('BUS_UNAVAILABLE', 'the gateway is shutting down'));
    this.waiting.clear();
  }
}
