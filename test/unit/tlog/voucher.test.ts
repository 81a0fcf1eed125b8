/** Gateway vouchers: the sequencer trusts a vouched body only under the log's own key. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { crypto, toBase64 } from '../../../libs/core/index.js';
import { createVoucher } from '../../../libs/tlog/index.js';

const logKey = crypto.randomBytes(32);
const otherKey = crypto.randomBytes(32);
const trust = { roots: [], keyHints: [] };
const body = Buffer.from('{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{}}');

describe('gateway vouchers', () => {
  test('a voucher made with the log key checks, and gives back exactly the vouched body', () => {
    const v = createVoucher(logKey, trust).vouch({ kind: 'hashedrekord', body });
    assert.ok(v);
    const back = createVoucher(logKey, trust).check(JSON.parse(JSON.stringify(v)));
    assert.deepEqual(back, { kind: 'hashedrekord', body });
  });

  test('another key, a changed body or kind, a bad MAC and junk do not check', () => {
    const v = createVoucher(logKey, trust).vouch({ kind: 'hashedrekord', body })!;
    const mine = createVoucher(logKey, trust);
    assert.equal(createVoucher(otherKey, trust).check(v), undefined);
    assert.equal(mine.check({ ...v, body: toBase64(Buffer.concat([body, Buffer.from(' ')])) }), undefined);
    assert.equal(mine.check({ ...v, kind: 'dsse' }), undefined);
    const mac = Buffer.from(v.mac, 'base64');
    mac[0] = (mac[0] ?? 0) ^ 1;
    assert.equal(mine.check({ ...v, mac: toBase64(mac) }), undefined);
    assert.equal(mine.check({ ...v, mac: v.mac.slice(0, 10) }), undefined);
    for (const junk of [undefined, null, 'x', 1, {}, { kind: 'hashedrekord' }, { ...v, body: '%%%' }])
      assert.equal(mine.check(junk), undefined);
  });

  test('a gateway verifying with other trust material makes vouchers this sequencer refuses', () => {
    const v = createVoucher(logKey, { roots: [], keyHints: [{ npm: 'keys' }] }).vouch({
      kind: 'hashedrekord',
      body,
    });
    assert.equal(createVoucher(logKey, trust).check(v), undefined);
  });

  test('a submission with an attestation is not vouched (its envelope would ride twice)', () => {
    const att = {
      hash: crypto.sha256(body),
      mediaType: 'application/vnd.dsse.envelope.v1+json',
      content: body,
    };
    assert.equal(createVoucher(logKey, trust).vouch({ kind: 'dsse', body, attestation: att }), undefined);
  });
});
