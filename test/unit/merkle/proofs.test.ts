/**
 * Inclusion and consistency proofs computed from tiles, checked against the recursive RFC 9162
 * definitions (naive-tree.ts), verified, and tampered with.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isAttestryError } from '../../../libs/core/index.js';
import {
  consistencyProof,
  consistencyProofFromTiles,
  inclusionProof,
  inclusionProofFromTiles,
  tileKey,
  tilesForConsistencyProof,
  tilesForInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from '../../../libs/merkle/index.js';
import { formula, NaiveTree, pathRanges, proofRanges } from './naive-tree.js';
import { TileStore } from './tile-store.js';

const LARGE_SIZES = [65_536, 65_537, 70_000, 131_071];

interface Built {
  tree: NaiveTree;
  store: TileStore;
}
const cache = new Map<number, Built>();
/** A tree of n leaves and its tiles, appended in batches of 1,000 (cached: large ones are reused). */
function buildTree(n: number): Built {
  let b = cache.get(n);
  if (b === undefined) {
    const tree = NaiveTree.ofSize(n, `tree${n}`);
    const store = new TileStore();
    for (let i = 0; i < n; i += 1000) store.append(tree.leaves.slice(i, i + 1000));
    b = { tree, store };
    cache.set(n, b);
  }
  return b;
}

const code = (c: string) => (e: unknown) => isAttestryError(e, c as never);

function accepts(fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    assert.ok(isAttestryError(e), `verification threw a non-Attestry error: ${String(e)}`);
    return false;
  }
}

function flipBit(h: Uint8Array, bit: number): Buffer {
  const out = Buffer.from(h);
  out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
  return out;
}

function flipNumberBit(n: number, bit: number): number {
  const p = 2 ** bit;
  return Math.floor(n / p) % 2 === 1 ? n - p : n + p;
}

/** What a correct verifier recomputes for an inclusion claim, or null if it must refuse the claim. */
function inclusionShape(index: number, size: number): { length: number; root: string } | null {
  if (!Number.isSafeInteger(size) || index >= size) return null;
  const ranges = pathRanges(index, size);
  const tokens = new Map(ranges.map(([a, b], j) => [`${a}:${b}`, `p${j}`]));
  tokens.set(`${index}:${index + 1}`, 'L');
  return { length: ranges.length, root: formula(0, size, tokens) };
}

/** Same for a consistency claim; R1 stands for the old root the verifier is given. */
function consistencyShape(
  size1: number,
  size2: number,
): { length: number; root1: string; root2: string } | null {
  if (!Number.isSafeInteger(size2) || size1 === 0 || size1 > size2) return null;
  const ranges = proofRanges(size1, size2);
  const tokens = new Map(ranges.map(([a, b], j) => [`${a}:${b}`, `p${j}`]));
  if (!tokens.has(`0:${size1}`)) tokens.set(`0:${size1}`, 'R1');
  return { length: ranges.length, root1: formula(0, size1, tokens), root2: formula(0, size2, tokens) };
}

function sameInclusionShape(
  a: ReturnType<typeof inclusionShape>,
  b: ReturnType<typeof inclusionShape>,
): boolean {
  return a !== null && b !== null && a.length === b.length && a.root === b.root;
}

function sameConsistencyShape(
  genuine: NonNullable<ReturnType<typeof consistencyShape>>,
  claimed: ReturnType<typeof consistencyShape>,
): boolean {
  if (claimed === null || claimed.length !== genuine.length) return false;
  // In the claimed computation R1 is the value of the genuine old root.
  const sub = (f: string): string => f.replaceAll('R1', genuine.root1);
  return sub(claimed.root1) === genuine.root1 && sub(claimed.root2) === genuine.root2;
}

describe('proofs from tiles, exhaustively on small trees', () => {
  test('every inclusion and consistency proof of every tree of size 1..90 equals the RFC definition and verifies', () => {
    const tree = NaiveTree.ofSize(90, 'small');
    const store = new TileStore();
    for (let n = 1; n <= 90; n++) {
      store.append([tree.leaves[n - 1] as Buffer]);
      const root = tree.root(n);
      assert.ok(store.root(n).equals(root), `root at ${n}`);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProofFromTiles(i, n, store.subset(tilesForInclusionProof(i, n)));
        assert.deepEqual(proof, tree.inclusionProof(i, n), `inclusion ${i} in ${n}`);
        verifyInclusion(i, n, tree.leaves[i] as Buffer, proof, root);
      }
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProofFromTiles(m, n, store.subset(tilesForConsistencyProof(m, n)));
        assert.deepEqual(proof, tree.consistencyProof(m, n), `consistency ${m} -> ${n}`);
        verifyConsistency(m, n, proof, tree.root(m), root);
      }
    }
  });
});

