import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crypto } from '../../../libs/core/index.js';
import {
  IN_TOTO_PAYLOAD_TYPE,
  decodeDsseBase64,
  decodeDsseEnvelope,
  parseStatementPayload,
  preAuthEncoding,
  type DecodedDsseEnvelope,
} from '../../../libs/formats/index.js';
import { assertFails, envelopesIn, manifestEntry, readFixture, readJsonFixture } from './helpers.js';

interface DsseVector {
  id: string;
  description: string;
  envelope: unknown;
  trustedKeys: string[];
  threshold: number;
  supportedPayloadTypes: string[];
  pae: string;
  expect: 'accept' | 'reject';
}
const spec = readJsonFixture<{ keys: Record<string, { public: string }>; vectors: DsseVector[] }>(
  'dsse/dsse-spec-vectors.json',
);
const keys = Object.fromEntries(
  Object.entries(spec.keys).map(([id, k]) => [id, crypto.ed25519FromRaw(Buffer.from(k.public, 'hex'))]),
);

/**
 * DSSE protocol.md verification: the payload type must be supported, and at least `threshold`
 * distinct trusted keys must each verify a signature over PAE (a keyid, when present, only
 * selects the key to try).
 */
function dsseAccepts(v: DsseVector): boolean {
  let env: DecodedDsseEnvelope;
  try {
    env = decodeDsseEnvelope(v.envelope);
  } catch {
    return false;
  }
  if (!v.supportedPayloadTypes.includes(env.payloadType)) return false;
  const pae = preAuthEncoding(env.payloadType, env.payload);
  const verifiedBy = new Set<string>();
  for (const s of env.signatures) {
    for (const id of v.trustedKeys) {
      if (s.keyid !== undefined && s.keyid !== id) continue;
      if (crypto.verify(keys[id] as crypto.KeyObject, pae, s.sig)) verifiedBy.add(id);
    }
  }
  return verifiedBy.size >= v.threshold;
}

describe('DSSE pre-authentication encoding (secure-systems-lab/dsse test vectors)', () => {
  for (const v of spec.vectors) {
    it(`${v.id}: the vector's PAE is what its first signature covers`, () => {
      const env = decodeDsseEnvelope(v.envelope);
      const first = env.signatures[0];
      assert.ok(first);
      const key = keys[first.keyid ?? (v.trustedKeys[0] as string)] as crypto.KeyObject;
      assert.equal(crypto.verify(key, Buffer.from(v.pae, 'hex'), first.sig), true);
    });
    it(`${v.id}: ${v.expect}s (${v.description})`, () => {
      assert.equal(dsseAccepts(v), v.expect === 'accept');
      if (v.expect === 'accept') {
        const env = decodeDsseEnvelope(v.envelope);
        assert.equal(preAuthEncoding(env.payloadType, env.payload).toString('hex'), v.pae);
      }
    });
  }

  it('counts LEN(type) in UTF-8 bytes and writes an empty body as "0 " with the trailing space', () => {
    assert.equal(preAuthEncoding('ä', Buffer.alloc(0)).toString('utf8'), 'DSSEv1 2 ä 0 ');
    assert.equal(preAuthEncoding('', Buffer.from('x')).toString('utf8'), 'DSSEv1 0  1 x');
  });
});

describe('DSSE envelope parsing', () => {
  const good = { payload: 'e30=', payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ sig: 'AAAA' }] };

  it('decodes base64 in either alphabet, with or without padding', () => {
    assert.deepEqual(decodeDsseBase64('-_-_Pj8='), Buffer.from('fbffbf3e3f', 'hex'));
    assert.deepEqual(decodeDsseBase64('+/+/Pj8='), Buffer.from('fbffbf3e3f', 'hex'));
    assert.deepEqual(decodeDsseBase64('+/+/Pj8'), Buffer.from('fbffbf3e3f', 'hex'));
    assert.deepEqual(decodeDsseBase64(''), Buffer.alloc(0));
  });

  it('refuses base64 that mixes alphabets, carries junk or impossible padding', () => {
    for (const s of ['-/+_', 'ab$d', 'abcde', 'ab=c', 'a===', 'abc==', ' abc'])
      assert.equal(decodeDsseBase64(s), undefined, s);
  });

  it('rejects an envelope without signatures, naming the field', () => {
    assertFails(
      () => decodeDsseEnvelope({ ...good, signatures: [] }),
      'FORMAT_MALFORMED',
      /signatures: an envelope needs at least one signature/,
    );
    assertFails(
      () => decodeDsseEnvelope({ payload: good.payload, payloadType: good.payloadType }),
      'FORMAT_MALFORMED',
      /signatures/,
    );
  });

  it('rejects a payload or signature that is not base64, naming the field', () => {
    assertFails(
      () => decodeDsseEnvelope({ ...good, payload: 'not base64!' }),
      'FORMAT_MALFORMED',
      /payload: payload is not base64/,
    );
    assertFails(
      () => decodeDsseEnvelope({ ...good, signatures: [{ sig: '%%%' }] }),
      'FORMAT_MALFORMED',
      /signatures\[0\]\.sig/,
    );
    assertFails(
      () => decodeDsseEnvelope({ ...good, signatures: [{ sig: '' }] }),
      'FORMAT_MALFORMED',
      /sig is empty/,
    );
    assertFails(() => decodeDsseEnvelope('{}'), 'FORMAT_MALFORMED', /DSSE envelope/);
  });

  it('keeps keyid when given and decodes signatures to bytes', () => {
    const env = decodeDsseEnvelope({ ...good, signatures: [{ keyid: 'k', sig: 'AAAA' }, { sig: 'AQID' }] });
    assert.deepEqual(env.signatures, [
      { keyid: 'k', sig: Buffer.from([0, 0, 0]) },
      { sig: Buffer.from([1, 2, 3]) },
    ]);
    assert.deepEqual(env.payload, Buffer.from('{}'));
  });
});

