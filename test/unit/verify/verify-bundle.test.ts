/**
 * verifyBundle on a bundle from a synthetic Rekor-v1-style log made here (a P-256 log key, a
 * 3-leaf tree, a signed checkpoint and SET), so every log check can be broken one at a time:
 * checkpoint name and origin, signature, tree size, proof, log key validity, SET, future
 * timestamps. Also the policy checks (exact identity, key), which the corpus covers only in part.
 */
import assert from 'node:assert/strict';
import nodeCrypto from 'node:crypto';
import { describe, it } from 'node:test';
import { fixedClock, isAttestryError, type ErrorCode } from '../../../libs/core/index.js';
import { createEcdsaSigner, formatCheckpoint, signNote } from '../../../libs/note/index.js';
import {
  canonicalizeJson,
  hashedRekordBody,
  parsePublicKey,
  publicKeyInfo,
  verifyBundle,
} from '../../../libs/verify/index.js';
import { bundlesIn, clone, fixture, fixtureJson, manifest } from './helpers.js';

const code = (c: ErrorCode) => (e: unknown) => isAttestryError(e, c);
const sha256 = (...parts: Buffer[]) => nodeCrypto.createHash('sha256').update(Buffer.concat(parts)).digest();
const leafHash = (b: Buffer) => sha256(Buffer.from([0]), b);
const nodeHash = (l: Buffer, r: Buffer) => sha256(Buffer.from([1]), l, r);
const b64 = (b: Buffer) => b.toString('base64');

const logKey = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const logSpki = logKey.publicKey.export({ type: 'spki', format: 'der' });
const logId = sha256(logSpki);
const signer = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signerPem = signer.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const artifact = Buffer.from('an artifact logged in a synthetic log\n');
const INTEGRATED = 1_790_000_000; // 2026-09-21

interface Options {
  origin?: string;
  noteName?: string;
  treeSize?: number;
  integratedTime?: number;
  logValidFor?: { start: string; end?: string };
  corruptProof?: boolean;
  corruptNote?: boolean;
  noSet?: boolean;
}

function synthetic(o: Options = {}) {
  const digest = sha256(artifact);
  const sig = nodeCrypto.sign('sha256', artifact, signer.privateKey);
  const body = hashedRekordBody({ algorithm: 'sha256', value: digest }, sig, {
    key: publicKeyInfo(signer.publicKey),
  });
  const l0 = leafHash(Buffer.from('entry 0'));
  const l1 = leafHash(body);
  const l2 = leafHash(Buffer.from('entry 2'));
  const root = nodeHash(nodeHash(l0, l1), l2);
  const proof = [l0, l2];
  if (o.corruptProof) proof[1] = Buffer.from(proof[1]!.map((v, i) => (i === 0 ? v ^ 1 : v)));
  const text = formatCheckpoint({
    origin: o.origin ?? 'log.example.com - 42',
    treeSize: o.treeSize ?? 3,
    rootHash: root,
    extensions: [],
  });
  let note = signNote(text, [createEcdsaSigner(o.noteName ?? 'log.example.com', logKey.privateKey)]);
  if (o.corruptNote)
    note = note.replace(
      / ([A-Za-z0-9+/]{10})/,
      (_m, s: string) => ` ${s.slice(0, 9)}${s[9] === 'A' ? 'B' : 'A'}`,
    );
  const integratedTime = o.integratedTime ?? INTEGRATED;
  const set = nodeCrypto.sign(
    'sha256',
    Buffer.from(
      canonicalizeJson({ body: b64(body), integratedTime, logIndex: 1, logID: logId.toString('hex') }),
    ),
    logKey.privateKey,
  );
  const bundle = {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: {
      publicKey: { hint: 'release-key' },
      tlogEntries: [
        {
          logIndex: '1',
          logId: { keyId: b64(logId) },
          kindVersion: { kind: 'hashedrekord', version: '0.0.1' },
          integratedTime: String(integratedTime),
          ...(o.noSet ? {} : { inclusionPromise: { signedEntryTimestamp: b64(set) } }),
          inclusionProof: {
            logIndex: '1',
            rootHash: b64(root),
            treeSize: '3',
            hashes: proof.map(b64),
            checkpoint: { envelope: note },
          },
          canonicalizedBody: b64(body),
        },
      ],
    },
    messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: b64(digest) }, signature: b64(sig) },
  };
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: 'https://log.example.com',
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: b64(logSpki),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: o.logValidFor ?? { start: '2020-01-01T00:00:00Z' },
        },
        logId: { keyId: b64(logId) },
      },
    ],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
  return { bundle, trustedRoot };
}

const verify = (o: Options = {}, extra: Partial<Parameters<typeof verifyBundle>[0]> = {}) => {
  const { bundle, trustedRoot } = synthetic(o);
  return verifyBundle({ bundle, trustedRoot, artifact, policy: { publicKey: signerPem }, ...extra });
};