describe('proofs from tiles, random trees', () => {
  const sizeArb = fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 1, max: 2000 }) },
    { weight: 1, arbitrary: fc.constantFrom(...LARGE_SIZES) },
  );
  // A tree of n leaves, a size s <= n to prove at (tiles at n are longer than needed at s),
  // and sampled leaf indexes / old sizes below s.
  const caseArb = sizeArb.chain((n) =>
    fc.integer({ min: 1, max: n }).chain((s) =>
      fc.record({
        n: fc.constant(n),
        s: fc.oneof(fc.constant(n), fc.constant(s)),
        indexes: fc.array(fc.integer({ min: 0, max: s - 1 }), { minLength: 1, maxLength: 12 }),
        olds: fc.array(fc.integer({ min: 1, max: s }), { minLength: 1, maxLength: 12 }),
      }),
    ),
  );

  test('property: inclusion proofs equal the RFC definition and verify against the recursive root', () => {
    fc.assert(
      fc.property(caseArb, ({ n, s, indexes }) => {
        const { tree, store } = buildTree(n);
        const root = tree.root(s);
        assert.ok(store.root(s).equals(root));
        for (const i of [...indexes, 0, s - 1]) {
          const proof = inclusionProofFromTiles(i, s, store.subset(tilesForInclusionProof(i, s)));
          assert.deepEqual(proof, tree.inclusionProof(i, s));
          verifyInclusion(i, s, tree.leaves[i] as Buffer, proof, root);
        }
      }),
      { numRuns: 60 },
    );
  });

  test('property: consistency proofs equal the RFC definition and verify against the recursive roots', () => {
    fc.assert(
      fc.property(caseArb, ({ n, s, olds }) => {
        const { tree, store } = buildTree(n);
        for (const m of [...olds, 1, s]) {
          const proof = consistencyProofFromTiles(m, s, store.subset(tilesForConsistencyProof(m, s)));
          assert.deepEqual(proof, tree.consistencyProof(m, s));
          verifyConsistency(m, s, proof, tree.root(m), tree.root(s));
        }
      }),
      { numRuns: 60 },
    );
  });

  test('property: every tile tilesFor* names is needed; without it the proof fails with MERKLE_TILE_MISSING', () => {
    fc.assert(
      fc.property(caseArb, ({ n, s, indexes, olds }) => {
        const { store } = buildTree(n);
        const i = indexes[0] as number;
        const m = olds[0] as number;
        const cases: Array<
          [ReturnType<typeof tilesForInclusionProof>, (t: Map<string, Uint8Array>) => unknown]
        > = [
          [tilesForInclusionProof(i, s), (t) => inclusionProofFromTiles(i, s, t)],
          [tilesForConsistencyProof(m, s), (t) => consistencyProofFromTiles(m, s, t)],
        ];
        for (const [coords, compute] of cases) {
          for (const c of coords) {
            const tiles = store.subset(coords);
            tiles.delete(tileKey(c));
            assert.throws(() => compute(tiles), code('MERKLE_TILE_MISSING'));
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  test('an inclusion proof needs O(log n) tiles: at most two per level', () => {
    const { store } = buildTree(131_071);
    for (const i of [0, 255, 256, 65_535, 65_536, 100_000, 131_070]) {
      const coords = tilesForInclusionProof(i, 131_071);
      for (let level = 0; level < 3; level++) {
        assert.ok(coords.filter((c) => c.level === level).length <= 2, `index ${i}, level ${level}`);
      }
      assert.equal(store.subset(coords).size, coords.length);
    }
  });
});

describe('tampering', () => {
  // Trees of every size up to 1,500 as prefixes of one tree, served from its tiles at 1,500.
  const { tree, store } = buildTree(1500);
  const arb = fc.integer({ min: 1, max: 1500 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      i: fc.integer({ min: 0, max: n - 1 }),
      m: fc.integer({ min: 1, max: n }),
    }),
  );

  test('property: flipping any bit of an inclusion proof hash, the leaf hash or the root is rejected', () => {
    fc.assert(
      fc.property(arb, fc.nat(), fc.integer({ min: 0, max: 255 }), ({ n, i }, pick, bit) => {
        const leaf = tree.leaves[i] as Buffer;
        const root = tree.root(n);
        const proof = inclusionProofFromTiles(i, n, store.subset(tilesForInclusionProof(i, n)));
        const mismatch = code('MERKLE_ROOT_MISMATCH');
        if (proof.length > 0) {
          const j = pick % proof.length;
          const bad = proof.map((p, k) => (k === j ? flipBit(p, bit) : p));
          assert.throws(() => verifyInclusion(i, n, leaf, bad, root), mismatch);
        }
        assert.throws(() => verifyInclusion(i, n, flipBit(leaf, bit), proof, root), mismatch);
        assert.throws(() => verifyInclusion(i, n, leaf, proof, flipBit(root, bit)), mismatch);
      }),
      { numRuns: 300 },
    );
  });

  test('property: flipping any bit of a consistency proof hash or either root is rejected', () => {
    fc.assert(
      fc.property(arb, fc.nat(), fc.integer({ min: 0, max: 255 }), ({ n, m }, pick, bit) => {
        const [r1, r2] = [tree.root(m), tree.root(n)];
        const proof = consistencyProofFromTiles(m, n, store.subset(tilesForConsistencyProof(m, n)));
        const mismatch = code('MERKLE_ROOT_MISMATCH');
        if (proof.length > 0) {
          const j = pick % proof.length;
          const bad = proof.map((p, k) => (k === j ? flipBit(p, bit) : p));
          assert.throws(() => verifyConsistency(m, n, bad, r1, r2), mismatch);
        }
        assert.throws(() => verifyConsistency(m, n, proof, flipBit(r1, bit), r2), mismatch);
        assert.throws(() => verifyConsistency(m, n, proof, r1, flipBit(r2, bit)), mismatch);
      }),
      { numRuns: 300 },
    );
  });

  test('property: flipping a bit of the index or size is rejected unless no verifier could tell the claims apart', () => {
    let indistinguishable = 0;
    let rejected = 0;
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 52 }), fc.boolean(), ({ n, i }, bit, flipSize) => {
        const proof = inclusionProofFromTiles(i, n, store.subset(tilesForInclusionProof(i, n)));
        const [i2, n2] = flipSize ? [i, flipNumberBit(n, bit)] : [flipNumberBit(i, bit), n];
        const ok = accepts(() => verifyInclusion(i2, n2, tree.leaves[i] as Buffer, proof, tree.root(n)));
        const expected = sameInclusionShape(inclusionShape(i, n), inclusionShape(i2, n2));
        assert.equal(ok, expected, `index ${i} size ${n} claimed as index ${i2} size ${n2}`);
        if (ok) indistinguishable++;
        else rejected++;
      }),
      { numRuns: 1000 },
    );
    // Both outcomes occur, so the oracle is exercised both ways; most flips are plainly rejected.
    assert.ok(rejected > 700, `only ${rejected} flips were rejected`);
    assert.ok(indistinguishable > 0);
  });

  test('property: flipping a bit of either size of a consistency proof is rejected unless indistinguishable', () => {
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 52 }), fc.boolean(), ({ n, m }, bit, flipNew) => {
        const proof = consistencyProofFromTiles(m, n, store.subset(tilesForConsistencyProof(m, n)));
        const [m2, n2] = flipNew ? [m, flipNumberBit(n, bit)] : [flipNumberBit(m, bit), n];
        const ok = accepts(() => verifyConsistency(m2, n2, proof, tree.root(m), tree.root(n)));
        const genuine = consistencyShape(m, n);
        assert.ok(genuine !== null);
        assert.equal(
          ok,
          sameConsistencyShape(genuine, consistencyShape(m2, n2)),
          `${m}->${n} claimed as ${m2}->${n2}`,
        );
      }),
      { numRuns: 1000 },
    );
  });

  test('a proof alone does not bind the tree size, the checkpoint does: leaf 0 of 6 also passes as of 5, 7 and 8', () => {
    // RFC 9162 §2.1.3.2 cannot tell MTH(D[4:6]) from MTH(D[4:5]), MTH(D[4:7]) or MTH(D[4:8]): all three
    // proofs are [leaf 1, MTH(D[2:4]), <one right sibling>]. The signed tree head is what fixes the
    // size. The oracle above accepts exactly such cases; this pins them down.
    const { tree, store } = buildTree(6);
    const leaf = tree.leaves[0] as Buffer;
    const proof = inclusionProofFromTiles(0, 6, store.subset(tilesForInclusionProof(0, 6)));
    for (const size of [5, 7, 8]) verifyInclusion(0, size, leaf, proof, tree.root(6));
    for (const size of [4, 9]) {
      assert.throws(() => verifyInclusion(0, size, leaf, proof, tree.root(6)), code('MERKLE_PROOF_INVALID'));
    }
  });
});