/** IEEE P1363 r||s (64 bytes for P-256) -> DER ECDSA-Sig-Value, as node:crypto verifies by default. */
function p1363ToDer(sig: Buffer): Buffer {
  const int = (b: Buffer) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.subarray(i);
    const body = (v[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v;
    return Buffer.concat([Buffer.from([0x02, body.length]), body]);
  };
  const half = sig.length / 2;
  const seq = Buffer.concat([int(sig.subarray(0, half)), int(sig.subarray(half))]);
  return Buffer.concat([Buffer.from([0x30, seq.length]), seq]);
}

describe('real DSSE envelopes', () => {
  it('Google Cloud Build: URL-safe base64 ECDSA signature verifies over our PAE with the GCB key', () => {
    const entry = manifestEntry('dsse/gcb/gcloud-container-global-pae-signing-key-successful.json');
    const doc = readJsonFixture<{ provenance_summary: { provenance: { envelope: unknown }[] } }>(entry.path);
    const env = decodeDsseEnvelope(doc.provenance_summary.provenance[0]?.envelope);
    const key = crypto.createPublicKey(readFixture('dsse/gcb/global-pae-provenanceSigner_1.pem'));
    const sig = env.signatures[0]?.sig as Buffer;
    assert.equal(crypto.verify(key, preAuthEncoding(env.payloadType, env.payload), sig), true);
    const tampered = Buffer.from(env.payload);
    tampered[10] = (tampered[10] as number) ^ 1;
    assert.equal(crypto.verify(key, preAuthEncoding(env.payloadType, tampered), sig), false);
    assert.equal(
      parseStatementPayload(env.payload, env.payloadType).predicateType,
      'https://slsa.dev/provenance/v0.1',
    );
  });

  it('Google BCID VSA: IEEE-P1363 ECDSA signature verifies over our PAE; payload is the decoded VSA statement', () => {
    const entry = manifestEntry('dsse/vsa/gke-gce-pre.bcid-vsa.jsonl');
    const [raw] = envelopesIn(entry.path);
    const env = decodeDsseEnvelope(raw);
    assert.equal(env.signatures[0]?.keyid, 'keystore://76574:prod:vsa_signing_public_key');
    const key = crypto.createPublicKey(readFixture('dsse/vsa/vsa_signing_public_key.pem'));
    assert.equal(
      crypto.verify(
        key,
        preAuthEncoding(env.payloadType, env.payload),
        p1363ToDer(env.signatures[0]?.sig as Buffer),
      ),
      true,
    );
    assert.deepEqual(
      parseStatementPayload(env.payload, env.payloadType),
      readJsonFixture('provenance/google-bcid-vsa.verification_summary-v1.statement.json'),
    );
  });

  it('slsa-github-generator Go builder: a bare envelope (parse-only) decodes to the decoded statement fixture', () => {
    const entry = manifestEntry(
      'dsse/slsa-github-generator-go/binary-linux-amd64-push-v13.0.30.intoto.jsonl',
    );
    assert.equal(entry.expect, 'parse-only');
    const [raw] = envelopesIn(entry.path);
    const env = decodeDsseEnvelope(raw);
    assert.equal(env.signatures.length, 1);
    assert.deepEqual(
      parseStatementPayload(env.payload, env.payloadType),
      readJsonFixture('provenance/slsa-github-generator-go-v0.0.2.slsa-v0.2.statement.json'),
    );
  });
});
