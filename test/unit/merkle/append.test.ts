/** appendLeaves: the sequencer's pure tree update over tiles (C2SP tlog-tiles, RFC 9162 §2.1.1). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isAttestryError } from '../../../libs/core/index.js';
import {
  appendLeaves,
  CompactRange,
  emptyRoot,
  hashLeaf,
  tileKey,
  tilesForAppend,
  tileWidthAt,
  type Tile,
} from '../../../libs/merkle/index.js';
import { NaiveTree } from './naive-tree.js';
import { TileStore } from './tile-store.js';

const code = (c: string) => (e: unknown) => isAttestryError(e, c as never);

/** Splits n into consecutive batch sizes taken from `sizes` (cycled), the last one cut to fit. */
function batchesOf(n: number, sizes: readonly number[]): number[] {
  const out: number[] = [];
  for (let at = 0, k = 0; at < n; k++) {
    const b = Math.min(n - at, sizes[k % sizes.length] as number);
    out.push(b);
    at += b;
  }
  return out;
}

/** Every hash of every stored tile equals the MTH of the leaves it spans (tlog-tiles "Merkle Tree"). */
function assertTilesMatchTree(store: TileStore, tree: NaiveTree): void {
  for (const [key, data] of store.tiles) {
    const [level, index] = key.split('/').map(Number) as [number, number];
    const width = tileWidthAt(level, index, store.size);
    assert.equal(data.length, width * 32, `tile ${key} width`);
    const span = 256 ** level;
    for (let i = 0; i < width; i++) {
      const start = (index * 256 + i) * span;
      assert.ok(
        Buffer.from(data.subarray(i * 32, i * 32 + 32)).equals(tree.mth(start, start + span)),
        `${key}[${i}]`,
      );
    }
  }
}

