/**
 * The log's tile storage model, pure (C2SP tlog-tiles over RFC 9162 trees). The log stores only
 * tiles; the sequencer reads the right-edge tiles, calls appendLeaves and writes what it returns;
 * readers ask tilesFor* which tiles a root or proof needs, fetch them (O(log n) of them, all in
 * parallel), and compute the answer with the matching *FromTiles function.
 *
 * Tiles are passed as a TileMap: tileKey({level, index}) ("<level>/<index>") -> the tile's bytes,
 * concatenated 32-byte hashes. Any stored version of a tile at least as wide as the width named by
 * tilesFor* will do (a partial tile is a prefix of every later version of it): only the hashes
 * that exist at the tree size in question are ever read. Tile bytes are attacker-controlled when
 * they come from a mirror or cache; nothing here trusts them: a root computed from them is checked
 * by the caller against a signed checkpoint, a proof by its verifier.
 *
 * Errors: MERKLE_INVALID_ARGUMENT (bad sizes or indexes, malformed tile bytes or leaf hashes),
 * MERKLE_TILE_MISSING (a needed tile is absent from the map, or narrower than needed).
 */
import { AttestryError } from '../core/index.js';
import { assertHash, assertSize, emptyRoot, hashAdjacentChildren, HASH_SIZE } from './hash.js';
import {
  consistencyProof,
  consistencyProofPlan,
  hashRange,
  inclusionProof,
  inclusionProofPlan,
  type NodeReader,
} from './proof.js';
import { decomposeRange, type LeafRange } from './proof-plan.js';
import {
  hashCountAt,
  locateNode,
  partialTilesAt,
  tileKey,
  tileWidthAt,
  TILE_WIDTH,
  type TileCoord,
} from './tile-layout.js';

/** Tile bytes by tileKey(...). */
export type TileMap = ReadonlyMap<string, Uint8Array>;

/** A tile together with its content: width * 32 bytes. */
export interface Tile extends TileCoord {
  readonly data: Uint8Array;
}

export interface AppendResult {
  readonly newSize: number;
  /** MTH(D[0:newSize]). */
  readonly root: Buffer;
  /**
   * Every tile whose content changed, lowest level first, then by index: the tiles that became
   * full (immutable from now on) and the new partial tile of each level that grew.
   */
  readonly tiles: Tile[];
}

/** MTH of the perfect subtree over `count` (a power of two) consecutive hashes of a tile. */
function subtreeHash(data: Uint8Array, offset: number, count: number): Buffer {
  const start = offset * HASH_SIZE;
  // Reduce a private copy in place, so each pair of children is contiguous: the parent of hashes
  // 2i and 2i+1 overwrites hash i, which has already been read.
  const work = Buffer.from(data.subarray(start, start + count * HASH_SIZE));
  for (let n = count; n > 1; n /= 2) {
    for (let i = 0; i < n / 2; i++) work.set(hashAdjacentChildren(work, 2 * i * HASH_SIZE), i * HASH_SIZE);
  }
  return Buffer.from(work.subarray(0, HASH_SIZE));
}

/** The tile's bytes with at least `hashes` hashes, or an error naming what is wrong. */
function tileData(tiles: TileMap, level: number, index: number, hashes: number): Uint8Array {
  const data = tiles.get(tileKey({ level, index }));
  if (data === undefined) {
    throw new AttestryError('MERKLE_TILE_MISSING', `tile ${level}/${index} is needed but was not given`, {
      details: { level, index },
    });
  }
  if (
    !(data instanceof Uint8Array) ||
    data.length % HASH_SIZE !== 0 ||
    data.length > TILE_WIDTH * HASH_SIZE
  ) {
    throw new AttestryError('MERKLE_INVALID_ARGUMENT', `tile ${level}/${index} is not 1..256 whole hashes`);
  }
  if (data.length < hashes * HASH_SIZE) {
    throw new AttestryError(
      'MERKLE_TILE_MISSING',
      `tile ${level}/${index} has ${data.length / HASH_SIZE} hashes, ${hashes} are needed`,
      { details: { level, index, width: hashes } },
    );
  }
  return data;
}

/**
 * A NodeReader over tiles: a node at Merkle level 8L+k is recomputed from the 2^k hashes of tile
 * level L below it (at most 255 hashes per node; the nodes of one proof are disjoint subtrees).
 */
export function nodeReaderFromTiles(tiles: TileMap, memo?: NodeMemo): NodeReader {
  return (level, index) => {
    const key = memo ? `${level}/${index}` : '';
    const known = memo?.get(key);
    if (known) return known;
    const at = locateNode({ level, index });
    const hash = subtreeHash(tileData(tiles, at.level, at.index, at.offset + at.count), at.offset, at.count);
    memo?.set(key, hash);
    return hash;
  };
}

/**
 * A cache of perfect-subtree hashes keyed `<merkle level>/<index>`. In an append-only log such a
 * node never changes once it exists, so a reader of its own log's tiles may keep them across tree
 * sizes (proofs for leaves near each other share most of their nodes). Only for tiles from the
 * log's own store: a node computed from a mirror's tiles is only as good as those tiles.
 */
export interface NodeMemo {
  get(key: string): Uint8Array | undefined;
  set(key: string, hash: Uint8Array): void;
}

