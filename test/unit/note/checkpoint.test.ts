import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toBase64 } from '../../../libs/core/index.js';
import {
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  type Checkpoint,
} from '../../../libs/note/index.js';
import { bundleCheckpoint, codeOf, readFixture, readJsonFixture, tlogVerifiers } from './helpers.js';

interface CheckpointVector {
  file: string;
  trustedRoot: string;
  expect: 'valid' | 'invalid';
  origin: string;
  treeSize: string;
  rootHash: string;
  extensionLines: string[];
  signatures: { name: string; keyHash: string; knownKey: boolean; verified: boolean }[];
}

const vectors = readJsonFixture<{ vectors: CheckpointVector[] }>(
  'checkpoints/checkpoint-vectors.json',
).vectors;

/**
 * Why each invalid checkpoint fails. The vectors mark a signature "knownKey" when its key hint
 * matches a log ID (sigstore-js's rule); C2SP signed-note also requires the key name to match, so
 * the renamed Rekor v2 signature is from an unknown key here.
 */
const INVALID_CODE: Record<string, string> = {
  'invalid/checkpoints/rekor.sigstore.dev-invalid-signature.txt': 'NOTE_SIGNATURE_INVALID',
  'invalid/checkpoints/rekor.sigstore.dev-bad-keyhint.txt': 'NOTE_NO_KNOWN_SIGNATURE',
  'invalid/checkpoints/log2025-alpha1-no-matching-signature.txt': 'NOTE_NO_KNOWN_SIGNATURE',
};

function expectedFields(v: CheckpointVector) {
  return {
    origin: v.origin,
    treeSize: Number(v.treeSize),
    rootHash: v.rootHash,
    extensions: v.extensionLines,
  };
}

function fieldsOf(c: Checkpoint) {
  return {
    origin: c.origin,
    treeSize: c.treeSize,
    rootHash: toBase64(c.rootHash),
    extensions: [...c.extensions],
  };
}

function verifiersOf(trustedRoot: string) {
  return tlogVerifiers(trustedRoot).map((t) => t.verifier);
}

describe('real Rekor checkpoints (checkpoint-vectors.json)', () => {
  it('covers the Rekor v1, Rekor v2 and invalid checkpoint files', () => {
    assert.equal(vectors.filter((v) => v.file.startsWith('checkpoints/rekor-v1/')).length, 5);
    assert.equal(vectors.filter((v) => v.file.startsWith('checkpoints/rekor-v2/')).length, 2);
    assert.deepEqual(
      vectors
        .filter((v) => v.expect === 'invalid')
        .map((v) => v.file)
        .sort(),
      Object.keys(INVALID_CODE).sort(),
    );
  });

  for (const v of vectors) {
    const note = readFixture(v.file);

    it(`parses the body of ${v.file}`, () => {
      assert.deepEqual(fieldsOf(parseCheckpoint(parseNote(note).text)), expectedFields(v));
      assert.equal(formatCheckpoint(parseCheckpoint(parseNote(note).text)), parseNote(note).text);
    });

    if (v.expect === 'valid') {
      it(`opens ${v.file} with the log key of ${v.trustedRoot}`, () => {
        const opened = openCheckpoint(note, v.origin, verifiersOf(v.trustedRoot));
        assert.deepEqual(fieldsOf(opened.checkpoint), expectedFields(v));
        const verified = v.signatures.filter((s) => s.verified);
        assert.deepEqual(
          opened.note.verified.map((s) => [s.name, s.keyId.toString(16).padStart(8, '0')]),
          verified.map((s) => [s.name, s.keyHash]),
        );
        assert.deepEqual(
          opened.note.unverified.map((s) => s.name),
          v.signatures.filter((s) => !s.knownKey).map((s) => s.name),
        );
      });
    } else {
      it(`rejects ${v.file} with ${INVALID_CODE[v.file]}`, () => {
        assert.equal(
          codeOf(() => openCheckpoint(note, v.origin, verifiersOf(v.trustedRoot))),
          INVALID_CODE[v.file],
        );
      });
    }
  }

  it('verifies Rekor v1 checkpoints with the production key from rekor.pub under the name rekor.sigstore.dev', () => {
    const [rekor] = verifiersOf('trust/public-good/trusted_root.json');
    assert.ok(rekor && rekor.type === 'ecdsa' && rekor.name === 'rekor.sigstore.dev');
    const opened = openCheckpoint(
      readFixture('checkpoints/rekor-v1/rekor.sigstore.dev-23083062.txt'),
      'rekor.sigstore.dev - 2605736670972794746',
      [rekor],
    );
    assert.equal(opened.checkpoint.treeSize, 23083062);
    assert.deepEqual(opened.checkpoint.extensions, ['Timestamp: 1689177396617352539']);
  });

  it('does not verify the Rekor v2 staging checkpoint with the production trusted root', () => {
    assert.equal(
      codeOf(() =>
        openCheckpoint(
          readFixture('checkpoints/rekor-v2/log2025-alpha1.rekor.sigstage.dev-736.txt'),
          'log2025-alpha1.rekor.sigstage.dev',
          verifiersOf('trust/public-good/trusted_root.json'),
        ),
      ),
      'NOTE_NO_KNOWN_SIGNATURE',
    );
  });

  it('rejects a verified checkpoint for another origin', () => {
    const v2 = readFixture('checkpoints/rekor-v2/log2025-alpha1.rekor.sigstage.dev-736.txt');
    const staging = verifiersOf(
      'bundles/sigstore-conformance/bundle-verify/rekor2-happy-path/trusted_root.json',
    );
    assert.equal(
      codeOf(() => openCheckpoint(v2, 'log2025-alpha1.rekor.sigstage.dev/', staging)),
      'CHECKPOINT_ORIGIN_MISMATCH',
    );
    // Rekor v1's origin carries the tree ID; the key name alone is not the origin.
    const v1 = readFixture('checkpoints/rekor-v1/rekor.sigstore.dev-33786589.txt');
    assert.equal(
      codeOf(() =>
        openCheckpoint(v1, 'rekor.sigstore.dev', verifiersOf('trust/public-good/trusted_root.json')),
      ),
      'CHECKPOINT_ORIGIN_MISMATCH',
    );
  });
});