describe('appendLeaves', () => {
  test('property: random batch sizes give the same roots and tiles as one append, and the tree of the definition', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3000 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
        (n, sizes) => {
          const tree = NaiveTree.ofSize(n, `append${n}`);
          const once = new TileStore();
          const once_ = once.append(tree.leaves);
          const batched = new TileStore();
          let at = 0;
          for (const b of batchesOf(n, sizes)) {
            const before = new Map(batched.tiles);
            const result = batched.append(tree.leaves.slice(at, at + b));
            at += b;
            assert.equal(result.newSize, at);
            assert.ok(result.root.equals(tree.root(at)), `root at ${at}`);
            // The returned tiles are exactly the ones whose content changed, each at its new width,
            // and a rewritten tile only ever grows: the old version is a prefix of the new one.
            const changed = [...batched.tiles.keys()].filter((k) => {
              const old = before.get(k);
              return old === undefined || !Buffer.from(old).equals(batched.tiles.get(k) as Uint8Array);
            });
            assert.deepEqual(result.tiles.map(tileKey).sort(), changed.sort());
            for (const t of result.tiles) {
              assert.equal(t.width, tileWidthAt(t.level, t.index, at));
              assert.equal(t.data.length, t.width * 32);
              const old = before.get(tileKey(t));
              if (old !== undefined) assert.ok(Buffer.from(t.data.subarray(0, old.length)).equals(old));
            }
          }
          assert.ok(once_.root.equals(n === 0 ? emptyRoot() : tree.root(n)));
          assert.deepEqual(
            [...batched.tiles].sort(([a], [b]) => a.localeCompare(b)),
            [...once.tiles].sort(([a], [b]) => a.localeCompare(b)),
          );
          assertTilesMatchTree(batched, tree);
        },
      ),
      { numRuns: 40 },
    );
  });

  test('tiles of a 70,000-leaf tree (three tile levels) hold the hashes the spec defines', () => {
    const tree = NaiveTree.ofSize(70_000, 'three-levels');
    const store = new TileStore();
    for (const b of batchesOf(70_000, [4_999, 20_000, 1, 255, 257])) {
      store.append(tree.leaves.slice(store.size, store.size + b));
    }
    assert.equal(store.tiles.size, 274 + 2 + 1);
    assert.equal(store.tiles.get('2/0')?.length, 32);
    assertTilesMatchTree(store, tree);
    assert.ok(store.root(70_000).equals(tree.root(70_000)));
  });

  test('builds a 100,000-leaf tree in batches of 1,000 quickly, with the root a compact range computes', () => {
    const leaves = Array.from({ length: 100_000 }, (_, i) => hashLeaf(Buffer.from(`entry ${i}`)));
    const store = new TileStore();
    const started = performance.now();
    let root = emptyRoot();
    for (let i = 0; i < leaves.length; i += 1000) root = store.append(leaves.slice(i, i + 1000)).root;
    const elapsed = performance.now() - started;
    const range = new CompactRange();
    range.appendAll(leaves);
    assert.equal(store.size, 100_000);
    assert.ok(root.equals(range.root()));
    assert.ok(store.root(100_000).equals(root));
    assert.ok(elapsed < 3000, `took ${elapsed.toFixed(0)} ms`);
  });

  test('appends 10,000 leaves to a 1,000,000-leaf tree from its edge tiles alone, fast, in any batching', () => {
    // The edge of a million-leaf tree: partial tiles 0/3906 (64 wide), 1/15 (66), 2/0 (15). Their
    // content is arbitrary here: appendLeaves trusts edge tiles, which come from our own store.
    const size = 1_000_000;
    const edge = new Map<string, Uint8Array>();
    for (const t of tilesForAppend(size)) edge.set(tileKey(t), Buffer.alloc(t.width * 32, t.level + 1));
    assert.deepEqual(
      tilesForAppend(size).map((t) => [t.level, t.index, t.width]),
      [
        [0, 3906, 64],
        [1, 15, 66],
        [2, 0, 15],
      ],
    );
    const leaves = Array.from({ length: 10_000 }, (_, i) => hashLeaf(Buffer.from(`new ${i}`)));
    appendLeaves(size, edge, leaves.slice(0, 100)); // warm up
    const started = performance.now();
    const once = appendLeaves(size, edge, leaves);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 500, `took ${elapsed.toFixed(0)} ms`);
    assert.equal(once.newSize, 1_010_000);
    // Level 0: 64 + 10,000 hashes = 39 full tiles from 3906, then 3945 with 80; level 1: tile 15 grows from 66 to 105 hashes.
    assert.deepEqual(
      once.tiles.map((t) => [t.level, t.index, t.width]),
      [...Array.from({ length: 39 }, (_, k) => [0, 3906 + k, 256]), [0, 3945, 80], [1, 15, 105]],
    );

    const store = new Map(edge);
    let at = size;
    let last: { root: Buffer; tiles: Tile[] } | undefined;
    for (const b of batchesOf(leaves.length, [1, 999, 3000, 17])) {
      const edgeNow = new Map(
        tilesForAppend(at).map((t) => [tileKey(t), store.get(tileKey(t)) as Uint8Array]),
      );
      last = appendLeaves(at, edgeNow, leaves.slice(at - size, at - size + b));
      for (const t of last.tiles) store.set(tileKey(t), t.data);
      at += b;
    }
    assert.ok(last?.root.equals(once.root));
    for (const t of once.tiles) assert.deepEqual(store.get(tileKey(t)), t.data, tileKey(t));
  });

  test('appending nothing changes nothing', () => {
    const tree = NaiveTree.ofSize(300);
    const store = new TileStore();
    store.append(tree.leaves);
    const result = store.append([]);
    assert.equal(result.newSize, 300);
    assert.deepEqual(result.tiles, []);
    assert.ok(result.root.equals(tree.root(300)));
    assert.deepEqual(appendLeaves(0, new Map(), []), { newSize: 0, root: emptyRoot(), tiles: [] });
  });

  test('reads only the first W hashes of an edge tile served wider than the tree size needs', () => {
    const tree = NaiveTree.ofSize(600);
    const full = new TileStore();
    full.append(tree.leaves);
    const exact = new TileStore();
    exact.append(tree.leaves.slice(0, 300));
    // Edge tile 0/1 holds 44 hashes at size 300; hand over its full version from size 600.
    const wide = exact.subset(tilesForAppend(300)).set('0/1', full.tiles.get('0/1') as Uint8Array);
    assert.equal(wide.get('0/1')?.length, 256 * 32);
    const next = tree.leaves.slice(300, 310);
    const fromWide = appendLeaves(300, wide, next);
    const fromExact = appendLeaves(300, exact.subset(tilesForAppend(300)), next);
    assert.deepEqual(fromWide, fromExact);
    assert.ok(fromWide.root.equals(tree.root(310)));
  });

  test('refuses a missing or too narrow edge tile with MERKLE_TILE_MISSING', () => {
    const tree = NaiveTree.ofSize(300);
    const store = new TileStore();
    store.append(tree.leaves);
    const next = [hashLeaf(Buffer.from('x'))];
    assert.throws(() => appendLeaves(300, new Map(), next), code('MERKLE_TILE_MISSING'));
    const narrow = new Map([['0/1', (store.tiles.get('0/1') as Uint8Array).subarray(0, 43 * 32)]]);
    assert.throws(() => appendLeaves(300, narrow, next), code('MERKLE_TILE_MISSING'));
    // The level-1 edge tile (1/0, width 1) is needed for the root even when level 1 does not grow.
    assert.throws(
      () => appendLeaves(300, store.subset(tilesForAppend(300)).set('1/0', new Uint8Array()), next),
      code('MERKLE_TILE_MISSING'),
    );
  });

  test('refuses malformed tile bytes and leaf hashes that are not 32 bytes', () => {
    const tree = NaiveTree.ofSize(10);
    const store = new TileStore();
    store.append(tree.leaves);
    const edge = store.subset(tilesForAppend(10));
    const ragged = new Map([['0/0', Buffer.concat([edge.get('0/0') as Uint8Array, Buffer.alloc(5)])]]);
    assert.throws(
      () => appendLeaves(10, ragged, [hashLeaf(Buffer.from('x'))]),
      code('MERKLE_INVALID_ARGUMENT'),
    );
    const oversized = new Map([['0/0', Buffer.alloc(257 * 32)]]);
    assert.throws(
      () => appendLeaves(10, oversized, [hashLeaf(Buffer.from('x'))]),
      code('MERKLE_INVALID_ARGUMENT'),
    );
    for (const bad of [Buffer.alloc(31), Buffer.alloc(33), Buffer.alloc(0)]) {
      assert.throws(
        () => appendLeaves(10, edge, [hashLeaf(Buffer.from('x')), bad]),
        code('MERKLE_INVALID_ARGUMENT'),
      );
    }
    assert.throws(() => appendLeaves(-1, edge, []), code('MERKLE_INVALID_ARGUMENT'));
    assert.throws(
      () => appendLeaves(2 ** 53 - 1, edge, [hashLeaf(Buffer.from('x'))]),
      code('MERKLE_INVALID_ARGUMENT'),
    );
  });

  test('does not alias the caller: returned tiles are fresh buffers', () => {
    const leaves = NaiveTree.ofSize(5).leaves;
    const result = appendLeaves(0, new Map(), leaves);
    (leaves[0] as Buffer).fill(0);
    assert.ok(result.tiles[0]?.data.subarray(0, 32).some((b) => b !== 0));
  });
});
