import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { crypto, isAttestryError } from '../../../libs/core/index.js';
import {
  MAX_NOTE_SIGNATURES,
  createEd25519Signer,
  formatNote,
  openNote,
  parseNote,
  parseVerifierKey,
  signNote,
  type NoteSignature,
} from '../../../libs/note/index.js';
import { codeOf, readJsonFixture } from './helpers.js';

interface NoteVector {
  id: string;
  vkeys: string[];
  note: string;
  expectVerifiedBy?: string[];
  expectUnverified?: string[];
  expectError?: string;
}

const vectors = readJsonFixture<{ vectors: NoteVector[] }>('checkpoints/signed-note-vectors.json').vectors;

/** The error each failing vector must raise, by vector id (the vectors give Go's messages). */
const EXPECTED_ERROR_CODE: Record<string, string> = {
  'go-sumdb-no-trusted-key': 'NOTE_NO_KNOWN_SIGNATURE',
  'go-sumdb-corrupted-signature': 'NOTE_SIGNATURE_INVALID',
  'go-sumdb-malformed-no-signature-block': 'NOTE_MALFORMED',
  'go-sumdb-malformed-trailing-line': 'NOTE_MALFORMED',
  'go-sumdb-malformed-missing-final-newline': 'NOTE_MALFORMED',
  'rekor-prod-checkpoint-wrong-key-name': 'NOTE_NO_KNOWN_SIGNATURE',
  // The corruption starts in the first base64 characters, so the key ID (4c8212fc) no longer
  // names the Rekor key: the signature is from an unknown key, and no known one remains.
  'rekor-prod-checkpoint-bad-signature': 'NOTE_NO_KNOWN_SIGNATURE',
  'c2sp-tlog-checkpoint-example-parse-only': 'NOTE_NO_KNOWN_SIGNATURE',
};

const peterVkey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const peterNote = vectors.find((v) => v.id === 'go-sumdb-peter')?.note ?? '';
const peterSignatureLine = peterNote.slice(peterNote.indexOf('\u2014'));

describe('signed-note vectors (C2SP, golang.org/x/mod/sumdb/note, transparency-dev/formats)', () => {
  it('covers every failing vector with an expected code', () => {
    for (const v of vectors) if (v.expectError !== undefined) assert.ok(v.id in EXPECTED_ERROR_CODE, v.id);
    assert.ok(vectors.length >= 14);
  });

  for (const v of vectors) {
    if (v.expectError === undefined) {
      it(`opens ${v.id}, verified by ${(v.expectVerifiedBy ?? []).join(', ')}`, () => {
        const opened = openNote(v.note, v.vkeys.map(parseVerifierKey));
        assert.deepEqual(opened.verified.map((s) => s.name).sort(), [...(v.expectVerifiedBy ?? [])].sort());
        assert.deepEqual(opened.unverified.map((s) => s.name).sort(), [...(v.expectUnverified ?? [])].sort());
        assert.equal(opened.text, v.note.slice(0, v.note.lastIndexOf('\n\n') + 1));
      });
    } else {
      it(`rejects ${v.id} with ${EXPECTED_ERROR_CODE[v.id]}`, () => {
        assert.equal(
          codeOf(() => openNote(v.note, v.vkeys.map(parseVerifierKey))),
          EXPECTED_ERROR_CODE[v.id],
        );
      });
    }
  }

  it('formats every well-formed vector back to the same bytes', () => {
    for (const v of vectors) {
      if (EXPECTED_ERROR_CODE[v.id] === 'NOTE_MALFORMED') continue;
      assert.equal(formatNote(parseNote(v.note)), v.note, v.id);
    }
  });

  it('accepts the note as UTF-8 bytes as well as a string', () => {
    const opened = openNote(Buffer.from(peterNote, 'utf8'), [parseVerifierKey(peterVkey)]);
    assert.deepEqual(
      opened.verified.map((s) => s.name),
      ['PeterNeumann'],
    );
  });
});

