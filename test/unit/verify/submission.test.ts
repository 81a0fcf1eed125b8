/**
 * verifySubmission: the three input shapes, every key type, an operator's own CA, key hints,
 * and Sigstore bundles dated by their evidence (never by "now" when evidence exists).
 */
import assert from 'node:assert/strict';
import nodeCrypto from 'node:crypto';
import { describe, it } from 'node:test';
import { fixedClock, isAttestryError, type ErrorCode } from '../../../libs/core/index.js';
import {
  certificateAuthorityTrust,
  combineTrust,
  MAX_ENTRY_BYTES,
  parsePublicKey,
  parseTrustedRoot,
  verifySubmission,
  type Signer,
} from '../../../libs/verify/index.js';
import { bundlesIn, clone, fixtureJson, makeOperatorPki, pae, pem } from './helpers.js';

const publicGood = parseTrustedRoot(fixtureJson('trust/public-good/trusted_root.json'));
const clock = fixedClock('2026-11-26T12:00:00Z');
const code = (c: ErrorCode) => (e: unknown) => isAttestryError(e, c);

function spkiPem(key: nodeCrypto.KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

function keyIdOf(key: nodeCrypto.KeyObject): string {
  return `sha256:${nodeCrypto
    .createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex')}`;
}

const artifact = Buffer.from('attestry release artifact\n');

type KeyCase = {
  name: string;
  make: () => nodeCrypto.KeyPairKeyObjectResult;
  hash: 'sha256' | 'sha384' | 'sha512';
  sign: (data: Buffer, key: nodeCrypto.KeyObject, hash: string) => Buffer;
};

const plain = (data: Buffer, key: nodeCrypto.KeyObject, hash: string) => nodeCrypto.sign(hash, data, key);
const pss = (data: Buffer, key: nodeCrypto.KeyObject, hash: string) =>
  nodeCrypto.sign(hash, data, { key, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });

const KEY_CASES: KeyCase[] = [
  {
    name: 'ECDSA P-256',
    make: () => nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    hash: 'sha256',
    sign: plain,
  },
  {
    name: 'ECDSA P-384',
    make: () => nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-384' }),
    hash: 'sha384',
    sign: plain,
  },
  {
    name: 'RSA-2048 PKCS#1 v1.5',
    make: () => nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 }),
    hash: 'sha256',
    sign: plain,
  },
  {
    name: 'RSA-3072 PSS',
    make: () => nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 3072 }),
    hash: 'sha512',
    sign: pss,
  },
  {
    name: 'RSASSA-PSS key',
    make: () => nodeCrypto.generateKeyPairSync('rsa-pss', { modulusLength: 2048 }),
    hash: 'sha256',
    sign: pss,
  },
];

function hashedRekord(
  hash: string,
  signature: Buffer,
  verificationMaterial: Record<string, unknown>,
  data = artifact,
) {
  return {
    artifactDigest: { algorithm: hash, hex: nodeCrypto.createHash(hash).update(data).digest('hex') },
    signature: signature.toString('base64'),
    verificationMaterial,
  };
}

