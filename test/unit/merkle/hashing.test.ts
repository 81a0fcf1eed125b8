/**
 * RFC 6962 / RFC 9162 §2.1.1 hashing and tree heads, on the published reference tree
 * (transparency-dev/merkle testonly: LeafInputs, NodeHashes, RootHashes).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isAttestryError } from '../../../libs/core/index.js';
import {
  CompactRange,
  emptyRoot,
  hashChildren,
  hashLeaf,
  rootFromLeafHashes,
} from '../../../libs/merkle/index.js';
import { NaiveTree } from './naive-tree.js';

const hex = (h: Uint8Array): string => Buffer.from(h).toString('hex');

const LEAF_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const LEAF_HASHES = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
  '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
  '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
  'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
  'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
  '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
];
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

const leafHashes = LEAF_INPUTS.map((h) => hashLeaf(Buffer.from(h, 'hex')));

describe('RFC 6962 hashing', () => {
  test('hashLeaf prefixes 0x00 and matches the reference leaf hashes', () => {
    assert.deepEqual(leafHashes.map(hex), LEAF_HASHES);
  });

  test('hashChildren prefixes 0x01 and matches the reference level-1 node', () => {
    assert.equal(
      hex(hashChildren(leafHashes[0] as Buffer, leafHashes[1] as Buffer)),
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    );
  });

  test('the empty tree head is SHA-256 of the empty string', () => {
    assert.equal(hex(emptyRoot()), ROOTS[0]);
  });

  test('rootFromLeafHashes gives the reference root for every size 0..8', () => {
    for (let n = 0; n <= 8; n++)
      assert.equal(hex(rootFromLeafHashes(leafHashes.slice(0, n))), ROOTS[n], `size ${n}`);
  });

  test('a leaf and an interior node over the same bytes never collide (domain separation)', () => {
    const l = leafHashes[0] as Buffer;
    const r = leafHashes[1] as Buffer;
    assert.notEqual(hex(hashLeaf(Buffer.concat([l, r]))), hex(hashChildren(l, r)));
  });
});

describe('CompactRange', () => {
  test('gives the reference root after each append, sizes 0..8', () => {
    const range = new CompactRange();
    assert.equal(hex(range.root()), ROOTS[0]);
    leafHashes.forEach((h, i) => {
      range.append(h);
      assert.equal(range.size, i + 1);
      assert.equal(hex(range.root()), ROOTS[i + 1]);
    });
  });

  test('keeps one node per set bit of the size (O(log n) memory)', () => {
    const range = new CompactRange();
    const tree = NaiveTree.ofSize(1000);
    range.appendAll(tree.leaves);
    // 1000 = 512 + 256 + 128 + 64 + 32 + 8: the perfect subtrees, left to right.
    const expected = [
      [0, 512],
      [512, 768],
      [768, 896],
      [896, 960],
      [960, 992],
      [992, 1000],
    ].map(([a, b]) => hex(tree.mth(a as number, b as number)));
    assert.deepEqual(range.nodes().map(hex), expected);
  });

  test('agrees with the recursive definition at every size up to 600, in one pass', () => {
    const tree = NaiveTree.ofSize(600, 'compact');
    const range = new CompactRange();
    tree.leaves.forEach((h, i) => {
      range.append(h);
      assert.equal(hex(range.root()), hex(tree.root(i + 1)), `size ${i + 1}`);
    });
  });

  test('property: appending in arbitrary batches gives the root of the recursive definition', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 70 }), { maxLength: 30 }), (batches) => {
        const total = batches.reduce((a, b) => a + b, 0);
        const tree = NaiveTree.ofSize(total, 'batches');
        const range = new CompactRange();
        let at = 0;
        for (const b of batches) {
          range.appendAll(tree.leaves.slice(at, at + b));
          at += b;
          assert.equal(hex(range.root()), hex(at === 0 ? emptyRoot() : tree.root(at)));
        }
      }),
      { numRuns: 50 },
    );
  });

  test('refuses a leaf hash that is not 32 bytes, and stays unchanged', () => {
    const range = new CompactRange();
    range.append(leafHashes[0] as Buffer);
    for (const bad of [Buffer.alloc(31), Buffer.alloc(33), Buffer.alloc(0)]) {
      assert.throws(
        () => range.append(bad),
        (e: unknown) => isAttestryError(e, 'MERKLE_INVALID_ARGUMENT'),
      );
    }
    assert.equal(range.size, 1);
    assert.equal(hex(range.root()), ROOTS[1]);
  });

  test('returns copies: mutating a returned root or node does not change the range', () => {
    const range = new CompactRange();
    range.appendAll(leafHashes.slice(0, 3));
    range.root().fill(0);
    (range.nodes()[0] as Buffer).fill(0);
    assert.equal(hex(range.root()), ROOTS[3]);
  });
});
