import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { idxStore } from '../../../libs/db/index.js';

const { MAX_KEY_TEXT_BYTES, boundedText, cleanText, jsonForDb, timestampOrNull } = idxStore;

describe('idx store: text PostgreSQL can hold', () => {
  it('keeps short text as it is and replaces NUL, which text columns cannot hold', () => {
    assert.equal(boundedText('pkg:npm/sigstore@2.3.1'), 'pkg:npm/sigstore@2.3.1');
    assert.equal(cleanText('a\u0000b'), 'a\uFFFDb');
    assert.equal(boundedText('a\u0000b'), 'a\uFFFDb');
  });

  it('bounds long text to a prefix plus the hash of the whole: deterministic, distinct, within a B-tree entry', () => {
    const long = `pkg:generic/${'x'.repeat(5000)}`;
    const other = `${long}y`;
    const a = boundedText(long);
    assert.ok(Buffer.byteLength(a) <= MAX_KEY_TEXT_BYTES);
    assert.ok(a.startsWith('pkg:generic/xxxx'));
    assert.match(a, /…#sha256:[0-9a-f]{64}$/);
    assert.equal(boundedText(long), a);
    assert.notEqual(boundedText(other), a);
  });

  it('never splits a multi-byte character when it cuts', () => {
    const s = '€'.repeat(2000);
    const b = boundedText(s);
    assert.ok(Buffer.byteLength(b) <= MAX_KEY_TEXT_BYTES);
    assert.ok(!b.includes('\uFFFD'));
    assert.equal(Buffer.from(b, 'utf8').toString('utf8'), b);
  });

  it('writes JSON without \\u0000 or lone surrogates (jsonb refuses both), in keys as in values', () => {
    const text = jsonForDb({ 'k\u0000': ['v\u0000', { n: 1 }], lone: '\uDC00x\uD800', pair: '\uD83D\uDE00' });
    assert.ok(!text.includes('\\u0000'));
    assert.ok(!/\\ud[89a-f]/i.test(text));
    assert.deepEqual(JSON.parse(text), {
      'k\uFFFD': ['v\uFFFD', { n: 1 }],
      lone: '\uFFFDx\uFFFD',
      pair: '\uD83D\uDE00',
    });
  });

  it('accepts only times PostgreSQL can store', () => {
    assert.equal(timestampOrNull('2024-01-01T00:00:00+01:00'), '2023-12-31T23:00:00.000Z');
    assert.equal(timestampOrNull('not a time'), null);
    assert.equal(timestampOrNull('+275760-09-13T00:00:00Z'), null);
    assert.equal(timestampOrNull(undefined), null);
  });
});