describe('parseNote (C2SP signed-note §Format)', () => {
  it('separates the text from the signatures at the last blank line (spec example)', () => {
    const example =
      'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n' +
      '\u2014 quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n';
    const note = parseNote(example);
    assert.equal(
      note.text,
      'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n',
    );
    assert.equal(note.signatures.length, 1);
    assert.equal(note.signatures[0]?.name, 'quasimodo.example/salvatore');
    assert.equal(note.signatures[0]?.keyId, 0x367ba04b);
    assert.equal(note.signatures[0]?.signature.length, 64);
  });

  it('keeps lines that look like signatures above the last blank line in the text', () => {
    const text = `header\n\n${peterSignatureLine}`;
    const note = parseNote(`${text}\n${peterSignatureLine}`);
    assert.equal(note.text, text);
    assert.equal(note.signatures.length, 1);
  });

  const malformed: [string, string | Uint8Array][] = [
    ['a text without a blank line before the signatures', 'text\n' + peterSignatureLine],
    ['no signature lines', 'text\n\n'],
    ['only a blank line', '\n\n'],
    ['an empty input', ''],
    ['a missing final newline', peterNote.slice(0, -1)],
    ['a line after the signatures that is not a signature', `${peterNote}trailer\n`],
    ['an en dash instead of an em dash', peterNote.replace('\u2014', '\u2013')],
    ['a hyphen instead of an em dash', peterNote.replace('\u2014', '-')],
    ['no space after the em dash', peterNote.replace('\u2014 ', '\u2014')],
    ['two spaces after the em dash (empty key name)', peterNote.replace('\u2014 ', '\u2014  ')],
    ['a key name with a plus sign', peterNote.replace('PeterNeumann', 'Peter+Neumann')],
    ['a key name with a no-break space', peterNote.replace('PeterNeumann', 'Peter\u00a0Neumann')],
    ['a key name with an ideographic space', peterNote.replace('PeterNeumann', 'Peter\u3000Neumann')],
    ['no space between key name and signature', peterNote.replace('PeterNeumann ', 'PeterNeumann')],
    ['a trailing space after the signature', peterNote.replace(/=\n$/, '= \n')],
    ['two spaces between key name and signature', peterNote.replace('PeterNeumann ', 'PeterNeumann  ')],
    ['an empty signature', peterNote.replace(/ [A-Za-z0-9+/=]+\n$/, ' \n')],
    ['unpadded base64', peterNote.replace(/=\n$/, '\n')],
    ['base64url characters', 'text\n\n\u2014 x AAAAAA_-\n'],
    ['non-canonical base64 (non-zero padding bits)', 'text\n\n\u2014 x AAAAAAB=\n'],
    ['a signature of only a key ID', 'text\n\n\u2014 x AAAAAA==\n'],
    ['a tab in the text', peterNote.replace('If you', 'If\tyou')],
    ['a carriage return before a newline', peterNote.replace('problem,\n', 'problem,\r\n')],
    ['a NUL character', peterNote.replace('If', 'I\u0000f')],
    ['a unit separator (U+001F)', peterNote.replace('If', 'I\u001ff')],
    ['a lone UTF-16 surrogate', peterNote.replace('If', 'I\ud800f')],
    ['invalid UTF-8 bytes (0xff)', Buffer.concat([Buffer.from([0xff]), Buffer.from(peterNote, 'utf8')])],
    [
      'overlong UTF-8 (0xc0 0xaf)',
      Buffer.concat([Buffer.from([0xc0, 0xaf]), Buffer.from(peterNote, 'utf8')]),
    ],
    [
      'a truncated UTF-8 sequence',
      Buffer.concat([Buffer.from([0xe2, 0x80, 0x0a]), Buffer.from(peterNote, 'utf8')]),
    ],
  ];
  for (const [what, input] of malformed) {
    it(`rejects ${what}`, () => {
      assert.equal(
        codeOf(() => parseNote(input)),
        'NOTE_MALFORMED',
      );
    });
  }

  it('accepts a signature of a key ID and one byte', () => {
    const note = parseNote('text\n\n\u2014 x AAAAAAE=\n');
    assert.deepEqual(note.signatures[0]?.signature, Buffer.from([1]));
  });

  it(`accepts ${MAX_NOTE_SIGNATURES} signatures and rejects one more`, () => {
    assert.ok(MAX_NOTE_SIGNATURES >= 16, 'the spec requires accepting at least 16 signatures');
    const line = '\u2014 x AAAAAAE=\n';
    assert.equal(
      parseNote(`text\n\n${line.repeat(MAX_NOTE_SIGNATURES)}`).signatures.length,
      MAX_NOTE_SIGNATURES,
    );
    assert.equal(
      codeOf(() => parseNote(`text\n\n${line.repeat(MAX_NOTE_SIGNATURES + 1)}`)),
      'NOTE_MALFORMED',
    );
  });

  it('keeps a leading UTF-8 byte order mark as part of the signed text', () => {
    const { privateKey } = crypto.generateKeyPair('ed25519');
    const signer = createEd25519Signer('example.com/bom', privateKey);
    const signed = Buffer.from(signNote('\ufeffbom\n', [signer]), 'utf8');
    assert.deepEqual([...signed.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.equal(openNote(signed, [signer.verifier]).text, '\ufeffbom\n');
    // Stripping the BOM changes the text, so the signature no longer verifies.
    assert.equal(
      codeOf(() => openNote(signed.subarray(3), [signer.verifier])),
      'NOTE_SIGNATURE_INVALID',
    );
  });

  it('only ever throws NOTE_MALFORMED on arbitrary input', () => {
    const alphabet = fc.constantFrom('\n', '\u2014', ' ', 'a', '+', '=', 'A', '/', '\t', '\ud800', 'é');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), (chars) => {
        try {
          const note = parseNote(chars.join(''));
          assert.ok(note.text.endsWith('\n') && note.signatures.length > 0);
        } catch (e) {
          assert.ok(isAttestryError(e, 'NOTE_MALFORMED'), String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatNote', () => {
  const sig: NoteSignature = { name: 'example.com/a', keyId: 0xdeadbeef, signature: Buffer.from([1, 2, 3]) };

  it('round-trips through parseNote', () => {
    const name = fc.stringMatching(/^[a-z0-9./_\u00e9\u2014-]{1,20}$/);
    // Lines of any Unicode scalar values except controls (C2SP signed-note §Format).
    const line = fc.string({ unit: 'binary', maxLength: 20 }).map((l) =>
      Array.from(l)
        .filter((ch) => {
          const c = ch.codePointAt(0) ?? 0;
          return c >= 0x20 && (c < 0xd800 || c > 0xdfff);
        })
        .join(''),
    );
    const text = fc.array(line, { minLength: 1, maxLength: 5 }).map((lines) => `${lines.join('\n')}\n`);
    const signature = fc.record({
      name,
      keyId: fc.integer({ min: 0, max: 0xffffffff }),
      signature: fc.uint8Array({ minLength: 1, maxLength: 80 }),
    });
    fc.assert(
      fc.property(text, fc.array(signature, { minLength: 1, maxLength: 5 }), (t, signatures) => {
        const formatted = formatNote({ text: t, signatures });
        const parsed = parseNote(formatted);
        assert.equal(parsed.text, t);
        assert.deepEqual(
          parsed.signatures.map((s) => ({ ...s, signature: Buffer.from(s.signature) })),
          signatures.map((s) => ({ ...s, signature: Buffer.from(s.signature) })),
        );
        assert.equal(formatNote(parsed), formatted);
      }),
      { numRuns: 500 },
    );
  });

  const bad: [string, () => unknown][] = [
    ['a text without a final newline', () => formatNote({ text: 'text', signatures: [sig] })],
    ['a text with a control character', () => formatNote({ text: 'te\u0007xt\n', signatures: [sig] })],
    ['no signatures', () => formatNote({ text: 'text\n', signatures: [] })],
    [
      'too many signatures',
      () => formatNote({ text: 'text\n', signatures: Array(MAX_NOTE_SIGNATURES + 1).fill(sig) }),
    ],
    ['a key name with a space', () => formatNote({ text: 'text\n', signatures: [{ ...sig, name: 'a b' }] })],
    ['an empty key name', () => formatNote({ text: 'text\n', signatures: [{ ...sig, name: '' }] })],
    [
      'a key ID above 2^32 - 1',
      () => formatNote({ text: 'text\n', signatures: [{ ...sig, keyId: 2 ** 32 }] }),
    ],
    ['a negative key ID', () => formatNote({ text: 'text\n', signatures: [{ ...sig, keyId: -1 }] })],
    [
      'an empty signature',
      () => formatNote({ text: 'text\n', signatures: [{ ...sig, signature: new Uint8Array() }] }),
    ],
  ];
  for (const [what, fn] of bad) {
    it(`rejects ${what}`, () => {
      assert.equal(codeOf(fn), 'NOTE_MALFORMED');
    });
  }
});

describe('openNote (C2SP signed-note §Signatures)', () => {
  const peter = parseVerifierKey(peterVkey);

  it('ignores a signature that shares the key name but not the key ID of a known key', () => {
    const other = createEd25519Signer('PeterNeumann', crypto.generateKeyPair('ed25519').privateKey);
    const note = signNote(parseNote(peterNote).text, [other], parseNote(peterNote).signatures);
    const opened = openNote(note, [peter]);
    assert.deepEqual(
      opened.verified.map((s) => s.keyId),
      [0xc74f20a3],
    );
    assert.deepEqual(
      opened.unverified.map((s) => s.keyId),
      [other.keyId],
    );
  });

  it('ignores a signature that shares the key ID but not the key name of a known key', () => {
    const renamed = `${peterNote}${peterSignatureLine.replace('PeterNeumann', 'PeterNeumannII')}`;
    const opened = openNote(renamed, [peter]);
    assert.deepEqual(
      opened.unverified.map((s) => s.name),
      ['PeterNeumannII'],
    );
  });

  it('rejects the whole note when any known signature fails, even if another verifies', () => {
    const { privateKey } = crypto.generateKeyPair('ed25519');
    const good = createEd25519Signer('example.com/good', privateKey);
    const text = parseNote(peterNote).text;
    const corrupted = parseNote(peterNote).signatures.map((s) => ({
      ...s,
      signature: flipByte(s.signature, 0),
    }));
    const note = signNote(text, [good], corrupted);
    assert.equal(
      codeOf(() => openNote(note, [peter, good.verifier])),
      'NOTE_SIGNATURE_INVALID',
    );
    assert.equal(openNote(note, [good.verifier]).verified.length, 1);
  });

  it('verifies every repeated signature from a known key and lists the key once', () => {
    const twice = `${peterNote}${peterSignatureLine}`;
    const opened = openNote(twice, [peter]);
    assert.equal(opened.verified.length, 1);
    const { text, signatures } = parseNote(peterNote);
    const [first] = signatures;
    assert.ok(first);
    const badRepeat = formatNote({
      text,
      signatures: [first, { ...first, signature: flipByte(first.signature, 63) }],
    });
    assert.equal(
      codeOf(() => openNote(badRepeat, [peter])),
      'NOTE_SIGNATURE_INVALID',
    );
  });

  it('lists identical unknown signature lines once', () => {
    const doubled = `${peterNote}${peterSignatureLine.replace('PeterNeumann', 'Stranger').repeat(2)}`;
    assert.equal(openNote(doubled, [peter]).unverified.length, 1);
  });

  it('rejects a note with no signature from a known key', () => {
    assert.equal(
      codeOf(() => openNote(peterNote, [])),
      'NOTE_NO_KNOWN_SIGNATURE',
    );
  });

  it('accepts 16 signatures of which one is known', () => {
    const strangers = Array.from({ length: 15 }, (_, i) =>
      peterSignatureLine.replace('PeterNeumann', `stranger${i}`),
    ).join('');
    const opened = openNote(`${peterNote}${strangers}`, [peter]);
    assert.equal(opened.verified.length, 1);
    assert.equal(opened.unverified.length, 15);
  });

  it('refuses two known keys with the same key name and key ID', () => {
    assert.equal(
      codeOf(() => openNote(peterNote, [peter, parseVerifierKey(peterVkey)])),
      'KEY_MALFORMED',
    );
  });
});

function flipByte(bytes: Uint8Array, index: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}