describe('verifyBundle against a synthetic log', () => {
  it('verifies: SET, inclusion proof and checkpoint from the log, signature by the given key', () => {
    const r = verify();
    assert.equal(r.signer.type, 'key');
    assert.deepEqual(r.times, [{ source: 'tlog', time: new Date(INTEGRATED * 1000) }]);
    assert.deepEqual(r.tlogEntries, [
      {
        logIndex: '1',
        logId: logId.toString('hex'),
        kind: 'hashedrekord/0.0.1',
        integratedTime: new Date(INTEGRATED * 1000),
      },
    ]);
    // key hints work the same as a given key
    const { bundle, trustedRoot } = synthetic();
    const byHint = verifyBundle({
      bundle,
      trustedRoot,
      artifact,
      policy: { keyHints: [{ hint: 'release-key', key: parsePublicKey(signerPem) }] },
    });
    assert.equal(byHint.signer.type === 'key' && byHint.signer.hint, 'release-key');
  });

  const broken: Array<[string, Options, ErrorCode]> = [
    ['a checkpoint for another log origin', { origin: 'other.example.com - 42' }, 'TLOG_PROOF_INVALID'],
    [
      'a checkpoint signed under another key name',
      { noteName: 'evil.example.com', origin: 'evil.example.com - 42' },
      'TLOG_PROOF_INVALID',
    ],
    ['a checkpoint whose log signature does not verify', { corruptNote: true }, 'TLOG_PROOF_INVALID'],
    ['a checkpoint for another tree size', { treeSize: 4 }, 'TLOG_PROOF_INVALID'],
    ['a corrupted proof hash', { corruptProof: true }, 'TLOG_PROOF_INVALID'],
    [
      'an integrated time before the log key was valid',
      { logValidFor: { start: '2027-01-01T00:00:00Z' } },
      'TLOG_PROOF_INVALID',
    ],
    [
      'an integrated time after the log key expired',
      { logValidFor: { start: '2020-01-01T00:00:00Z', end: '2026-01-01T00:00:00Z' } },
      'TLOG_PROOF_INVALID',
    ],
    ['no inclusion promise, so nothing dates the signature', { noSet: true }, 'TIMESTAMP_INVALID'],
  ];
  for (const [what, o, c] of broken) {
    it(`rejects ${what} (${c})`, () => assert.throws(() => verify(o), code(c)));
  }

  it('accepts an integrated time exactly at the end of the log key validity (closed interval)', () => {
    const end = new Date(INTEGRATED * 1000).toISOString();
    assert.doesNotThrow(() => verify({ logValidFor: { start: '2020-01-01T00:00:00Z', end } }));
  });

  it('refuses a timestamp from the future when given a clock, with a little skew allowed', () => {
    assert.throws(() => verify({}, { clock: fixedClock('2026-09-01T00:00:00Z') }), code('TIMESTAMP_INVALID'));
    assert.doesNotThrow(() => verify({}, { clock: fixedClock(new Date(INTEGRATED * 1000 - 60_000)) }));
  });

  it('rejects the artifact, the key and the tampered body that do not belong', () => {
    const { bundle, trustedRoot } = synthetic();
    assert.throws(
      () =>
        verifyBundle({
          bundle,
          trustedRoot,
          artifact: Buffer.from('other'),
          policy: { publicKey: signerPem },
        }),
      code('DIGEST_MISMATCH'),
    );
    const other = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    assert.throws(
      () => verifyBundle({ bundle, trustedRoot, artifact, policy: { publicKey: other } }),
      code('SIGNATURE_INVALID'),
    );
    const tampered = clone(bundle);
    const entry = tampered.verificationMaterial.tlogEntries[0]!;
    entry.canonicalizedBody = b64(
      Buffer.from(Buffer.from(entry.canonicalizedBody, 'base64').toString().replace('"sha256"', '"sha384"')),
    );
    assert.throws(
      () => verifyBundle({ bundle: tampered, trustedRoot, artifact, policy: { publicKey: signerPem } }),
      code('TLOG_PROOF_INVALID'),
    );
    const noTlog = clone(bundle);
    noTlog.verificationMaterial.tlogEntries = [];
    assert.throws(
      () => verifyBundle({ bundle: noTlog, trustedRoot, artifact, policy: { publicKey: signerPem } }),
      code('TLOG_PROOF_INVALID'),
    );
  });
});

describe('verifyBundle policy', () => {
  const bundle = bundlesIn(
    'bundles/sigstore-conformance/bundle-verify/happy-path-v0.1/bundle.sigstore.json',
  )[0]!;
  const trustedRoot = fixtureJson('trust/public-good/trusted_root.json');
  const a = fixture('bundles/sigstore-conformance/bundle-verify/a.txt');
  const identity = manifest.conformanceRules.defaultIdentity;
  const issuer = manifest.conformanceRules.defaultIssuer;

  it('matches the certificate identity exactly: a prefix, a pattern or another issuer is a mismatch', () => {
    assert.doesNotThrow(() =>
      verifyBundle({
        bundle,
        trustedRoot,
        artifact: a,
        policy: { certificateIdentity: identity, certificateOidcIssuer: issuer },
      }),
    );
    // @sigstore/verify 3.1.1 matches the SAN with String.prototype.match: both of these pass there.
    for (const bad of ['https://github.com/sigstore-conformance/', `${identity.slice(0, 40)}.*`]) {
      assert.throws(
        () =>
          verifyBundle({
            bundle,
            trustedRoot,
            artifact: a,
            policy: { certificateIdentity: bad, certificateOidcIssuer: issuer },
          }),
        code('IDENTITY_MISMATCH'),
      );
    }
    assert.throws(
      () =>
        verifyBundle({
          bundle,
          trustedRoot,
          artifact: a,
          policy: {
            certificateIdentity: identity,
            certificateOidcIssuer: 'https://token.actions.githubusercontent.com/',
          },
        }),
      code('IDENTITY_MISMATCH'),
    );
  });
});
