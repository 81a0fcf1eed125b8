import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crypto } from '../../../libs/core/index.js';
import {
  computeKeyId,
  createCosignatureVerifier,
  createEcdsaSigner,
  createEcdsaVerifier,
  createEd25519Signer,
  createEd25519Verifier,
  formatSignerKey,
  formatVerifierKey,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '../../../libs/note/index.js';
import { codeOf, readFixture, readJsonFixture, tlogVerifiers } from './helpers.js';

// golang.org/x/mod/sumdb/note note_test.go (TestNewVerifier, TestNewSigner, TestSign).
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
// C2SP signed-note §Verifier keys example.
const C2SP_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
// transparency-dev/formats note tests: a signer key and verifier keys whose base64 contains '+'.
const LOGANDMAP_SKEY = 'PRIVATE+KEY+logandmap+38581672+AXJ0FKWOcO2ch6WC8kP705Ed3Gxu7pVtZLhfHAQwp+FE';
const TEST_VKEY_WITH_PLUS = 'TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6';
const REMORA_COSIGNATURE_VKEY = 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2';
// Rekor v1 production key as an ECDSA (0x02) verifier key (transparency-dev/formats).
const REKOR_KEY_MATERIAL =
  'AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvXwBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc=';
const REKOR_VKEY = `rekor.sigstore.dev+c0d23d6a+${REKOR_KEY_MATERIAL}`;

describe('verifier keys (C2SP signed-note §Verifier keys)', () => {
  const roundTrips: [string, string, number][] = [
    [C2SP_VKEY, 'ed25519', 0x530d903a],
    [PETER_VKEY, 'ed25519', 0xc74f20a3],
    [TEST_VKEY_WITH_PLUS, 'ed25519', 0x7997405c],
    [REMORA_COSIGNATURE_VKEY, 'cosignature-v1', 0xda77ade7],
    [REKOR_VKEY, 'ecdsa', 0xc0d23d6a],
  ];
  for (const [vkey, type, keyId] of roundTrips) {
    it(`parses and re-formats ${vkey.slice(0, vkey.indexOf('+'))} (${type})`, () => {
      const verifier = parseVerifierKey(vkey);
      assert.equal(verifier.type, type);
      assert.equal(verifier.keyId, keyId);
      assert.equal(verifier.name, vkey.slice(0, vkey.indexOf('+')));
      assert.equal(formatVerifierKey(verifier), vkey);
    });
  }

  it('parses the ECDSA verifier key of the Rekor v1 key in rekor.pub', () => {
    const fromPem = createEcdsaVerifier(
      'rekor.sigstore.dev',
      crypto.createPublicKey(readFixture('trust/public-good/rekor.pub')),
    );
    assert.equal(formatVerifierKey(fromPem), REKOR_VKEY);
  });

  it('accepts an uppercase hex key ID and formats it in lowercase', () => {
    assert.equal(formatVerifierKey(parseVerifierKey(PETER_VKEY.replace('c74f20a3', 'C74F20A3'))), PETER_VKEY);
  });

  const rejected: [string, string, string][] = [
    ['two parts', 'bananas.sigstore.dev+12344556', 'KEY_MALFORMED'],
    ['one part', 'PeterNeumann', 'KEY_MALFORMED'],
    ['invalid base64', 'rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!', 'KEY_MALFORMED'],
    ['a key ID that is not hex', `rekor.sigstore.dev+NOT_A_NUMBER+${REKOR_KEY_MATERIAL}`, 'KEY_MALFORMED'],
    ['a 7-digit key ID', PETER_VKEY.replace('c74f20a3', 'c74f20a'), 'KEY_MALFORMED'],
    ['a key ID that does not match the key', PETER_VKEY.replace('c74f20a3', '00000000'), 'KEY_MALFORMED'],
    [
      'a key ID computed for another name',
      PETER_VKEY.replace('PeterNeumann', 'PeterNeumann2'),
      'KEY_MALFORMED',
    ],
    [
      'an ECDSA key ID that does not match',
      `rekor.sigstore.dev+00000000+${REKOR_KEY_MATERIAL}`,
      'KEY_MALFORMED',
    ],
    ['an empty name', PETER_VKEY.replace('PeterNeumann', ''), 'KEY_MALFORMED'],
    ['a name with a space', PETER_VKEY.replace('PeterNeumann', 'Peter Neumann'), 'KEY_MALFORMED'],
    [
      'a 31-byte Ed25519 key',
      `x+00000000+${Buffer.concat([Buffer.from([1]), Buffer.alloc(31)]).toString('base64')}`,
      'KEY_MALFORMED',
    ],
    ['a type byte alone', 'x+00000000+AQ==', 'KEY_MALFORMED'],
    [
      'an ECDSA key that is not DER',
      `x+00000000+${Buffer.from([2, 1, 2, 3]).toString('base64')}`,
      'KEY_MALFORMED',
    ],
    ['an unknown signature type (0x03)', 'rekor.sigstore.dev+12345678+AwEB', 'KEY_UNSUPPORTED'],
    [
      'an ML-DSA-44 key (0x06)',
      `x+00000000+${Buffer.concat([Buffer.from([6]), Buffer.alloc(1312)]).toString('base64')}`,
      'KEY_UNSUPPORTED',
    ],
  ];
  for (const [what, vkey, code] of rejected) {
    it(`rejects ${what} with ${code}`, () => {
      assert.equal(
        codeOf(() => parseVerifierKey(vkey)),
        code,
      );
    });
  }

  it('rejects an ECDSA P-384 key with KEY_UNSUPPORTED', () => {
    const { publicKey } = crypto.generateKeyPair('ecdsa-p384');
    const material = Buffer.concat([Buffer.from([2]), crypto.spkiDer(publicKey)]);
    const keyId = crypto.sha256(crypto.spkiDer(publicKey)).subarray(0, 4).toString('hex');
    assert.equal(
      codeOf(() => parseVerifierKey(`x+${keyId}+${material.toString('base64')}`)),
      'KEY_UNSUPPORTED',
    );
  });
});

describe('signer keys (golang.org/x/mod/sumdb/note)', () => {
  it('signs the Go sumdb TestSign note byte for byte from the published signer key', () => {
    const key = parseSignerKey(PETER_SKEY);
    assert.equal(key.type, 'ed25519');
    assert.equal(key.name, 'PeterNeumann');
    assert.equal(key.keyId, 0xc74f20a3);
    const signer = createEd25519Signer(key.name, key.privateKey);
    assert.equal(formatVerifierKey(signer.verifier), PETER_VKEY);
    const vectors = readJsonFixture<{ vectors: { id: string; note: string }[] }>(
      'checkpoints/signed-note-vectors.json',
    ).vectors;
    const expected =
      vectors.find((v) => v.id === 'go-sumdb-peter')?.note ?? assert.fail('vector go-sumdb-peter is missing');
    assert.equal(signNote(parseNote(expected).text, [signer]), expected);
  });

  it('formats parsed signer keys back to the same string', () => {
    for (const skey of [PETER_SKEY, LOGANDMAP_SKEY])
      assert.equal(formatSignerKey(parseSignerKey(skey)), skey);
  });

  it('round-trips a fresh Ed25519 and a cosignature/v1 signer key', () => {
    const { privateKey } = crypto.generateKeyPair('ed25519');
    for (const type of ['ed25519', 'cosignature-v1'] as const) {
      const skey = formatSignerKey({ type, name: 'example.com/k', privateKey });
      const parsed = parseSignerKey(skey);
      assert.equal(parsed.type, type);
      assert.equal(parsed.keyId, computeKeyId(type, 'example.com/k', crypto.publicKeyOf(privateKey)));
      assert.deepEqual(crypto.ed25519Seed(parsed.privateKey), crypto.ed25519Seed(privateKey));
    }
  });

  const rejected: [string, string, string][] = [
    ['a missing PRIVATE+KEY prefix', PETER_SKEY.replace('PRIVATE+KEY+', ''), 'KEY_MALFORMED'],
    ['a lowercase prefix', PETER_SKEY.replace('PRIVATE+KEY', 'private+key'), 'KEY_MALFORMED'],
    ['a key ID that does not match the key', PETER_SKEY.replace('c74f20a3', 'c74f20a4'), 'KEY_MALFORMED'],
    ['a key ID computed for another name', PETER_SKEY.replace('PeterNeumann', 'Peter'), 'KEY_MALFORMED'],
    [
      'a 31-byte seed',
      `PRIVATE+KEY+x+00000000+${Buffer.concat([Buffer.from([1]), Buffer.alloc(31)]).toString('base64')}`,
      'KEY_MALFORMED',
    ],
    [
      'an ECDSA type byte',
      `PRIVATE+KEY+x+00000000+${Buffer.concat([Buffer.from([2]), Buffer.alloc(32)]).toString('base64')}`,
      'KEY_UNSUPPORTED',
    ],
  ];
  for (const [what, skey, code] of rejected) {
    it(`rejects ${what} with ${code}`, () => {
      assert.equal(
        codeOf(() => parseSignerKey(skey)),
        code,
      );
    });
  }

  it('refuses to format a non-Ed25519 key', () => {
    const { privateKey } = crypto.generateKeyPair('ecdsa-p256');
    assert.equal(
      codeOf(() => formatSignerKey({ type: 'ed25519', name: 'x', privateKey })),
      'KEY_UNSUPPORTED',
    );
  });
});

describe('key IDs and key checks', () => {
  const roots = [
    'trust/public-good/trusted_root.json',
    'bundles/sigstore-conformance/bundle-verify/rekor2-happy-path/trusted_root.json',
  ];
  for (const root of roots) {
    it(`gives every Rekor log key in ${root} the key ID logId[:4]`, () => {
      const tlogs = tlogVerifiers(root);
      assert.ok(
        tlogs.some((t) => t.verifier.type === 'ecdsa') && tlogs.some((t) => t.verifier.type === 'ed25519'),
      );
      for (const { verifier, logId } of tlogs) {
        assert.equal(verifier.keyId, logId.readUInt32BE(0), verifier.name);
        if (verifier.type === 'ed25519') {
          // Rekor v2: the log ID is the whole SHA-256(name || 0x0A || 0x01 || key).
          const full = crypto.sha256(
            Buffer.from(verifier.name),
            Buffer.from([0x0a, 0x01]),
            crypto.ed25519Raw(verifier.publicKey),
          );
          assert.deepEqual(full, logId);
        } else {
          // Rekor v1: the log ID is SHA-256 of the DER SubjectPublicKeyInfo.
          assert.deepEqual(crypto.sha256(crypto.spkiDer(verifier.publicKey)), logId);
        }
      }
    });
  }

  it('gives the same key different key IDs as Ed25519 (0x01) and cosignature/v1 (0x04)', () => {
    const { publicKey } = crypto.generateKeyPair('ed25519');
    assert.notEqual(
      createEd25519Verifier('w', publicKey).keyId,
      createCosignatureVerifier('w', publicKey).keyId,
    );
  });

  it('makes the ECDSA key ID independent of the name', () => {
    const { publicKey } = crypto.generateKeyPair('ecdsa-p256');
    assert.equal(createEcdsaVerifier('a', publicKey).keyId, createEcdsaVerifier('b', publicKey).keyId);
  });

  const ed = crypto.generateKeyPair('ed25519');
  const p256 = crypto.generateKeyPair('ecdsa-p256');
  const p384 = crypto.generateKeyPair('ecdsa-p384');
  const bad: [string, () => unknown, string][] = [
    [
      'an Ed25519 verifier from an ECDSA key',
      () => createEd25519Verifier('x', p256.publicKey),
      'KEY_UNSUPPORTED',
    ],
    ['an ECDSA verifier from a P-384 key', () => createEcdsaVerifier('x', p384.publicKey), 'KEY_UNSUPPORTED'],
    ['an ECDSA signer from a P-384 key', () => createEcdsaSigner('x', p384.privateKey), 'KEY_UNSUPPORTED'],
    ['a verifier from a private key', () => createEd25519Verifier('x', ed.privateKey), 'KEY_MALFORMED'],
    ['a signer from a public key', () => createEd25519Signer('x', ed.publicKey), 'KEY_MALFORMED'],
    ['a key name with a plus sign', () => createEd25519Signer('a+b', ed.privateKey), 'KEY_MALFORMED'],
    ['a key name with a newline', () => createEcdsaVerifier('a\nb', p256.publicKey), 'KEY_MALFORMED'],
    ['an empty key name', () => createCosignatureVerifier('', ed.publicKey), 'KEY_MALFORMED'],
  ];
  for (const [what, fn, code] of bad) {
    it(`refuses ${what} (${code})`, () => {
      assert.equal(codeOf(fn), code);
    });
  }
});
