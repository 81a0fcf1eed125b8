/** A sequencer appends to an existing log only when the log's last checkpoint is its own. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AttestryError, crypto } from '../../../libs/core/index.js';
import { checkCheckpointSigners, logSigners, signCheckpoint } from '../../../libs/tlog/index.js';

const origin = 'attestry.test/log';
const keys = () => ({
  ed25519: crypto.generateKeyPair('ed25519').privateKey,
  ecdsa: crypto.generateKeyPair('ecdsa-p256').privateKey,
});
const mine = keys();
const other = keys();
const root = Buffer.alloc(32, 7);
const note = (signers = logSigners(origin, mine), o = origin) => signCheckpoint(o, 12, root, signers);

function refused(fn: () => void, why: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AttestryError);
    assert.equal(e.code, 'LOG_KEY_MISMATCH');
    assert.match(e.message, why);
    assert.match(e.message, /refusing to append/);
    return true;
  });
}

describe('checkCheckpointSigners', () => {
  test('a checkpoint signed by both of our keys under our origin passes', () => {
    checkCheckpointSigners(note(), origin, logSigners(origin, mine));
  });

  test('a log signed by other keys is refused, naming the keys found and expected', () => {
    const signers = logSigners(origin, mine);
    try {
      checkCheckpointSigners(note(logSigners(origin, other)), origin, signers);
      assert.fail('accepted');
    } catch (e) {
      assert.ok(e instanceof AttestryError && e.code === 'LOG_KEY_MISMATCH');
      const d = e.details as { expected: string[]; found: string[] };
      assert.equal(d.expected.length, 2);
      assert.equal(d.found.length, 2);
      assert.equal(d.found.filter((f) => d.expected.includes(f)).length, 0, 'none of the keys found is ours');
    }
  });

  test('another origin, or only one of our two keys, is refused', () => {
    const signers = logSigners(origin, mine);
    refused(() => checkCheckpointSigners(note(), 'attestry.test/another', signers), /origin/);
    // Our Ed25519 key with someone else's ECDSA key: half a match is a mismatch.
    const half = logSigners(origin, { ed25519: mine.ed25519, ecdsa: other.ecdsa });
    refused(() => checkCheckpointSigners(note(half), origin, signers), /no signature by/);
  });

  test('a tampered checkpoint or junk is refused, not trusted', () => {
    const signers = logSigners(origin, mine);
    const n = note();
    refused(
      () => checkCheckpointSigners(n.replace('\n12\n', '\n13\n'), origin, signers),
      /invalid signature/,
    );
    refused(() => checkCheckpointSigners('not a note', origin, signers), /./);
  });
});
