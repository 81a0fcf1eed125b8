/**
 * Looks entries up by leaf hash for many requests at once: the lookups asked for while one query
 * runs go out together in the next (one `leaf_hash = ANY(...)` query), so a thousand concurrent
 * duplicate checks cost a few queries, not a thousand pool checkouts. A lone lookup is sent at once.
 */
import { tlogStore, type Pool, type StoredEntry } from '../../libs/db/index.js';

const MAX_KEYS_PER_QUERY = 1000;

export class LeafLookup {
  private queue: Array<{ key: string; resolve(e: StoredEntry | undefined): void; reject(e: unknown): void }> =
    [];
  private inFlight = 0;
  private scheduled = false;

  /** `parallel`: queries at once (each takes a pool connection). */
  constructor(
    private readonly pool: Pool,
    private readonly parallel = 2,
  ) {}

  lookup(leafHash: Buffer): Promise<StoredEntry | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ key: leafHash.toString('hex'), resolve, reject });
      if (this.inFlight < this.parallel && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    while (this.inFlight < this.parallel && this.queue.length > 0) {
      const taken = this.queue.splice(0, MAX_KEYS_PER_QUERY);
      this.inFlight += 1;
      const keys = [...new Set(taken.map((t) => t.key))];
      tlogStore
        .readEntriesByLeafHashes(
          this.pool,
          keys.map((k) => Buffer.from(k, 'hex')),
        )
        .then(
          (entries) => {
            const byKey = new Map(entries.map((e) => [e.leafHash.toString('hex'), e]));
            for (const t of taken) t.resolve(byKey.get(t.key));
          },
          (e: unknown) => taken.forEach((t) => t.reject(e)),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.flush();
        });
    }
  }
}
