/** C2SP tlog-tiles arithmetic: paths, parsing, widths at a tree size, which tiles a root needs. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isAttestryError } from '../../../libs/core/index.js';
import {
  formatEntryBundlePath,
  formatTilePath,
  parseTilePath,
  tileKey,
  tilesForAppend,
  tilesForRoot,
  tileWidthAt,
  TILE_HEIGHT,
  TILE_WIDTH,
} from '../../../libs/merkle/index.js';

const invalidArgument = (e: unknown): boolean => isAttestryError(e, 'MERKLE_INVALID_ARGUMENT');

describe('tile paths (C2SP tlog-tiles)', () => {
  test('tiles are 8 levels tall and 256 hashes wide', () => {
    assert.equal(TILE_HEIGHT, 8);
    assert.equal(TILE_WIDTH, 256);
  });

  test("encodes the spec's example index 1234067 as x001/x234/067", () => {
    assert.equal(formatTilePath({ level: 0, index: 1234067, width: 256 }), 'tile/0/x001/x234/067');
    assert.equal(formatEntryBundlePath({ index: 1234067, width: 256 }), 'tile/entries/x001/x234/067');
  });

  test('writes small indexes as one zero-padded group and partial tiles with .p/<W>', () => {
    assert.equal(formatTilePath({ level: 0, index: 0, width: 256 }), 'tile/0/000');
    assert.equal(formatTilePath({ level: 2, index: 5, width: 1 }), 'tile/2/005.p/1');
    assert.equal(formatTilePath({ level: 1, index: 999, width: 255 }), 'tile/1/999.p/255');
    assert.equal(formatTilePath({ level: 1, index: 1000, width: 17 }), 'tile/1/x001/000.p/17');
    assert.equal(formatTilePath({ level: 63, index: 1_000_000, width: 256 }), 'tile/63/x001/x000/000');
    assert.equal(formatEntryBundlePath({ index: 273, width: 112 }), 'tile/entries/273.p/112');
  });

  test('parses what it formats', () => {
    assert.deepEqual(parseTilePath('tile/1/x001/x234/067.p/8'), {
      kind: 'tile',
      level: 1,
      index: 1234067,
      width: 8,
    });
    assert.deepEqual(parseTilePath('tile/0/000'), { kind: 'tile', level: 0, index: 0, width: 256 });
    assert.deepEqual(parseTilePath('tile/entries/x001/000'), { kind: 'entries', index: 1000, width: 256 });
    assert.deepEqual(parseTilePath('tile/entries/012.p/255'), { kind: 'entries', index: 12, width: 255 });
  });

  test('property: format then parse is the identity, for tiles and entry bundles', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 63 }),
        fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.maxSafeNat()),
        fc.integer({ min: 1, max: 256 }),
        (level, index, width) => {
          const tilePath = formatTilePath({ level, index, width });
          assert.deepEqual(parseTilePath(tilePath), { kind: 'tile', level, index, width });
          const bundlePath = formatEntryBundlePath({ index, width });
          assert.deepEqual(parseTilePath(bundlePath), { kind: 'entries', index, width });
        },
      ),
      { numRuns: 500 },
    );
  });

  const malformed: Array<[string, string]> = [
    ['', 'empty'],
    ['tile/0', 'no index'],
    ['tile/0/', 'empty index'],
    ['/tile/0/000', 'leading slash'],
    ['tile/0/000/', 'trailing slash'],
    ['tiles/0/000', 'wrong prefix'],
    ['tile/00/000', 'level with a leading zero'],
    ['tile/01/000', 'level with a leading zero'],
    ['tile/64/000', 'level above 63'],
    ['tile/-1/000', 'negative level'],
    ['tile/+1/000', 'signed level'],
    ['tile/x/000', 'level not a number'],
    ['tile/0/0', 'index group not 3 digits'],
    ['tile/0/0000', 'index group of 4 digits'],
    ['tile/0/1', 'index group not zero-padded'],
    ['tile/0/x001', 'last index group with x'],
    ['tile/0/001/234', 'non-last index group without x'],
    ['tile/0/x01/234', 'short x group'],
    ['tile/0/X001/234', 'uppercase X'],
    ['tile/0/x000/001', 'leading zero group (non-canonical)'],
    ['tile/0/x000/x000/000', 'leading zero groups (non-canonical)'],
    ['tile/0/abc', 'index not a number'],
    ['tile/0/-01', 'negative index'],
    ['tile/0/x009/x007/x199/x254/x740/x992/000', 'index above 2^53'],
    ['tile/0/000.p/0', 'width 0'],
    ['tile/0/000.p/256', 'width 256 written as partial'],
    ['tile/0/000.p/300', 'width above 255'],
    ['tile/0/000.p/08', 'width with a leading zero'],
    ['tile/0/000.p/', 'empty width'],
    ['tile/0/000.p', 'partial marker without width'],
    ['tile/0/000.P/8', 'uppercase P'],
    ['tile/0/000.p/8/', 'trailing slash after width'],
    ['tile/0/000.p/8/9', 'extra element after width'],
    ['tile/0/000.q/8', 'unknown suffix'],
    ['tile/0/x001.p/8/002', 'partial marker in the middle'],
    ['tile/0/000 ', 'trailing space'],
    ['tile/0/000\n', 'trailing newline'],
    ['tile//000', 'empty level'],
    ['tile/entries', 'entries without index'],
    ['tile/entries/1', 'entries index not zero-padded'],
    ['tile/entries/000.p/256', 'entries width 256 written as partial'],
    ['tile/data/000', 'sumdb-style data tile'],
    ['tile/8/0/000', 'sumdb-style height element'],
    ['tile/0/٠٠٠', 'non-ASCII digits'],
  ];
  for (const [p, why] of malformed) {
    test(`rejects ${JSON.stringify(p)} (${why})`, () => {
      assert.throws(() => parseTilePath(p), invalidArgument);
    });
  }

  test('refuses to format coordinates no path can name', () => {
    for (const tile of [
      { level: 64, index: 0, width: 256 },
      { level: -1, index: 0, width: 256 },
      { level: 0.5, index: 0, width: 256 },
      { level: 0, index: -1, width: 256 },
      { level: 0, index: 1.5, width: 256 },
      { level: 0, index: 2 ** 53, width: 256 },
      { level: 0, index: 0, width: 0 },
      { level: 0, index: 0, width: 257 },
    ]) {
      assert.throws(() => formatTilePath(tile), invalidArgument, JSON.stringify(tile));
    }
  });

  test('keys tiles by level and index, not width', () => {
    assert.equal(tileKey({ level: 2, index: 1234 }), '2/1234');
    assert.equal(tileKey({ level: 0, index: 5, width: 7 } as { level: number; index: number }), '0/5');
  });
});

describe('tile widths at a tree size', () => {
  test("the spec's example: size 70,000 has 273 full level-0 tiles, then partial tiles of 112, 17 and 1", () => {
    assert.equal(tileWidthAt(0, 272, 70_000), 256);
    assert.equal(tileWidthAt(0, 273, 70_000), 112);
    assert.equal(tileWidthAt(0, 274, 70_000), 0);
    assert.equal(tileWidthAt(1, 0, 70_000), 256);
    assert.equal(tileWidthAt(1, 1, 70_000), 17);
    assert.equal(tileWidthAt(2, 0, 70_000), 1);
    assert.equal(tileWidthAt(3, 0, 70_000), 0);
    assert.deepEqual(tilesForAppend(70_000), [
      { level: 0, index: 273, width: 112 },
      { level: 1, index: 1, width: 17 },
      { level: 2, index: 0, width: 1 },
    ]);
  });

  test("the spec's example: size 256 is one full level-0 tile and a level-1 tile of width 1", () => {
    assert.equal(tileWidthAt(0, 0, 256), 256);
    assert.equal(tileWidthAt(0, 1, 256), 0);
    assert.deepEqual(tilesForAppend(256), [{ level: 1, index: 0, width: 1 }]);
  });

  test('an empty tree has no tiles', () => {
    assert.deepEqual(tilesForAppend(0), []);
    assert.deepEqual(tilesForRoot(0), []);
  });

  test('property: the partial width at level L is floor(size / 256^L) mod 256, and full tiles precede it', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (size) => {
        const edge = tilesForAppend(size);
        for (let level = 0; level <= 6; level++) {
          const count = Math.floor(size / 256 ** level);
          const width = count % 256;
          const index = Math.floor(count / 256);
          assert.equal(tileWidthAt(level, index, size), width);
          if (index > 0) assert.equal(tileWidthAt(level, index - 1, size), 256);
          const onEdge = edge.find((t) => t.level === level);
          assert.deepEqual(onEdge, width === 0 ? undefined : { level, index, width });
        }
      }),
      { numRuns: 300 },
    );
  });

  test('property: a root needs exactly the right-edge partial tiles an append needs', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 200_000 }), fc.maxSafeNat()), (size) => {
        assert.deepEqual(tilesForRoot(size), tilesForAppend(size));
      }),
      { numRuns: 300 },
    );
  });

  test('refuses sizes that are not non-negative safe integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53, Infinity]) {
      assert.throws(() => tilesForAppend(bad), invalidArgument, String(bad));
      assert.throws(() => tilesForRoot(bad), invalidArgument, String(bad));
      assert.throws(() => tileWidthAt(0, 0, bad), invalidArgument, String(bad));
    }
  });
});
