/**
 * The log's read path (gateway and api): tiles, entry bundles, checkpoints and proofs computed
 * from stored tiles with O(log n) tile reads, at exactly the tree size asked for. Full tiles are
 * immutable and cached in memory; reads never run inside the sequencer's write transaction.
 */
import { AttestryError, Lru } from '../core/index.js';
import {
  TILE_WIDTH,
  consistencyProofFromTiles,
  inclusionProofFromTiles,
  rootFromTiles,
  tileKey,
  tileWidthAt,
  tilesForConsistencyProof,
  tilesForInclusionProof,
  tilesForRoot,
  type NodeMemo,
  type TileCoord,
} from '../merkle/index.js';
import type { Pool } from './pool.js';
import * as store from './tlog-store.js';

export interface Proof {
  treeSize: number;
  rootHash: Buffer;
  hashes: Buffer[];
}

export class TlogReader {
  /**
   * Tiles by key, each the widest version seen. A stored tile only ever grows and a narrower
   * one is its prefix, so a cached tile answers any request up to its width, forever.
   */
  private readonly tileCache: Lru<Buffer>;
  /** The largest tree size seen: the log only grows, so sizes up to it need no lookup. */
  private knownSize = 0;
  /**
   * Perfect-subtree hashes derived from tiles (a node never changes once it exists): proofs for
   * nearby leaves share most of their nodes, so each is hashed once, not once per proof.
   */
  private readonly nodes: NodeMemo;
  /** Tile reads under way, by tile key: concurrent readers of the same tile share one query. */
  private readonly tileReads = new Map<string, Promise<store.StoredTile | undefined>>();
  /** The latest checkpoint read, when, and the read under way (shared by concurrent callers). */
  private checkpoint: { cp: store.StoredCheckpoint | undefined; at: number } | undefined;
  private checkpointRead: Promise<store.StoredCheckpoint | undefined> | undefined;

  /** Up to `cacheTiles` tiles of at most 8 KiB each stay in memory (default 4096 = 32 MiB). */
  constructor(
    private readonly pool: Pool,
    cacheTiles = 4096,
  ) {
    this.tileCache = new Lru(cacheTiles);
    this.nodes = new Lru<Uint8Array>(cacheTiles * 16);
  }

  treeHead(): Promise<store.TreeHead> {
    return store.readTreeHead(this.pool);
  }

  async latestCheckpoint(): Promise<store.StoredCheckpoint | undefined> {
    return this.remember(await store.readLatestCheckpoint(this.pool));
  }

  /** A checkpoint read elsewhere (e.g. with the entries it covers): kept for checkpointCovering. */
  offerCheckpoint(cp: store.StoredCheckpoint): void {
    this.remember(cp);
  }

  private remember(cp: store.StoredCheckpoint | undefined): store.StoredCheckpoint | undefined {
    if (cp) this.knownSize = Math.max(this.knownSize, cp.treeSize);
    if (!this.checkpoint?.cp || (cp && cp.treeSize >= this.checkpoint.cp.treeSize))
      this.checkpoint = { cp, at: Date.now() };
    return cp;
  }

  /** The latest checkpoint, one query for every caller that asks while it runs. */
  private sharedLatest(): Promise<store.StoredCheckpoint | undefined> {
    this.checkpointRead ??= store.readLatestCheckpoint(this.pool).then(
      (cp) => {
        this.checkpointRead = undefined;
        return this.remember(cp);
      },
      (e: unknown) => {
        this.checkpointRead = undefined;
        throw e;
      },
    );
    return this.checkpointRead;
  }

  /**
   * A signed checkpoint covering leaf `index` (tree size > index): the one read at most
   * `maxAgeMs` ago when it covers the leaf, else the latest (undefined when none covers it yet).
   * Many answers at once (waiters resolved together) share one read.
   */
  async checkpointCovering(index: number, maxAgeMs: number): Promise<store.StoredCheckpoint | undefined> {
    const held = this.checkpoint;
    if (held?.cp && held.cp.treeSize > index && Date.now() - held.at <= maxAgeMs) return held.cp;
    // A shared read that started before the caller learnt of its leaf may miss it: then read again.
    for (let attempt = 0; attempt < 2; attempt++) {
      const cp = await this.sharedLatest();
      if (cp && cp.treeSize > index) return cp;
    }
    return undefined;
  }

  checkpointAt(treeSize: number): Promise<store.StoredCheckpoint | undefined> {
    return store.readCheckpointAt(this.pool, treeSize);
  }

  /**
   * Tile L/N of `width` hashes, or undefined when the log has not (yet) got that many: a
   * partial tile is served for any width up to the current one (a client may hold an older
   * checkpoint), as the prefix of the stored tile.
   */
  async tile(level: number, index: number, width: number): Promise<Buffer | undefined> {
    const tiles = await this.tiles([{ level, index, width }]);
    return tiles.get(tileKey({ level, index }));
  }

