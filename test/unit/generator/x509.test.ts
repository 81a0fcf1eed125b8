/**
 * The demo CA's DER: node:crypto's X509Certificate and OpenSSL-independent parsers read it, and
 * Attestry's own certificate code extracts the identity Fulcio would have written.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { demoCa, DemoCa, ecdsaKeyFrom, GITHUB_ACTIONS_ISSUER } from '../../../libs/generator/index.js';
import { oid, integer, time } from '../../../libs/generator/x509.js';
import { parseTrustedRoot, signerIdentityOfVerifier } from '../../../libs/verify/index.js';

const pem = (der: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;

const claims = {
  buildSignerUri: 'https://github.com/acme/widget/.github/workflows/release.yml@refs/heads/main',
  buildSignerDigest: 'a'.repeat(40),
  runnerEnvironment: 'github-hosted',
  sourceRepositoryUri: 'https://github.com/acme/widget',
  sourceRepositoryDigest: 'a'.repeat(40),
  sourceRepositoryRef: 'refs/heads/main',
  sourceRepositoryIdentifier: '123456',
  sourceRepositoryOwnerUri: 'https://github.com/acme',
  sourceRepositoryOwnerIdentifier: '42',
  buildConfigUri: 'https://github.com/acme/widget/.github/workflows/release.yml@refs/heads/main',
  buildConfigDigest: 'a'.repeat(40),
  buildTrigger: 'push',
  runInvocationUri: 'https://github.com/acme/widget/actions/runs/1/attempts/1',
  sourceRepositoryVisibilityAtSigning: 'public',
};

describe('DER encoding', () => {
  it('encodes OIDs, INTEGERs and times as X.690 requires', () => {
    assert.equal(oid('1.2.840.10045.4.3.2').toString('hex'), '06082a8648ce3d040302');
    assert.equal(oid('1.3.6.1.4.1.57264.1.8').toString('hex'), '060a2b0601040183bf300108');
    assert.equal(integer(Buffer.from([0x80])).toString('hex'), '02020080');
    assert.equal(integer(Buffer.from([0, 0, 5])).toString('hex'), '020105');
    assert.equal(time(new Date('2024-01-01T00:00:00Z')).toString('ascii', 2), '240101000000Z');
    assert.equal(time(new Date('2050-01-01T00:00:00Z'))[0], 0x18); // GeneralizedTime from 2050
  });
});

describe('the demo CA', () => {
  const ca = demoCa();
  const root = new X509Certificate(ca.rootDer);

  it('is a self-signed P-256 CA root, the same in every process', () => {
    assert.equal(root.ca, true);
    assert.equal(root.verify(root.publicKey), true);
    assert.equal(root.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.match(root.subject, /NOT FOR PRODUCTION/);
    assert.deepEqual(new DemoCa().rootDer, ca.rootDer);
  });

  it('issues a workflow leaf that node:crypto and Attestry read as Fulcio would have written it', () => {
    const key = ecdsaKeyFrom('test', 'leaf');
    const der = ca.issue({
      identity: { kind: 'workflow', uri: claims.buildConfigUri, claims },
      spki: key.spki,
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2035-01-01T00:00:00Z'),
      serialLabel: 'test',
    });
    const leaf = new X509Certificate(der);
    assert.equal(leaf.checkIssued(root), true);
    assert.equal(leaf.verify(root.publicKey), true);
    assert.equal(leaf.ca, false);
    assert.equal(leaf.subjectAltName, `URI:${claims.buildConfigUri}`);
    assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.3']);
    assert.ok(!leaf.subject, 'empty subject, as Fulcio leaves have');

    const id = signerIdentityOfVerifier(pem(der));
    assert.equal(id.kind, 'certificate');
    assert.equal(id.keyId, key.keyId);
    assert.equal(id.sanType, 'uri');
    assert.equal(id.subjectAlternativeName, claims.buildConfigUri);
    assert.equal(id.issuer, GITHUB_ACTIONS_ISSUER);
    assert.deepEqual(id.extensions, claims);
  });

  it('issues an e-mail leaf with its OIDC issuer', () => {
    const key = ecdsaKeyFrom('test', 'mail');
    const der = ca.issue({
      identity: { kind: 'email', email: 'ana@gmail.com', issuer: 'https://accounts.google.com' },
      spki: key.spki,
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2035-01-01T00:00:00Z'),
      serialLabel: 'mail',
    });
    assert.equal(new X509Certificate(der).subjectAltName, 'email:ana@gmail.com');
    const id = signerIdentityOfVerifier(pem(der));
    assert.equal(id.sanType, 'email');
    assert.equal(id.subjectAlternativeName, 'ana@gmail.com');
    assert.equal(id.issuer, 'https://accounts.google.com');
    assert.deepEqual(id.extensions, {});
  });

  it('exports a TrustedRoot that libs/verify parses: one CA, no CT log, so no SCT is asked of its leaves', () => {
    const trust = parseTrustedRoot(ca.trustedRoot());
    assert.equal(trust.certificateAuthorities.length, 1);
    assert.equal(trust.certificateAuthorities[0]?.requireSct, false);
    assert.equal(trust.ctlogs.length, 0);
    assert.ok(
      trust.certificateAuthorities[0]!.validFor!.start.getTime() <= Date.parse('2024-01-01T00:00:00Z'),
    );
  });
});