describe('argument rules (transparency-dev strictness)', () => {
  const { tree } = buildTree(8);
  const leaf = tree.leaves[0] as Buffer;
  const root = tree.root(8);
  const proof = tree.inclusionProof(0, 8);

  test('refuses an inclusion index at or beyond the tree size, and size 0', () => {
    assert.throws(() => verifyInclusion(8, 8, leaf, proof, root), code('MERKLE_INVALID_ARGUMENT'));
    assert.throws(() => verifyInclusion(0, 0, leaf, [], root), code('MERKLE_INVALID_ARGUMENT'));
    assert.throws(() => tilesForInclusionProof(8, 8), code('MERKLE_INVALID_ARGUMENT'));
  });

  test('refuses negative, fractional and unsafe indexes and sizes', () => {
    for (const bad of [-1, 0.5, Number.NaN, 2 ** 53, Infinity]) {
      assert.throws(() => verifyInclusion(bad, 8, leaf, proof, root), code('MERKLE_INVALID_ARGUMENT'));
      assert.throws(() => verifyInclusion(0, bad, leaf, proof, root), code('MERKLE_INVALID_ARGUMENT'));
      assert.throws(() => verifyConsistency(bad, 8, [], root, root), code('MERKLE_INVALID_ARGUMENT'));
      assert.throws(() => verifyConsistency(1, bad, [], root, root), code('MERKLE_INVALID_ARGUMENT'));
    }
  });

  test('refuses leaf and root hashes that are not 32 bytes', () => {
    for (const bad of [Buffer.alloc(0), Buffer.alloc(31), Buffer.concat([root, Buffer.alloc(1)])]) {
      assert.throws(() => verifyInclusion(0, 8, bad, proof, root), code('MERKLE_INVALID_ARGUMENT'));
      assert.throws(() => verifyInclusion(0, 8, leaf, proof, bad), code('MERKLE_INVALID_ARGUMENT'));
      assert.throws(
        () => verifyConsistency(4, 8, tree.consistencyProof(4, 8), bad, root),
        code('MERKLE_INVALID_ARGUMENT'),
      );
      assert.throws(
        () => verifyConsistency(4, 8, tree.consistencyProof(4, 8), tree.root(4), bad),
        code('MERKLE_INVALID_ARGUMENT'),
      );
    }
  });

  test('refuses proofs one hash too long or too short, or with an element of the wrong length', () => {
    assert.throws(() => verifyInclusion(0, 8, leaf, proof.slice(1), root), code('MERKLE_PROOF_INVALID'));
    assert.throws(() => verifyInclusion(0, 8, leaf, [...proof, root], root), code('MERKLE_PROOF_INVALID'));
    assert.throws(
      () =>
        verifyInclusion(
          0,
          8,
          leaf,
          [proof[0] as Buffer, proof[1] as Buffer, (proof[2] as Buffer).subarray(1)],
          root,
        ),
      code('MERKLE_PROOF_INVALID'),
    );
    const c = tree.consistencyProof(3, 8);
    assert.throws(
      () => verifyConsistency(3, 8, c.slice(1), tree.root(3), root),
      code('MERKLE_PROOF_INVALID'),
    );
    assert.throws(
      () => verifyConsistency(3, 8, [...c, root], tree.root(3), root),
      code('MERKLE_PROOF_INVALID'),
    );
  });

  test('refuses consistency from size 0 (even 0 -> 0), and size1 > size2', () => {
    const empty = Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex');
    assert.throws(() => verifyConsistency(0, 0, [], empty, empty), code('MERKLE_INVALID_ARGUMENT'));
    assert.throws(() => verifyConsistency(0, 8, [], empty, root), code('MERKLE_INVALID_ARGUMENT'));
    assert.throws(() => verifyConsistency(8, 4, [], root, tree.root(4)), code('MERKLE_INVALID_ARGUMENT'));
    assert.throws(() => tilesForConsistencyProof(0, 8), code('MERKLE_INVALID_ARGUMENT'));
    assert.throws(() => tilesForConsistencyProof(5, 4), code('MERKLE_INVALID_ARGUMENT'));
  });

  test('equal sizes need an empty proof and equal roots', () => {
    verifyConsistency(5, 5, [], tree.root(5), Buffer.from(tree.root(5)));
    assert.deepEqual(tilesForConsistencyProof(5, 5), []);
    assert.throws(
      () => verifyConsistency(5, 5, [root], tree.root(5), tree.root(5)),
      code('MERKLE_PROOF_INVALID'),
    );
    assert.throws(() => verifyConsistency(5, 5, [], tree.root(5), root), code('MERKLE_ROOT_MISMATCH'));
  });

  test('generation takes any node source: a reader that answers from the recursive definition', () => {
    const readNode = (level: number, index: number): Buffer =>
      tree.mth(index * 2 ** level, (index + 1) * 2 ** level);
    assert.deepEqual(inclusionProof(5, 7, readNode), tree.inclusionProof(5, 7));
    assert.deepEqual(consistencyProof(3, 7, readNode), tree.consistencyProof(3, 7));
  });
});