  /** Entry bundle N of `width` entries: each entry as uint16 big-endian length + bytes (C2SP tlog-tiles). */
  async entryBundle(index: number, width: number): Promise<Buffer | undefined> {
    const head = await store.readTreeHead(this.pool);
    if (width < 1 || width > tileWidthAt(0, index, head.treeSize)) return undefined;
    const bodies = await store.readEntryBodies(this.pool, index * TILE_WIDTH, index * TILE_WIDTH + width);
    if (bodies.length !== width) return undefined;
    const parts: Buffer[] = [];
    for (const b of bodies) {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(b.length);
      parts.push(len, b);
    }
    return Buffer.concat(parts);
  }

  /** Fetches the tiles (each at least as wide as asked), from the cache or in one query. */
  private async tiles(requested: readonly TileCoord[]): Promise<Map<string, Buffer>> {
    // One tile may be asked for at several widths (the roots at two sizes): keep the widest;
    // readers use only the first `width` hashes they need.
    const widest = new Map<string, TileCoord>();
    for (const c of requested) {
      const prior = widest.get(tileKey(c));
      if (!prior || prior.width < c.width) widest.set(tileKey(c), c);
    }
    const out = new Map<string, Buffer>();
    const missing: TileCoord[] = [];
    for (const c of widest.values()) {
      const cached = this.tileCache.get(tileKey(c));
      if (cached && cached.length >= c.width * 32)
        out.set(tileKey(c), cached.length === c.width * 32 ? cached : cached.subarray(0, c.width * 32));
      else missing.push(c);
    }
    if (missing.length === 0) return out;
    // Join reads under way; a read that started before a tile grew to the width asked for
    // returns it narrower, and that tile is read again.
    const found = new Map<string, store.StoredTile>();
    const joined = await Promise.all(missing.map((c) => this.tileReads.get(tileKey(c))));
    const again: TileCoord[] = [];
    missing.forEach((c, i) => {
      const r = joined[i];
      if (r && r.width >= c.width) found.set(tileKey(c), r);
      else again.push(c);
    });
    if (again.length > 0) {
      const read = store.readTiles(this.pool, again);
      const byKey = read.then(
        (rs) => new Map(rs.map((r) => [tileKey(r), r])),
        () => new Map<string, store.StoredTile>(), // joiners of a failed read read again
      );
      for (const c of again) {
        const key = tileKey(c);
        const p = byKey.then((m) => m.get(key));
        this.tileReads.set(key, p);
        void p.then(() => {
          if (this.tileReads.get(key) === p) this.tileReads.delete(key);
        });
      }
      for (const r of await read) found.set(tileKey(r), r);
    }
    for (const c of missing) {
      const row = found.get(tileKey(c));
      if (!row || row.width < c.width) continue;
      const data = row.width === c.width ? row.hashes : row.hashes.subarray(0, c.width * 32);
      const prior = this.tileCache.get(tileKey(c));
      if (!prior || prior.length < row.hashes.length) this.tileCache.set(tileKey(c), row.hashes);
      out.set(tileKey(c), data);
    }
    return out;
  }

  private async requireSize(treeSize: number): Promise<void> {
    if (treeSize <= this.knownSize) return;
    const head = await store.readTreeHead(this.pool);
    this.knownSize = Math.max(this.knownSize, head.treeSize);
    if (treeSize > head.treeSize)
      throw new AttestryError(
        'NOT_FOUND',
        `the log has ${head.treeSize} entries; tree size ${treeSize} does not exist yet`,
      );
  }

  async rootAt(treeSize: number): Promise<Buffer> {
    await this.requireSize(treeSize);
    return rootFromTiles(treeSize, await this.tiles(tilesForRoot(treeSize)), this.nodes);
  }

  /** RFC 9162 §2.1.3 inclusion proof of leaf `index` in the tree of `treeSize` leaves. */
  async inclusionProof(index: number, treeSize: number): Promise<Proof> {
    if (index >= treeSize)
      throw new AttestryError('MERKLE_INVALID_ARGUMENT', `index ${index} is not below tree size ${treeSize}`);
    await this.requireSize(treeSize);
    const tiles = await this.tiles([...tilesForInclusionProof(index, treeSize), ...tilesForRoot(treeSize)]);
    return {
      treeSize,
      rootHash: rootFromTiles(treeSize, tiles, this.nodes),
      hashes: inclusionProofFromTiles(index, treeSize, tiles, this.nodes),
    };
  }

  /** RFC 9162 §2.1.4 consistency proof between tree sizes `size1` <= `size2`. */
  async consistencyProof(size1: number, size2: number): Promise<Proof & { firstRootHash: Buffer }> {
    if (size1 > size2)
      throw new AttestryError('MERKLE_INVALID_ARGUMENT', `first size ${size1} is above second size ${size2}`);
    await this.requireSize(size2);
    const tiles = await this.tiles([
      ...tilesForConsistencyProof(size1, size2),
      ...tilesForRoot(size1),
      ...tilesForRoot(size2),
    ]);
    const hashes = size1 === size2 || size1 === 0 ? [] : consistencyProofFromTiles(size1, size2, tiles);
    return {
      treeSize: size2,
      rootHash: rootFromTiles(size2, tiles),
      firstRootHash: rootFromTiles(size1, tiles),
      hashes,
    };
  }
}