describe('Sigstore conformance checkpoints (bundle-verify)', () => {
  const dir = 'bundles/sigstore-conformance/bundle-verify/';
  const origin = 'log2025-alpha1.rekor.sigstage.dev';
  const valid: [string, string[]][] = [
    ['rekor2-checkpoint-cosigned', ['witness.example']],
    ['rekor2-checkpoint-multiple-cosigs', ['witness.example/w1', 'witness.example/w2']],
    ['rekor2-checkpoint-origin-not-first', ['witness.example']],
    ['rekor2-checkpoint-two-sigs-from-origin', [origin]],
    ['rekor2-checkpoint-two-sigs-cosigned', [origin, 'witness.example']],
  ];
  for (const [name, ignored] of valid) {
    it(`opens ${name}, ignoring signatures from unknown keys`, () => {
      const opened = openCheckpoint(
        bundleCheckpoint(`${dir}${name}/bundle.sigstore.json`),
        origin,
        verifiersOf(`${dir}${name}/trusted_root.json`),
      );
      assert.deepEqual(
        opened.note.verified.map((s) => s.name),
        [origin],
      );
      assert.deepEqual(
        opened.note.unverified.map((s) => s.name),
        ignored,
      );
      assert.equal(opened.checkpoint.treeSize, 736);
    });
  }

  const invalid: [string, string, string | undefined][] = [
    ['rekor2-checkpoint-missing-log-signature_fail', 'NOTE_MALFORMED', undefined],
    ['rekor2-checkpoint-missing-origin_fail', 'NOTE_SIGNATURE_INVALID', 'CHECKPOINT_MALFORMED'],
    ['rekor2-checkpoint-missing-size_fail', 'NOTE_SIGNATURE_INVALID', 'CHECKPOINT_MALFORMED'],
    ['rekor2-checkpoint-missing-root-hash_fail', 'NOTE_SIGNATURE_INVALID', 'CHECKPOINT_MALFORMED'],
    ['rekor2-checkpoint-no-matching-signature_fail', 'NOTE_NO_KNOWN_SIGNATURE', undefined],
  ];
  for (const [name, code, bodyCode] of invalid) {
    it(`rejects ${name} with ${code}`, () => {
      const note = bundleCheckpoint(`${dir}${name}/bundle.sigstore.json`);
      assert.equal(
        codeOf(() => openCheckpoint(note, origin, verifiersOf(`${dir}${name}/trusted_root.json`))),
        code,
      );
      if (bodyCode !== undefined) {
        assert.equal(
          codeOf(() => parseCheckpoint(parseNote(note).text)),
          bodyCode,
        );
      }
    });
  }

  it('opens checkpoint-wrong-roothash_fail: the checkpoint is genuine, only the inclusion proof does not reach it', () => {
    const opened = openCheckpoint(
      bundleCheckpoint(`${dir}checkpoint-wrong-roothash_fail/bundle.sigstore.json`),
      'rekor.sigstore.dev - 2605736670972794746',
      verifiersOf('trust/public-good/trusted_root.json'),
    );
    assert.equal(opened.checkpoint.treeSize, 75610772);
  });
});

