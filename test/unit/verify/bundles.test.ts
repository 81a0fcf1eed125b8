/**
 * The other real bundles in the corpus (sigstore-js, npm registry attestations, slsa-verifier)
 * with the outcomes test/fixtures/manifest.json expects, through verifyBundle (policy) and
 * verifySubmission (no policy: a crypto-valid bundle from the wrong signer still verifies there,
 * a tampered one never does).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixedClock, isAttestryError } from '../../../libs/core/index.js';
import {
  inTotoSubjects,
  npmRegistryKeyHints,
  parseBundle,
  parseTrustedRoot,
  verifyBundle,
  verifySubmission,
  type ArtifactInput,
  type BundlePolicy,
} from '../../../libs/verify/index.js';
import { bundlesIn, fixtureJson, manifest } from './helpers.js';

const trust = parseTrustedRoot(fixtureJson('trust/public-good/trusted_root.json'));
const npmKeys = npmRegistryKeyHints(fixtureJson('trust/public-good/registry.npmjs.org-keys.json'));
const clock = fixedClock('2026-11-26T00:00:00Z');
const GITHUB_ACTIONS = 'https://token.actions.githubusercontent.com';

/** The artifact as its first in-toto subject digest (the bundles here are all DSSE). */
function subjectArtifact(bundle: unknown): ArtifactInput {
  const parsed = parseBundle(bundle);
  assert.equal(parsed.content.type, 'dsse');
  if (parsed.content.type !== 'dsse') throw new Error('unreachable');
  const digest = inTotoSubjects(parsed.content.envelope)![0]!.digest;
  if (digest.sha256) return { sha256: digest.sha256 };
  return { sha512: digest.sha512! };
}

function policyFor(
  bundle: Record<string, unknown>,
  identity: string | undefined,
  issuer = GITHUB_ACTIONS,
): BundlePolicy {
  const vm = bundle.verificationMaterial as Record<string, unknown>;
  if (vm.publicKey) return { keyHints: npmKeys };
  assert.ok(identity, 'a certificate bundle needs an expected identity');
  return { certificateIdentity: identity, certificateOidcIssuer: issuer };
}

const sigstoreJsSubject = fixtureJson<{ subject: Array<{ digest: { sha512: string } }> }>(
  'dsse/statements/sigstore-js-statement.json',
).subject[0]!.digest.sha512;

describe('real bundles the manifest expects to verify', () => {
  const extractedIdentity: Record<string, string> = {
    'sigstore-2.3.1.provenance.sigstore.json':
      'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main',
  };
  for (const b of manifest.bundles) {
    assert.equal(b.expect, 'valid');
    const bundles = bundlesIn(b.path);
    bundles.forEach((bundle, i) => {
      it(`${b.path}${bundles.length > 1 ? ` #${i}` : ''} verifies`, () => {
        const identity = b.certificateIdentity ?? extractedIdentity[b.path.split('/').pop()!];
        let artifact = subjectArtifact(bundle);
        if (b.path.includes('sigstore-js/')) artifact = { sha512: sigstoreJsSubject };
        if (b.artifactDigest) artifact = { sha256: b.artifactDigest.replace(/^sha256:/, '') };
        const r = verifyBundle({
          bundle,
          artifact,
          policy: policyFor(bundle, identity, b.certificateOidcIssuer),
          trustedRoot: trust,
          clock,
        });
        if (r.signer.type === 'certificate') assert.equal(r.signer.identity.subjectAlternativeName, identity);
        else assert.equal(r.signer.hint, 'SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA');
        // Every certificate here expired years ago: they verify at their logged time, not now.
        if (r.signer.type === 'certificate') assert.ok(r.signer.notAfter < clock.now());
        assert.ok(r.times.length > 0 && r.times.every((t) => t.source !== 'integration'));
      });
    });
  }

  it('rejects a real bundle whose artifact is not its subject', () => {
    const bundle = bundlesIn('bundles/slsa-verifier/MODULE.bazel.intoto.jsonl')[0]!;
    assert.throws(
      () =>
        verifyBundle({
          bundle,
          artifact: { sha256: '1'.repeat(64) },
          policy: policyFor(
            bundle,
            'https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1',
          ),
          trustedRoot: trust,
        }),
      (e: unknown) => isAttestryError(e, 'DIGEST_MISMATCH'),
    );
  });

  it('rejects an npm publish attestation once its key is outside the validity window', () => {
    const bundle = bundlesIn('bundles/npm/provenance-npm-test-cli-v1-prega.tgz.json')[0]!;
    const shifted = npmKeys.map((k) => ({ ...k, validFor: { start: new Date('2025-02-01T00:00:00Z') } }));
    assert.throws(
      () =>
        verifyBundle({
          bundle,
          artifact: subjectArtifact(bundle),
          policy: { keyHints: shifted },
          trustedRoot: trust,
        }),
      (e: unknown) => isAttestryError(e, 'KEY_UNTRUSTED'),
    );
  });
});