describe('verifySubmission: hashedrekord', () => {
  for (const k of KEY_CASES) {
    it(`verifies a ${k.name} signature over a ${k.hash} digest and builds the Rekor v1 body`, () => {
      const { publicKey, privateKey } = k.make();
      const sig = k.sign(artifact, privateKey, k.hash);
      const s = verifySubmission(hashedRekord(k.hash, sig, { publicKey: spkiPem(publicKey) }), {
        trust: publicGood,
        clock,
      });
      const hex = nodeCrypto.createHash(k.hash).update(artifact).digest('hex');
      assert.equal(s.kind, 'hashedrekord');
      assert.deepEqual(s.artifactDigest, { algorithm: k.hash, hex });
      assert.equal(s.signers[0]!.keyId, keyIdOf(publicKey));
      assert.equal(s.signers[0]!.type, 'key');
      const pemText = spkiPem(publicKey);
      assert.equal(
        s.entryBody.toString('utf8'),
        `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"${k.hash}","value":"${hex}"}},` +
          `"signature":{"content":"${sig.toString('base64')}","publicKey":{"content":"${Buffer.from(pemText).toString('base64')}"}}}}`,
      );
      const leaf = nodeCrypto
        .createHash('sha256')
        .update(Buffer.concat([Buffer.from([0]), s.entryBody]))
        .digest();
      assert.deepEqual(s.leafHash, leaf);
      assert.equal(s.timeSource, 'integration');
      assert.deepEqual(s.signedAt, clock.now());
    });

    it(`rejects a ${k.name} signature over another artifact`, () => {
      const { publicKey, privateKey } = k.make();
      const sig = k.sign(Buffer.from('something else'), privateKey, k.hash);
      assert.throws(
        () =>
          verifySubmission(hashedRekord(k.hash, sig, { publicKey: spkiPem(publicKey) }), {
            trust: publicGood,
            clock,
          }),
        code('SIGNATURE_INVALID'),
      );
    });
  }

  it('accepts the key as base64 DER too, and the signature in URL-safe base64', () => {
    const { publicKey, privateKey } = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const sig = nodeCrypto.sign('sha256', artifact, privateKey);
    const input = hashedRekord('sha256', sig, {
      publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    });
    input.signature = sig.toString('base64url');
    const s = verifySubmission(input, { trust: publicGood, clock });
    assert.match(
      s.entryBody.toString(),
      new RegExp(`"content":"${sig.toString('base64').replace(/[+/]/g, '\\$&')}"`),
    );
  });

  it('refuses Ed25519 over a bare digest, short RSA keys and other curves (KEY_UNSUPPORTED)', () => {
    const ed = nodeCrypto.generateKeyPairSync('ed25519');
    assert.throws(
      () =>
        verifySubmission(
          hashedRekord('sha256', nodeCrypto.sign(null, artifact, ed.privateKey), {
            publicKey: spkiPem(ed.publicKey),
          }),
          {
            trust: publicGood,
            clock,
          },
        ),
      code('KEY_UNSUPPORTED'),
    );
    const rsa = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
    assert.throws(
      () =>
        verifySubmission(
          hashedRekord('sha256', nodeCrypto.sign('sha256', artifact, rsa.privateKey), {
            publicKey: spkiPem(rsa.publicKey),
          }),
          { trust: publicGood, clock },
        ),
      code('KEY_UNSUPPORTED'),
    );
    const p521 = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-521' });
    assert.throws(
      () =>
        verifySubmission(
          hashedRekord('sha512', nodeCrypto.sign('sha512', artifact, p521.privateKey), {
            publicKey: spkiPem(p521.publicKey),
          }),
          { trust: publicGood, clock },
        ),
      code('KEY_UNSUPPORTED'),
    );
  });
});

function envelope(
  payload: Buffer,
  sigs: Array<{ sig: Buffer; keyid?: string }>,
  payloadType = 'application/vnd.in-toto+json',
) {
  return {
    payloadType,
    payload: payload.toString('base64'),
    signatures: sigs.map((s) => ({
      ...(s.keyid !== undefined ? { keyid: s.keyid } : {}),
      sig: s.sig.toString('base64'),
    })),
  };
}

const statement = Buffer.from(
  JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [
      { name: 'app.tgz', digest: { sha256: nodeCrypto.createHash('sha256').update(artifact).digest('hex') } },
    ],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {},
  }),
);