/** Tiles holding the perfect subtrees of the given ranges, with their width at `size`. */
function tilesForRanges(ranges: readonly LeafRange[], size: number): TileCoord[] {
  const byKey = new Map<string, TileCoord>();
  for (const [start, end] of ranges) {
    for (const node of decomposeRange(start, end)) {
      const at = locateNode(node);
      const key = tileKey(at);
      if (!byKey.has(key))
        byKey.set(key, { level: at.level, index: at.index, width: tileWidthAt(at.level, at.index, size) });
    }
  }
  return [...byKey.values()].sort((a, b) => a.level - b.level || a.index - b.index);
}

/** The right-edge (partial) tiles appendLeaves needs to extend a tree of `size` leaves. */
export function tilesForAppend(size: number): TileCoord[] {
  return partialTilesAt(size);
}

/** Tiles needed to compute MTH(D[0:size]); the same right-edge tiles as tilesForAppend. */
export function tilesForRoot(size: number): TileCoord[] {
  assertSize(size, 'tree size');
  return size === 0 ? [] : tilesForRanges([[0, size]], size);
}

/** Tiles needed to compute the inclusion proof of leaf `index` in the tree of `size` leaves. */
export function tilesForInclusionProof(index: number, size: number): TileCoord[] {
  return tilesForRanges(inclusionProofPlan(index, size), size);
}

/** Tiles needed to compute the consistency proof from size1 to size2, with widths at size2. */
export function tilesForConsistencyProof(size1: number, size2: number): TileCoord[] {
  return tilesForRanges(consistencyProofPlan(size1, size2), size2);
}

/** MTH(D[0:size]) from the tiles named by tilesForRoot(size). */
export function rootFromTiles(size: number, tiles: TileMap, memo?: NodeMemo): Buffer {
  assertSize(size, 'tree size');
  return size === 0 ? emptyRoot() : hashRange([0, size], nodeReaderFromTiles(tiles, memo));
}

/** The RFC 9162 §2.1.3.1 inclusion proof, from the tiles named by tilesForInclusionProof. */
export function inclusionProofFromTiles(
  index: number,
  size: number,
  tiles: TileMap,
  memo?: NodeMemo,
): Buffer[] {
  return inclusionProof(index, size, nodeReaderFromTiles(tiles, memo));
}

/** The RFC 9162 §2.1.4.1 consistency proof, from the tiles named by tilesForConsistencyProof. */
export function consistencyProofFromTiles(size1: number, size2: number, tiles: TileMap): Buffer[] {
  return consistencyProof(size1, size2, nodeReaderFromTiles(tiles));
}

/**
 * Appends leaf hashes to the tree of `size` leaves whose right-edge tiles (tilesForAppend(size))
 * are in `edgeTiles`. Pure: returns the new size, the new root and every tile that changed, for the
 * caller to store in the same transaction as the entries. The edge tiles must come from the log's
 * own store: their hashes are taken as given (nothing here can re-derive them). About one hash per
 * new leaf (each full tile costs 255 hashes and yields one hash for the level above), plus up to
 * 255 per level for the root.
 */
export function appendLeaves(
  size: number,
  edgeTiles: TileMap,
  newLeafHashes: readonly Uint8Array[],
): AppendResult {
  assertSize(size, 'tree size');
  newLeafHashes.forEach((h, i) => assertHash(h, `new leaf hash [${i}]`, 'MERKLE_INVALID_ARGUMENT'));
  const newSize = size + newLeafHashes.length;
  assertSize(newSize, 'new tree size');

  const tiles: Tile[] = [];
  // New hashes at the current level, in order, appended after the level's existing ones. Level L+1
  // gains one hash per level-L tile that became full; a partial tile is never hashed upwards.
  let incoming: readonly Uint8Array[] = newLeafHashes;
  for (let level = 0; incoming.length > 0; level++) {
    const existingCount = hashCountAt(level, size);
    const firstTile = Math.floor(existingCount / TILE_WIDTH);
    const kept = existingCount % TILE_WIDTH;
    const existing = kept > 0 ? tileData(edgeTiles, level, firstTile, kept) : undefined;
    const total = kept + incoming.length;
    const next: Buffer[] = [];
    for (let t = 0; t * TILE_WIDTH < total; t++) {
      const from = t * TILE_WIDTH;
      const width = Math.min(TILE_WIDTH, total - from);
      const data = Buffer.allocUnsafe(width * HASH_SIZE);
      for (let i = 0; i < width; i++) {
        const pos = from + i;
        const src =
          pos < kept
            ? (existing as Uint8Array).subarray(pos * HASH_SIZE, (pos + 1) * HASH_SIZE)
            : (incoming[pos - kept] as Uint8Array);
        data.set(src, i * HASH_SIZE);
      }
      tiles.push({ level, index: firstTile + t, width, data });
      if (width === TILE_WIDTH) next.push(subtreeHash(data, 0, TILE_WIDTH));
    }
    incoming = next;
  }

  // The root needs the right edge at newSize: the new partial tiles where levels grew, the old
  // edge tiles where they did not.
  const overlay = new Map<string, Uint8Array>(edgeTiles);
  for (const t of tiles) overlay.set(tileKey(t), t.data);
  return { newSize, root: rootFromTiles(newSize, overlay), tiles };
}
