/**
 * The accepted JSON shapes: recognition of the three kinds, strict encodings, and the bundle
 * version rules.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAttestryError, type ErrorCode } from '../../../libs/core/index.js';
import { parseBundle, parseSubmissionInput, SubmissionInputJson } from '../../../libs/verify/index.js';
import { bundlesIn, clone, getPath, setPath } from './helpers.js';

const code = (c: ErrorCode) => (e: unknown) => isAttestryError(e, c);
const DIR = 'bundles/sigstore-conformance/bundle-verify';
const v01 = bundlesIn(`${DIR}/happy-path-v0.1/bundle.sigstore.json`)[0]!;
const v03dsse = bundlesIn(`${DIR}/happy-path-intoto-in-dsse-v3/bundle.sigstore.json`)[0]!;
const key = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n';

describe('parseSubmissionInput', () => {
  it('recognises a Sigstore bundle, a DSSE envelope and a hashedrekord by their members', () => {
    assert.equal(parseSubmissionInput(v01).kind, 'bundle');
    const dsse = parseSubmissionInput({
      dsseEnvelope: {
        payloadType: 'application/vnd.in-toto+json',
        payload: 'e30=',
        signatures: [{ sig: 'AQID', keyid: '' }],
      },
      verificationMaterial: { publicKey: key },
    });
    assert.equal(dsse.kind, 'dsse');
    if (dsse.kind === 'dsse') {
      assert.deepEqual(dsse.envelope.payload, Buffer.from('{}'));
      assert.equal(dsse.envelope.signatures[0]!.keyid, '');
      assert.equal(dsse.material.length, 1);
    }
    const hr = parseSubmissionInput({
      artifactDigest: { algorithm: 'sha384', hex: 'ab'.repeat(48) },
      signature: 'AQID',
      verificationMaterial: { certificate: 'MIIB' },
    });
    assert.equal(hr.kind, 'hashedrekord');
    if (hr.kind === 'hashedrekord')
      assert.deepEqual(hr.digest, { algorithm: 'sha384', value: Buffer.from('ab'.repeat(48), 'hex') });
    // the union schema documents the same three shapes
    assert.ok(SubmissionInputJson.safeParse(v01).success);
  });

  it('refuses anything else with INPUT_MALFORMED, and a bad bundle with BUNDLE_MALFORMED', () => {
    const bad: unknown[] = [
      null,
      [],
      'bundle',
      { hello: 'world' },
      {
        dsseEnvelope: { payloadType: 'x', payload: 'e30=', signatures: [] },
        verificationMaterial: { publicKey: key },
      },
      {
        dsseEnvelope: { payloadType: 'x', payload: 'e30=', signatures: [{ sig: 'AQID' }] },
        verificationMaterial: { publicKey: key, certificate: 'x' },
      },
      {
        dsseEnvelope: { payloadType: 'x', payload: 'not base64!', signatures: [{ sig: 'AQID' }] },
        verificationMaterial: { publicKey: key },
      },
      {
        artifactDigest: { algorithm: 'sha256', hex: 'ab'.repeat(31) },
        signature: 'AQID',
        verificationMaterial: { publicKey: key },
      },
      {
        artifactDigest: { algorithm: 'md5', hex: 'ab'.repeat(16) },
        signature: 'AQID',
        verificationMaterial: { publicKey: key },
      },
      {
        artifactDigest: { algorithm: 'sha256', hex: 'AB'.repeat(32) },
        signature: 'AQID',
        verificationMaterial: { publicKey: key },
      },
      {
        artifactDigest: { algorithm: 'sha256', hex: 'ab'.repeat(32) },
        signature: '',
        verificationMaterial: { publicKey: key },
      },
      {
        artifactDigest: { algorithm: 'sha256', hex: 'ab'.repeat(32) },
        signature: 'AQID',
        verificationMaterial: { publicKey: key },
        extra: 1,
      },
    ];
    for (const b of bad)
      assert.throws(() => parseSubmissionInput(b), code('INPUT_MALFORMED'), JSON.stringify(b));
    assert.throws(
      () => parseSubmissionInput({ ...v01, mediaType: 'application/json' }),
      code('BUNDLE_MALFORMED'),
    );
  });
});

describe('parseBundle', () => {
  const E = ['verificationMaterial', 'tlogEntries', 0];
  const mutations: Array<[string, ReadonlyArray<string | number>, unknown]> = [
    ['both contents', ['dsseEnvelope'], clone(v03dsse.dsseEnvelope)],
    ['no content', ['messageSignature'], undefined],
    ['two verification materials', ['verificationMaterial', 'publicKey'], { hint: 'x' }],
    ['a v0.1 entry without inclusion promise', [...E, 'inclusionPromise'], undefined],
    ['a chain in a v0.3 bundle', ['mediaType'], 'application/vnd.dev.sigstore.bundle.v0.3+json'],
    ['a log index beyond int64', [...E, 'logIndex'], '99999999999999999999'],
    ['a non-integer integrated time', [...E, 'integratedTime'], '12.5'],
    ['a body that is not base64', [...E, 'canonicalizedBody'], 'e30=*'],
    ['an unknown digest algorithm', ['messageSignature', 'messageDigest', 'algorithm'], 'MD5'],
  ];
  for (const [what, path, value] of mutations) {
    it(`refuses ${what}`, () => {
      const b = clone(v01);
      setPath(b, path, value);
      assert.throws(() => parseBundle(b), code('BUNDLE_MALFORMED'));
    });
  }

  it('reads int64 fields given as JSON numbers, URL-safe base64, and wrapped base64', () => {
    const b = clone(v01);
    setPath(b, [...E, 'logIndex'], Number(getPath(b, [...E, 'logIndex'])));
    const sig = Buffer.from(getPath(b, ['messageSignature', 'signature']) as string, 'base64');
    setPath(b, ['messageSignature', 'signature'], sig.toString('base64url'));
    const body = getPath(b, [...E, 'canonicalizedBody']) as string;
    setPath(b, [...E, 'canonicalizedBody'], body.replace(/(.{76})/g, '$1\n'));
    const parsed = parseBundle(b);
    assert.equal(parsed.version, '0.1');
    assert.equal(parsed.tlogEntries[0]!.logIndex, 27246492n);
    assert.ok(parsed.content.type === 'messageSignature' && parsed.content.signature.equals(sig));
  });
});