describe('real bundles the manifest expects to fail', () => {
  it('npm attestations with an altered payload: the altered bundle fails, the other verifies', () => {
    for (const [file, bad] of [
      ['invalid/npm/provenance-npm-test-cli-v1-prega-invalidsigprov.tgz.json', 1],
      ['invalid/npm/provenance-npm-test-cli-v1-prega-invalidsigpub.tgz.json', 0],
    ] as const) {
      const bundles = bundlesIn(file);
      assert.equal(bundles.length, 2);
      bundles.forEach((bundle, i) => {
        const run = () => verifySubmission(bundle, { trust, clock, keyHints: npmKeys });
        if (i === bad)
          assert.throws(run, (e: unknown) => isAttestryError(e, 'SIGNATURE_INVALID'), `${file} #${i}`);
        else assert.doesNotThrow(run, `${file} #${i}`);
      });
    }
  });

  for (const file of [
    'invalid/slsa-verifier/invalid-dsse-sig.intoto.sigstore.json',
    'invalid/slsa-verifier/invalid-set.intoto.sigstore.json',
    'invalid/slsa-verifier/mismatch-tlog.intoto.sigstore.json',
  ]) {
    it(`${file} fails on its log evidence, with or without a policy`, () => {
      const bundle = bundlesIn(file)[0]!;
      assert.throws(
        () => verifySubmission(bundle, { trust, clock }),
        (e: unknown) => isAttestryError(e, 'TLOG_PROOF_INVALID'),
      );
      assert.throws(
        () =>
          verifyBundle({
            bundle,
            artifact: subjectArtifact(bundle),
            policy: policyFor(bundle, 'any'),
            trustedRoot: trust,
          }),
        (e: unknown) => isAttestryError(e, 'TLOG_PROOF_INVALID'),
      );
    });
  }

  it('a validly signed attestation for MODULE.bazel from the wrong workflow fails the identity policy', () => {
    const entry = manifest.invalid.find((x) => x.path.endsWith('MODULE-wrong-signer.bazel.intoto.jsonl'))!;
    const bundle = bundlesIn(entry.path)[0]!;
    const artifact = { sha256: '06ce330900a7d6403bc8d88e5dfad6aeeb8ae40179f66bb89e69c8bf6f6b1a0b' };
    assert.throws(
      () =>
        verifyBundle({
          bundle,
          artifact,
          policy: policyFor(bundle, entry.expectedIdentity),
          trustedRoot: trust,
        }),
      (e: unknown) => isAttestryError(e, 'IDENTITY_MISMATCH'),
    );
    // Who signed it is still a verified fact worth logging.
    const s = verifySubmission(bundle, { trust, clock });
    const signer = s.signers[0]!;
    assert.equal(signer.type, 'certificate');
    if (signer.type === 'certificate')
      assert.equal(
        signer.identity.subjectAlternativeName,
        'https://github.com/loosebazooka/aa-test/.github/workflows/malicious_attestation.yaml@refs/heads/main',
      );
  });
});