describe('verifySubmission: DSSE', () => {
  it('verifies a key-signed envelope; the entry commits to the envelope bytes and payload, not the payload itself', () => {
    const { publicKey, privateKey } = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const sig = nodeCrypto.sign('sha256', pae('application/vnd.in-toto+json', statement), privateKey);
    const env = envelope(statement, [{ sig, keyid: '' }]);
    const s = verifySubmission(
      { dsseEnvelope: env, verificationMaterial: { publicKey: spkiPem(publicKey) } },
      { trust: publicGood, clock },
    );
    assert.equal(s.kind, 'dsse');
    assert.deepEqual(s.payload, statement);
    assert.equal(s.payloadType, 'application/vnd.in-toto+json');
    assert.equal(
      s.envelopeBytes!.toString(),
      JSON.stringify({
        payload: env.payload,
        payloadType: env.payloadType,
        signatures: [{ sig: env.signatures[0]!.sig, keyid: '' }],
      }),
    );
    const body = JSON.parse(s.entryBody.toString()) as { spec: Record<string, unknown> };
    const sha = (b: Buffer) => nodeCrypto.createHash('sha256').update(b).digest('hex');
    assert.deepEqual(body.spec, {
      envelopeHash: { algorithm: 'sha256', value: sha(s.envelopeBytes!) },
      payloadHash: { algorithm: 'sha256', value: sha(statement) },
      signatures: [
        { signature: sig.toString('base64'), verifier: Buffer.from(spkiPem(publicKey)).toString('base64') },
      ],
    });
    assert.ok(!s.entryBody.includes(env.payload));
  });

  it('verifies several signers, matching each signature to its key, and sorts the logged signatures', () => {
    const a = nodeCrypto.generateKeyPairSync('ed25519');
    const b = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const m = pae('application/vnd.in-toto+json', statement);
    const sigA = nodeCrypto.sign(null, m, a.privateKey);
    const sigB = nodeCrypto.sign('sha384', m, b.privateKey);
    const s = verifySubmission(
      {
        dsseEnvelope: envelope(statement, [{ sig: sigA }, { sig: sigB }]),
        verificationMaterial: [{ publicKey: spkiPem(b.publicKey) }, { publicKey: spkiPem(a.publicKey) }],
      },
      { trust: publicGood, clock },
    );
    assert.deepEqual(
      s.signers.map((x) => x.keyId),
      [keyIdOf(a.publicKey), keyIdOf(b.publicKey)],
    );
    const logged = (
      JSON.parse(s.entryBody.toString()) as { spec: { signatures: Array<{ signature: string }> } }
    ).spec.signatures.map((x) => x.signature);
    assert.deepEqual(logged, [sigA.toString('base64'), sigB.toString('base64')].sort());
  });

  it('accepts an IEEE P1363 ECDSA signature (r || s), as some DSSE signers emit', () => {
    const { publicKey, privateKey } = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const sig = nodeCrypto.sign('sha256', pae('application/vnd.in-toto+json', statement), {
      key: privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    assert.equal(sig.length, 64);
    const s = verifySubmission(
      {
        dsseEnvelope: envelope(statement, [{ sig }]),
        verificationMaterial: { publicKey: spkiPem(publicKey) },
      },
      { trust: publicGood, clock },
    );
    assert.equal(s.signers.length, 1);
  });

  it('rejects a signature no given key verifies, a changed payload type, and unused material', () => {
    const a = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const b = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const sig = nodeCrypto.sign('sha256', pae('application/vnd.in-toto+json', statement), a.privateKey);
    assert.throws(
      () =>
        verifySubmission(
          {
            dsseEnvelope: envelope(statement, [{ sig }]),
            verificationMaterial: { publicKey: spkiPem(b.publicKey) },
          },
          { trust: publicGood, clock },
        ),
      code('SIGNATURE_INVALID'),
    );
    assert.throws(
      () =>
        verifySubmission(
          {
            dsseEnvelope: envelope(statement, [{ sig }], 'text/plain'),
            verificationMaterial: { publicKey: spkiPem(a.publicKey) },
          },
          { trust: publicGood, clock },
        ),
      code('SIGNATURE_INVALID'),
    );
    assert.throws(
      () =>
        verifySubmission(
          {
            dsseEnvelope: envelope(statement, [{ sig }]),
            verificationMaterial: [{ publicKey: spkiPem(a.publicKey) }, { publicKey: spkiPem(b.publicKey) }],
          },
          { trust: publicGood, clock },
        ),
      code('INPUT_MALFORMED'),
    );
  });

  it('resolves a key hint and enforces its validity window at the integration time', () => {
    const { publicKey, privateKey } = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const sig = nodeCrypto.sign('sha256', pae('application/vnd.in-toto+json', statement), privateKey);
    const input = {
      dsseEnvelope: envelope(statement, [{ sig }]),
      verificationMaterial: { publicKeyHint: 'SHA256:test-key' },
    };
    const key = parsePublicKey(spkiPem(publicKey));
    const inWindow = [
      { hint: 'SHA256:test-key', key, validFor: { start: new Date('2026-01-01T00:00:00Z') } },
    ];
    const expired = [
      {
        hint: 'SHA256:test-key',
        key,
        validFor: { start: new Date('2025-01-01T00:00:00Z'), end: new Date('2026-01-01T00:00:00Z') },
      },
    ];
    const s = verifySubmission(input, { trust: publicGood, clock, keyHints: inWindow });
    assert.equal((s.signers[0] as Extract<Signer, { type: 'key' }>).hint, 'SHA256:test-key');
    assert.throws(
      () => verifySubmission(input, { trust: publicGood, clock, keyHints: expired }),
      code('KEY_UNTRUSTED'),
    );
    assert.throws(() => verifySubmission(input, { trust: publicGood, clock }), code('KEY_UNTRUSTED'));
  });
});

describe('verifySubmission: certificates from an operator CA', () => {
  const validity = {
    notBefore: new Date('2026-11-01T00:00:00Z'),
    notAfter: new Date('2026-12-01T00:00:00Z'),
  };

  function signed(leafKey: nodeCrypto.KeyObject) {
    const alg = leafKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    return envelope(statement, [
      { sig: nodeCrypto.sign(alg, pae('application/vnd.in-toto+json', statement), leafKey) },
    ]);
  }

  it('verifies a certificate that chains to the operator CA at the integration time, and reads its identity', () => {
    const issuerExt = Buffer.concat([Buffer.from([0x0c, 27]), Buffer.from('https://issuer.example.com/')]);
    const repoExt = Buffer.concat([Buffer.from([0x0c, 31]), Buffer.from('https://git.example.com/app.git')]);
    const pki = makeOperatorPki({
      ...validity,
      leaf: {
        extensions: [
          ['1.3.6.1.4.1.57264.1.8', issuerExt],
          ['1.3.6.1.4.1.57264.1.12', repoExt],
        ],
      },
    });
    const trust = combineTrust(publicGood, certificateAuthorityTrust([pki.caDer]));
    const s = verifySubmission(
      {
        dsseEnvelope: signed(pki.leafKey),
        verificationMaterial: { certificate: pem('CERTIFICATE', pki.leafDer) },
      },
      { trust, clock },
    );
    const signer = s.signers[0]!;
    assert.equal(signer.type, 'certificate');
    if (signer.type !== 'certificate') return;
    assert.equal(signer.identity.subjectAlternativeName, 'https://ci.example.com/pipelines/release');
    assert.equal(signer.identity.sanType, 'uri');
    assert.equal(signer.identity.issuer, 'https://issuer.example.com/');
    assert.deepEqual(signer.identity.extensions, { sourceRepositoryUri: 'https://git.example.com/app.git' });
    // The logged verifier is the leaf certificate (Rekor v1 stores the certificate PEM).
    const body = JSON.parse(s.entryBody.toString()) as { spec: { signatures: Array<{ verifier: string }> } };
    assert.equal(
      Buffer.from(body.spec.signatures[0]!.verifier, 'base64').toString(),
      pem('CERTIFICATE', pki.leafDer),
    );
  });

  it('accepts the certificate as base64 DER, or as a chain whose first element is the leaf', () => {
    const pki = makeOperatorPki({ ...validity, leafKeyType: 'ed25519' });
    const trust = certificateAuthorityTrust([pki.caDer]);
    for (const vm of [
      { certificate: pki.leafDer.toString('base64') },
      { certificateChain: [pem('CERTIFICATE', pki.leafDer), pem('CERTIFICATE', pki.caDer)] },
    ]) {
      const s = verifySubmission(
        { dsseEnvelope: signed(pki.leafKey), verificationMaterial: vm },
        { trust, clock },
      );
      assert.equal(s.signers[0]!.algorithm, 'ed25519');
    }
  });

  it('checks the certificate at the integration time: not yet valid or expired is untrusted', () => {
    for (const window of [
      { notBefore: new Date('2026-12-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') },
      { notBefore: new Date('2026-10-01T00:00:00Z'), notAfter: new Date('2026-11-01T00:00:00Z') },
    ]) {
      const pki = makeOperatorPki(window);
      assert.throws(
        () =>
          verifySubmission(
            {
              dsseEnvelope: signed(pki.leafKey),
              verificationMaterial: { certificate: pem('CERTIFICATE', pki.leafDer) },
            },
            { trust: certificateAuthorityTrust([pki.caDer]), clock },
          ),
        code('CERTIFICATE_UNTRUSTED'),
      );
    }
  });

  it('rejects a certificate from a CA that is not configured, a CA certificate as signer, and one not for code signing', () => {
    const pki = makeOperatorPki(validity);
    const run =
      (leafDer: Buffer, leafKey: nodeCrypto.KeyObject, trust = certificateAuthorityTrust([pki.caDer])) =>
      () =>
        verifySubmission(
          {
            dsseEnvelope: signed(leafKey),
            verificationMaterial: { certificate: pem('CERTIFICATE', leafDer) },
          },
          { trust, clock },
        );
    assert.throws(run(pki.leafDer, pki.leafKey, publicGood), code('CERTIFICATE_UNTRUSTED'));
    const ca = makeOperatorPki({ ...validity, leaf: { ca: true } });
    assert.throws(
      run(ca.leafDer, ca.leafKey, certificateAuthorityTrust([ca.caDer])),
      code('CERTIFICATE_UNTRUSTED'),
    );
    const tls = makeOperatorPki({ ...validity, leaf: { eku: ['1.3.6.1.5.5.7.3.1'] } });
    assert.throws(
      run(tls.leafDer, tls.leafKey, certificateAuthorityTrust([tls.caDer])),
      code('CERTIFICATE_UNTRUSTED'),
    );
  });

  it('requires an SCT for certificates from a CA whose trusted root lists CT logs', () => {
    const pki = makeOperatorPki(validity);
    // The same CA, listed in a TrustedRoot that has CT logs (as Fulcio's is): no SCT, no trust.
    const root = fixtureJson<Record<string, unknown>>('trust/public-good/trusted_root.json');
    root.certificateAuthorities = [
      {
        certChain: { certificates: [{ rawBytes: pki.caDer.toString('base64') }] },
        validFor: { start: '2020-01-01T00:00:00Z' },
      },
    ];
    assert.throws(
      () =>
        verifySubmission(
          {
            dsseEnvelope: signed(pki.leafKey),
            verificationMaterial: { certificate: pem('CERTIFICATE', pki.leafDer) },
          },
          { trust: parseTrustedRoot(root), clock },
        ),
      code('CERTIFICATE_UNTRUSTED'),
    );
  });

  it('verifies a hashedrekord signed with a certificate and logs the certificate PEM', () => {
    const pki = makeOperatorPki(validity);
    const s = verifySubmission(
      hashedRekord('sha256', nodeCrypto.sign('sha256', artifact, pki.leafKey), {
        certificate: pem('CERTIFICATE', pki.leafDer),
      }),
      {
        trust: certificateAuthorityTrust([pki.caDer]),
        clock,
      },
    );
    const body = JSON.parse(s.entryBody.toString()) as {
      spec: { signature: { publicKey: { content: string } } };
    };
    assert.equal(
      Buffer.from(body.spec.signature.publicKey.content, 'base64').toString(),
      pem('CERTIFICATE', pki.leafDer),
    );
  });
});

describe('verifySubmission: Sigstore bundles', () => {
  const happyV03 = bundlesIn(
    'bundles/sigstore-conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json',
  )[0]!;

  it('dates a bundle by its verified integrated time, not by the clock, though its certificate expired long ago', () => {
    const s = verifySubmission(happyV03, { trust: publicGood, clock });
    assert.equal(s.timeSource, 'tlog');
    assert.deepEqual(s.signedAt, new Date('2024-03-19T17:26:26Z'));
    const signer = s.signers[0]!;
    assert.ok(signer.type === 'certificate' && signer.notAfter < clock.now());
    assert.equal(s.kind, 'hashedrekord');
    assert.equal(s.bundle?.tlogEntries.length, 1);
  });

  it('falls back to the integration time only when no evidence dates the signature', () => {
    const stripped = clone(happyV03);
    (stripped.verificationMaterial as { tlogEntries: unknown[] }).tlogEntries = [];
    assert.throws(
      () => verifySubmission(stripped, { trust: publicGood, clock }),
      code('CERTIFICATE_UNTRUSTED'),
    );
    const s = verifySubmission(stripped, { trust: publicGood, clock: fixedClock('2024-03-19T17:30:00Z') });
    assert.equal(s.timeSource, 'integration');
  });

  it('refuses evidence dating the signature after the integration time', () => {
    assert.throws(
      () => verifySubmission(happyV03, { trust: publicGood, clock: fixedClock('2024-03-19T17:20:00Z') }),
      code('TIMESTAMP_INVALID'),
    );
  });

  it('refuses evidence that does not verify rather than ignoring it', () => {
    const tampered = clone(happyV03);
    const entry = (
      tampered.verificationMaterial as {
        tlogEntries: Array<{ inclusionPromise: { signedEntryTimestamp: string } }>;
      }
    ).tlogEntries[0]!;
    const set = Buffer.from(entry.inclusionPromise.signedEntryTimestamp, 'base64');
    set[set.length - 1]! ^= 1;
    entry.inclusionPromise.signedEntryTimestamp = set.toString('base64');
    assert.throws(() => verifySubmission(tampered, { trust: publicGood, clock }), code('TLOG_PROOF_INVALID'));
  });

  it('refuses a key-signed bundle whose hint names no known key', () => {
    const bundle = bundlesIn(
      'bundles/sigstore-conformance/bundle-verify/managed-key-happy-path/bundle.sigstore.json',
    )[0]!;
    assert.throws(() => verifySubmission(bundle, { trust: publicGood, clock }), code('KEY_UNTRUSTED'));
  });

  it('reads the Fulcio CI extensions of a real certificate as a typed object', () => {
    const dir = 'bundles/sigstore-conformance/bundle-verify/rekor2-dsse-happy-path';
    const s = verifySubmission(bundlesIn(`${dir}/bundle.sigstore.json`)[0]!, {
      trust: parseTrustedRoot(fixtureJson(`${dir}/trusted_root.json`)),
      clock,
    });
    const signer = s.signers[0]!;
    assert.equal(signer.type, 'certificate');
    if (signer.type !== 'certificate') return;
    assert.equal(s.timeSource, 'rfc3161');
    const beacon = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon';
    const workflow = `${beacon}/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main`;
    assert.equal(signer.identity.subjectAlternativeName, workflow);
    assert.equal(signer.identity.issuer, 'https://token.actions.githubusercontent.com');
    assert.equal(signer.certificateAuthority, 'https://fulcio.sigstage.dev');
    assert.deepEqual(
      { ...signer.identity.extensions },
      {
        buildSignerUri: workflow,
        buildSignerDigest: '977e8d08554ca9bda279c96e91be2119fb67c730',
        runnerEnvironment: 'github-hosted',
        sourceRepositoryUri: beacon,
        sourceRepositoryDigest: '977e8d08554ca9bda279c96e91be2119fb67c730',
        sourceRepositoryRef: 'refs/heads/main',
        sourceRepositoryIdentifier: '632596897',
        sourceRepositoryOwnerUri: 'https://github.com/sigstore-conformance',
        sourceRepositoryOwnerIdentifier: '131804563',
        buildConfigUri: workflow,
        buildConfigDigest: '977e8d08554ca9bda279c96e91be2119fb67c730',
        buildTrigger: 'workflow_dispatch',
        runInvocationUri: `${beacon}/actions/runs/25821282059/attempts/1`,
        sourceRepositoryVisibilityAtSigning: 'public',
        githubWorkflowTrigger: 'workflow_dispatch',
        githubWorkflowSha: '977e8d08554ca9bda279c96e91be2119fb67c730',
        githubWorkflowName: 'Extremely dangerous OIDC beacon',
        githubWorkflowRepository: 'sigstore-conformance/extremely-dangerous-public-oidc-beacon',
        githubWorkflowRef: 'refs/heads/main',
      },
    );
  });

  it('refuses an entry that would not fit a tile entry bundle (ENTRY_TOO_LARGE)', () => {
    // A certificate with a 44 KB extension: its PEM, base64-encoded again in the body, overflows 64 KiB.
    const big = Buffer.concat([Buffer.from([0x04, 0x82, 0xab, 0xe0]), Buffer.alloc(44000, 0x61)]);
    const pki = makeOperatorPki({
      notBefore: new Date('2026-11-01T00:00:00Z'),
      notAfter: new Date('2026-12-01T00:00:00Z'),
      leaf: { extensions: [['1.3.6.1.4.1.99999.1', big]] },
    });
    const sig = nodeCrypto.sign('sha256', pae('application/vnd.in-toto+json', statement), pki.leafKey);
    const input = {
      dsseEnvelope: envelope(statement, [{ sig }]),
      verificationMaterial: { certificate: pem('CERTIFICATE', pki.leafDer) },
    };
    assert.ok(input.verificationMaterial.certificate.length < 65536);
    assert.throws(
      () => verifySubmission(input, { trust: certificateAuthorityTrust([pki.caDer]), clock }),
      code('ENTRY_TOO_LARGE'),
    );
    assert.equal(MAX_ENTRY_BYTES, 65535);
  });
});
