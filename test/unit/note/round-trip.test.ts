import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { crypto, isAttestryError } from '../../../libs/core/index.js';
import {
  createEcdsaSigner,
  createEd25519Signer,
  formatCheckpoint,
  formatNote,
  formatVerifierKey,
  openCheckpoint,
  openNote,
  parseNote,
  parseVerifierKey,
  signNote,
  type Signer,
} from '../../../libs/note/index.js';
import { codeOf } from './helpers.js';

const ORIGIN = 'attestry.example/log';
const TEXT = formatCheckpoint({
  origin: ORIGIN,
  treeSize: 42,
  rootHash: crypto.sha256(Buffer.from('root')),
  extensions: [],
});

function freshSigners(): { ed: Signer; ec: Signer; stranger: Signer } {
  return {
    // Attestry's checkpoints carry two log signatures under the origin as key name.
    ed: createEd25519Signer(ORIGIN, crypto.generateKeyPair('ed25519').privateKey),
    ec: createEcdsaSigner(ORIGIN, crypto.generateKeyPair('ecdsa-p256').privateKey),
    stranger: createEd25519Signer('stranger.example', crypto.generateKeyPair('ed25519').privateKey),
  };
}

function isRejection(e: unknown): boolean {
  return (
    isAttestryError(e, 'NOTE_MALFORMED') ||
    isAttestryError(e, 'NOTE_SIGNATURE_INVALID') ||
    isAttestryError(e, 'NOTE_NO_KNOWN_SIGNATURE')
  );
}

describe('sign, format, parse, verify with fresh keys', () => {
  const { ed, ec, stranger } = freshSigners();

  it('carries an Ed25519 and an ECDSA P-256 signature that both verify', () => {
    const signed = signNote(TEXT, [ed, ec]);
    const parsed = parseNote(signed);
    assert.equal(parsed.text, TEXT);
    assert.deepEqual(
      parsed.signatures.map((s) => [s.name, s.keyId]),
      [
        [ORIGIN, ed.keyId],
        [ORIGIN, ec.keyId],
      ],
    );
    assert.equal(formatNote(parsed), signed);
    const opened = openCheckpoint(signed, ORIGIN, [ed.verifier, ec.verifier]);
    assert.deepEqual(
      opened.note.verified.map((s) => s.type),
      ['ed25519', 'ecdsa'],
    );
    assert.equal(opened.checkpoint.treeSize, 42);
  });

  it('verifies with either log key alone, and with keys read back from verifier key strings', () => {
    const signed = signNote(TEXT, [ed, ec]);
    assert.equal(openNote(signed, [ed.verifier]).unverified.length, 1);
    assert.equal(openNote(signed, [ec.verifier]).unverified.length, 1);
    const fromStrings = [ed.verifier, ec.verifier].map((v) => parseVerifierKey(formatVerifierKey(v)));
    assert.equal(openNote(signed, fromStrings).verified.length, 2);
  });

  it('produces DER ECDSA signatures over SHA-256 of the text, as Rekor v1', () => {
    const sig = parseNote(signNote(TEXT, [ec])).signatures[0]?.signature ?? assert.fail('no signature');
    assert.equal(sig[0], 0x30, 'an ASN.1 SEQUENCE');
    assert.ok(crypto.verify(ec.verifier.publicKey, Buffer.from(TEXT), sig, { hash: 'sha256' }));
  });

  it('ignores a signature from an unknown signer', () => {
    const signed = signNote(TEXT, [stranger, ed, ec]);
    const opened = openNote(signed, [ed.verifier, ec.verifier]);
    assert.equal(opened.verified.length, 2);
    assert.deepEqual(
      opened.unverified.map((s) => s.name),
      ['stranger.example'],
    );
    assert.equal(
      codeOf(() => openNote(signNote(TEXT, [stranger]), [ed.verifier, ec.verifier])),
      'NOTE_NO_KNOWN_SIGNATURE',
    );
  });

  it('replaces an existing signature by the same key when signing again', () => {
    const first = parseNote(signNote(TEXT, [ed, stranger]));
    const again = parseNote(signNote(TEXT, [ed], first.signatures));
    assert.deepEqual(
      again.signatures.map((s) => s.name),
      ['stranger.example', ORIGIN],
    );
  });

  for (const which of ['ed', 'ec'] as const) {
    const signer = which === 'ed' ? ed : ec;
    const signed = Buffer.from(signNote(TEXT, [signer]), 'utf8');
    const textBytes = Buffer.byteLength(TEXT);

    it(`rejects every flipped byte of the text (${signer.verifier.type})`, () => {
      for (let i = 0; i < textBytes; i++) {
        for (const mask of [0x01, 0x20, 0x80, 0xff]) {
          const tampered = Buffer.from(signed);
          tampered[i] = (tampered[i] ?? 0) ^ mask;
          assert.throws(() => openNote(tampered, [signer.verifier]), isRejection, `byte ${i} ^ ${mask}`);
        }
      }
    });

    it(`rejects every flipped byte of the signature (${signer.verifier.type})`, () => {
      const note = parseNote(signed);
      const [sig] = note.signatures;
      assert.ok(sig);
      for (let i = 0; i < sig.signature.length; i++) {
        const flipped = Buffer.from(sig.signature);
        flipped[i] = (flipped[i] ?? 0) ^ 0x01;
        const tampered = formatNote({ text: note.text, signatures: [{ ...sig, signature: flipped }] });
        assert.equal(
          codeOf(() => openNote(tampered, [signer.verifier])),
          'NOTE_SIGNATURE_INVALID',
          `signature byte ${i}`,
        );
      }
      for (let bit = 0; bit < 32; bit++) {
        const tampered = formatNote({
          text: note.text,
          signatures: [{ ...sig, keyId: (sig.keyId ^ (1 << bit)) >>> 0 }],
        });
        assert.equal(
          codeOf(() => openNote(tampered, [signer.verifier])),
          'NOTE_NO_KNOWN_SIGNATURE',
          `key ID bit ${bit}`,
        );
      }
    });

    it(`rejects any single changed byte anywhere in the note (${signer.verifier.type})`, () => {
      fc.assert(
        fc.property(fc.nat({ max: signed.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, mask) => {
          const tampered = Buffer.from(signed);
          tampered[i] = (tampered[i] ?? 0) ^ mask;
          assert.throws(() => openNote(tampered, [signer.verifier]), isRejection);
        }),
        { numRuns: 1000 },
      );
    });
  }
});
