/**
 * transparency-dev/merkle's published proof vectors (test/fixtures/merkle/testdata, see
 * test/fixtures/SOURCES.md): every happy vector verifies, every wantErr vector is rejected with a
 * Merkle error code, and the happy proofs are exactly what our generator produces for the RFC 6962
 * reference tree.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isAttestryError } from '../../../libs/core/index.js';
import {
  hashLeaf,
  inclusionProofFromTiles,
  consistencyProofFromTiles,
  tilesForInclusionProof,
  tilesForConsistencyProof,
  verifyConsistency,
  verifyInclusion,
} from '../../../libs/merkle/index.js';
import { TileStore } from './tile-store.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../fixtures/merkle/testdata');

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  leafHash: string;
  root: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}
interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? jsonFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .filter((f) => f.endsWith('.json'))
    .sort();
}

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
const load = <T>(f: string): T => JSON.parse(readFileSync(f, 'utf8')) as T;
const rel = (f: string): string => path.relative(root, f);

/** Our rejection must be one of ours, never a TypeError or the like from malformed input. */
function assertMerkleRejection(fn: () => void): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(
      isAttestryError(e, 'MERKLE_INVALID_ARGUMENT') ||
        isAttestryError(e, 'MERKLE_PROOF_INVALID') ||
        isAttestryError(e, 'MERKLE_ROOT_MISMATCH'),
      `unexpected error: ${String(e)}`,
    );
    return true;
  });
}

// RFC 6962 reference tree used by transparency-dev's vectors (testonly.LeafInputs).
const REFERENCE_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((h) => hashLeaf(Buffer.from(h, 'hex')));

const referenceStore = new TileStore();
referenceStore.append(REFERENCE_LEAVES);

/**
 * One known divergence, on purpose: this vector calls two 12-byte strings ("don't care 2") roots
 * and expects 1 -> 1 consistency to pass. We refuse any root that is not a 32-byte SHA-256 hash,
 * as the brief requires; upstream Go does not check root lengths.
 */
const WRONG_LENGTH_HAPPY_VECTOR = 'consistency/additional/sizes-are-equal-one-and-proof-is-empty.json';

const inclusionFiles = jsonFiles(path.join(root, 'inclusion'));
const consistencyFiles = jsonFiles(path.join(root, 'consistency'));

describe('transparency-dev inclusion vectors', () => {
  test('the corpus holds the 98 files the manifest lists, 6 of them happy paths', () => {
    assert.equal(inclusionFiles.length, 98);
    assert.equal(inclusionFiles.filter((f) => !load<InclusionVector>(f).wantErr).length, 6);
  });

  for (const file of inclusionFiles) {
    const v = load<InclusionVector>(file);
    const args = [v.leafIdx, v.treeSize, b64(v.leafHash), (v.proof ?? []).map(b64), b64(v.root)] as const;
    if (v.wantErr) {
      test(`rejects ${rel(file)} (${v.desc})`, () => assertMerkleRejection(() => verifyInclusion(...args)));
    } else {
      test(`verifies ${rel(file)} (${v.desc})`, () => verifyInclusion(...args));
    }
  }

  test('our proofs from tiles equal every happy vector built on the reference tree', () => {
    let compared = 0;
    for (const file of inclusionFiles) {
      const v = load<InclusionVector>(file);
      const leaf = REFERENCE_LEAVES[v.leafIdx];
      if (v.wantErr || v.treeSize > 8 || leaf === undefined || !leaf.equals(b64(v.leafHash))) continue;
      const tiles = referenceStore.subset(tilesForInclusionProof(v.leafIdx, v.treeSize));
      assert.deepEqual(
        inclusionProofFromTiles(v.leafIdx, v.treeSize, tiles).map((h) => h.toString('base64')),
        v.proof ?? [],
      );
      compared++;
    }
    assert.ok(compared >= 5, `only ${compared} happy vectors were on the reference tree`);
  });
});

describe('transparency-dev consistency vectors', () => {
  test('the corpus holds the 98 files the manifest lists, 6 of them happy paths', () => {
    assert.equal(consistencyFiles.length, 98);
    assert.equal(consistencyFiles.filter((f) => !load<ConsistencyVector>(f).wantErr).length, 6);
  });

  for (const file of consistencyFiles) {
    const v = load<ConsistencyVector>(file);
    const args = [v.size1, v.size2, (v.proof ?? []).map(b64), b64(v.root1), b64(v.root2)] as const;
    if (rel(file) === WRONG_LENGTH_HAPPY_VECTOR) continue;
    if (v.wantErr) {
      test(`rejects ${rel(file)} (${v.desc})`, () => assertMerkleRejection(() => verifyConsistency(...args)));
    } else {
      test(`verifies ${rel(file)} (${v.desc})`, () => verifyConsistency(...args));
    }
  }

  test(`refuses the 12-byte "roots" of ${WRONG_LENGTH_HAPPY_VECTOR} but accepts its case with real hashes`, () => {
    const v = load<ConsistencyVector>(path.join(root, WRONG_LENGTH_HAPPY_VECTOR));
    assert.equal(v.wantErr, false);
    assert.equal(b64(v.root1).length, 12);
    assert.throws(
      () => verifyConsistency(v.size1, v.size2, [], b64(v.root1), b64(v.root2)),
      (e: unknown) => isAttestryError(e, 'MERKLE_INVALID_ARGUMENT'),
    );
    const realRoot = REFERENCE_LEAVES[0] as Buffer;
    verifyConsistency(v.size1, v.size2, [], realRoot, Buffer.from(realRoot));
  });

  test('our proofs from tiles equal every happy vector built on the reference tree', () => {
    let compared = 0;
    for (const file of consistencyFiles) {
      const v = load<ConsistencyVector>(file);
      if (v.wantErr || v.size2 > 8 || v.size1 === 0) continue;
      if (!referenceStore.root(v.size2).equals(b64(v.root2))) continue;
      const tiles = referenceStore.subset(tilesForConsistencyProof(v.size1, v.size2));
      assert.deepEqual(
        consistencyProofFromTiles(v.size1, v.size2, tiles).map((h) => h.toString('base64')),
        v.proof ?? [],
      );
      compared++;
    }
    assert.ok(compared >= 5, `only ${compared} happy vectors were on the reference tree`);
  });
});