describe('parseCheckpoint (C2SP tlog-checkpoint §Note text)', () => {
  const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';

  it('parses the spec example', () => {
    const c = parseCheckpoint(`example.com/behind-the-sofa\n20852163\n${root}\n`);
    assert.deepEqual(fieldsOf(c), {
      origin: 'example.com/behind-the-sofa',
      treeSize: 20852163,
      rootHash: root,
      extensions: [],
    });
  });

  it('accepts an empty tree (size 0), the largest exact size and an origin with spaces', () => {
    assert.equal(parseCheckpoint(`o\n0\n${root}\n`).treeSize, 0);
    assert.equal(parseCheckpoint(`o\n9007199254740991\n${root}\n`).treeSize, Number.MAX_SAFE_INTEGER);
    assert.equal(parseCheckpoint(`rekor.sigstore.dev - 1\n1\n${root}\n`).origin, 'rekor.sigstore.dev - 1');
  });

  const rejected: [string, string][] = [
    ['an empty origin', `\n1\n${root}\n`],
    ['only two lines', `o\n1\n`],
    ['no tree size line', `o\n${root}\n`],
    ['no origin line', `1\n${root}\n`],
    ['a missing final newline', `o\n1\n${root}`],
    ['a leading zero in the size', `o\n01\n${root}\n`],
    ['a size of 00', `o\n00\n${root}\n`],
    ['a negative size', `o\n-1\n${root}\n`],
    ['a size with a plus sign', `o\n+1\n${root}\n`],
    ['a size with a space', `o\n 1\n${root}\n`],
    ['a hexadecimal size', `o\n0x10\n${root}\n`],
    ['a size in exponent form', `o\n1e3\n${root}\n`],
    ['a size in full-width digits', `o\n\uff11\n${root}\n`],
    ['a size above 2^53 - 1', `o\n9007199254740992\n${root}\n`],
    ['a size above 2^64 - 1', `o\n18446744073709551616\n${root}\n`],
    ['an empty root hash', `o\n1\n\n`],
    ['a 31-byte root hash', `o\n1\n${toBase64(Buffer.alloc(31))}\n`],
    ['a 33-byte root hash', `o\n1\n${toBase64(Buffer.alloc(33))}\n`],
    ['an unpadded root hash', `o\n1\n${root.slice(0, -1)}\n`],
    [
      'a base64url root hash',
      `o\n1\n${toBase64(Buffer.alloc(32, 0xfb)).replace(/\+/g, '-').replace(/\//g, '_')}\n`,
    ],
    ['a non-canonical root hash (non-zero padding bits)', `o\n1\n${root.slice(0, -2)}J=\n`],
    ['an empty extension line', `o\n1\n${root}\n\nextension\n`],
    ['a trailing empty extension line', `o\n1\n${root}\nextension\n\n`],
    ['a control character', `o\u0001\n1\n${root}\n`],
    ['a carriage return', `o\r\n1\n${root}\n`],
  ];
  for (const [what, text] of rejected) {
    it(`rejects ${what}`, () => {
      assert.equal(
        codeOf(() => parseCheckpoint(text)),
        'CHECKPOINT_MALFORMED',
      );
    });
  }
});

describe('formatCheckpoint', () => {
  it('round-trips through parseCheckpoint', () => {
    const line = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 30 })
      .map((l) =>
        Array.from(l)
          .filter((ch) => {
            const c = ch.codePointAt(0) ?? 0;
            return c >= 0x20 && (c < 0xd800 || c > 0xdfff);
          })
          .join(''),
      )
      .filter((l) => l.length > 0);
    const checkpoint = fc.record({
      origin: line,
      treeSize: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      rootHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      extensions: fc.array(line, { maxLength: 3 }),
    });
    fc.assert(
      fc.property(checkpoint, (c) => {
        const text = formatCheckpoint(c);
        assert.deepEqual(fieldsOf(parseCheckpoint(text)), fieldsOf(c));
        assert.equal(formatCheckpoint(parseCheckpoint(text)), text);
      }),
      { numRuns: 500 },
    );
  });

  const base: Checkpoint = { origin: 'o', treeSize: 1, rootHash: new Uint8Array(32), extensions: [] };
  const rejected: [string, Checkpoint][] = [
    ['an empty origin', { ...base, origin: '' }],
    ['an origin with a newline', { ...base, origin: 'a\nb' }],
    ['a negative size', { ...base, treeSize: -1 }],
    ['a fractional size', { ...base, treeSize: 1.5 }],
    ['a size above 2^53 - 1', { ...base, treeSize: 2 ** 53 }],
    ['a 31-byte root hash', { ...base, rootHash: new Uint8Array(31) }],
    ['an empty extension line', { ...base, extensions: [''] }],
    ['an extension line with a newline', { ...base, extensions: ['a\n'] }],
    ['an extension line with a tab', { ...base, extensions: ['a\tb'] }],
  ];
  for (const [what, c] of rejected) {
    it(`rejects ${what}`, () => {
      assert.equal(
        codeOf(() => formatCheckpoint(c)),
        'CHECKPOINT_MALFORMED',
      );
    });
  }
});
