/** The voucher secret: made once, shared through the keys folder, never one of the log's keys. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { crypto } from '../../../libs/core/index.js';
import { loadLogKeys, loadVoucherSecret } from '../../../libs/logkeys/index.js';

describe('loadVoucherSecret', () => {
  test('makes 32 random bytes once (mode 0600) and gives every later caller the same', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'attestry-voucher-'));
    const a = loadVoucherSecret({ ATTESTRY_HOME: home });
    const b = loadVoucherSecret({ ATTESTRY_HOME: home });
    assert.equal(a.length, 32);
    assert.deepEqual(a, b);
    const file = path.join(home, 'keys', 'voucher.secret');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8'), a.toString('hex'));
    // Another home, another secret; and it is not derived from the log's keys.
    assert.notDeepEqual(loadVoucherSecret({ ATTESTRY_HOME: mkdtempSync(path.join(os.tmpdir(), 'v-')) }), a);
    const keys = loadLogKeys({ dir: path.join(home, 'keys') });
    assert.notDeepEqual(crypto.ed25519Seed(keys.ed25519.privateKey), a);
  });

  test('VOUCHER_SECRET_FILE names a copy; a malformed one is refused', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'attestry-voucher-'));
    const file = path.join(dir, 'copy');
    const secret = crypto.randomBytes(32);
    writeFileSync(file, `${secret.toString('hex')}\n`);
    assert.deepEqual(loadVoucherSecret({ ATTESTRY_HOME: '/nonexistent', VOUCHER_SECRET_FILE: file }), secret);
    writeFileSync(file, 'not hex');
    assert.throws(
      () => loadVoucherSecret({ ATTESTRY_HOME: '/nonexistent', VOUCHER_SECRET_FILE: file }),
      /not 64 hex digits/,
    );
  });
});
