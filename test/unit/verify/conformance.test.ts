/**
 * sigstore-conformance bundle-verify: all 70 cases, each in PATH mode (the artifact file) and
 * DIGEST mode (`sha256:<hex>`), run through the verify-bundle CLI contract exactly as the
 * conformance harness drives a client (rules in test/fixtures/manifest.json conformanceRules).
 * @sigstore/verify 3.1.1 gets 136/140 (it rejects rekor2-dsse-happy-path and accepts
 * trust-root-tlog-missing-validity-start_fail); Attestry must get all 140.
 */
import assert from 'node:assert/strict';
import nodeCrypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ERROR_CODES } from '../../../libs/core/index.js';
import { runVerifyBundleCli } from '../../../libs/verify/index.js';
import { FIXTURES, manifest } from './helpers.js';

const PUBLIC_GOOD = 'trust/public-good/trusted_root.json';

/**
 * For cases whose README names the one defect, the check that must catch it (the code on
 * stderr): a failure for some other, incidental reason would hide a missing check.
 */
const EXPECTED_CODE: Record<string, string> = {
  'bundle-invalid-base64-signature_fail': 'BUNDLE_MALFORMED',
  'bundle-malformed-json_fail': 'BUNDLE_MALFORMED',
  'bundle-negative-log-index_fail': 'BUNDLE_MALFORMED',
  'bundle-unknown-version_fail': 'BUNDLE_MALFORMED',
  'bundle-empty-certificate-chain_fail': 'BUNDLE_MALFORMED',
  'bundle-from-wrong-instance_fail': 'TLOG_PROOF_INVALID',
  'checkpoint-bad-keyhint_fail': 'TLOG_PROOF_INVALID',
  'invalid-checkpoint-signature_fail': 'TLOG_PROOF_INVALID',
  'inclusion-proof-corrupted-hash_fail': 'TLOG_PROOF_INVALID',
  'set-invalid-signature_fail': 'TLOG_PROOF_INVALID',
  'dsse-invalid-sig_fail': 'SIGNATURE_INVALID',
  'rekor2-dsse-invalid-sig_fail': 'SIGNATURE_INVALID',
  'signature-mismatch_fail': 'SIGNATURE_INVALID',
  'dsse-mismatch-sig_fail': 'TLOG_PROOF_INVALID',
  'rekor2-dsse-mismatch-sig_fail': 'TLOG_PROOF_INVALID',
  'rekor2-dsse-mismatch-envelope_fail': 'TLOG_PROOF_INVALID',
  'wrong-hashedrekord-entry_fail': 'TLOG_PROOF_INVALID',
  'incorrect-public-key_fail': 'TLOG_PROOF_INVALID',
  'message-digest-mismatch_fail': 'DIGEST_MISMATCH',
  'wrong-material_fail': 'DIGEST_MISMATCH',
  'integrated-time-in-future_fail': 'CERTIFICATE_UNTRUSTED',
  'intoto-expired-certificate_fail': 'CERTIFICATE_UNTRUSTED',
  'intoto-set-outside-signing-cert-validity_fail': 'CERTIFICATE_UNTRUSTED',
  'intoto-tsa-timestamp-outside-cert-validity_fail': 'CERTIFICATE_UNTRUSTED',
  'rekor2-timestamp-with-incorrect-time_fail': 'CERTIFICATE_UNTRUSTED',
  'invalid-ct-key_fail': 'CERTIFICATE_UNTRUSTED',
  'rekor2-no-timestamp_fail': 'TIMESTAMP_INVALID',
  'rekor2-timestamp-outside-trust-root-tsa-validity_fail': 'TIMESTAMP_INVALID',
  'rekor2-timestamp-outside-tsa-cert-validity_fail': 'TIMESTAMP_INVALID',
  'rekor2-timestamp-payload-mismatch_fail': 'TIMESTAMP_INVALID',
  'rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail': 'TIMESTAMP_INVALID',
  'rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail': 'TIMESTAMP_INVALID',
  'rekor2-no-inclusion-proof_fail': 'BUNDLE_MALFORMED',
  'intoto-missing-inclusion-proof_fail': 'BUNDLE_MALFORMED',
  'managed-key-no-key_fail': 'KEY_UNTRUSTED',
  'trust-root-tlog-missing-validity-start_fail': 'CONFIG_INVALID',
};

async function run(argv: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const code = await runVerifyBundleCli(argv, {
    readFile: (p) => readFileSync(p),
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  });
  return { code, stderr, stdout };
}

describe('sigstore-conformance bundle-verify (70 cases x PATH and DIGEST)', () => {
  assert.equal(manifest.conformance.length, 70);
  let passed = 0;

  for (const c of manifest.conformance) {
    for (const mode of ['PATH', 'DIGEST'] as const) {
      it(`${c.case} [${mode}] is ${c.expect}`, async () => {
        const abs = (rel: string) => path.join(FIXTURES, rel);
        const argv = ['verify-bundle', '--bundle', abs(c.bundle)];
        if (c.key) argv.push('--key', abs(c.key));
        else
          argv.push(
            '--certificate-identity',
            c.certificateIdentity,
            '--certificate-oidc-issuer',
            c.certificateOidcIssuer,
          );
        // Without --trusted-root the CLI uses its embedded public-good root.
        if (c.trustedRoot !== PUBLIC_GOOD) argv.push('--trusted-root', abs(c.trustedRoot));
        const artifact = readFileSync(abs(c.artifact));
        argv.push(
          mode === 'PATH'
            ? abs(c.artifact)
            : `sha256:${nodeCrypto.createHash('sha256').update(artifact).digest('hex')}`,
        );
        const r = await run(argv);
        if (c.expect === 'valid') {
          assert.equal(r.code, 0, `expected valid, got: ${r.stderr}`);
          assert.match(r.stdout, /^OK: /);
          assert.equal(r.stderr, '');
        } else {
          assert.equal(
            r.code,
            1,
            `expected a verification failure, got exit ${r.code}: ${r.stdout}${r.stderr}`,
          );
          const m = /^([A-Z_]+): \S.*\n$/.exec(r.stderr);
          assert.ok(m, `one line "CODE: message" on stderr, got ${JSON.stringify(r.stderr)}`);
          assert.ok((ERROR_CODES as readonly string[]).includes(m[1]!), `${m[1]} is a typed error code`);
          const expected = EXPECTED_CODE[c.case];
          if (expected !== undefined) assert.equal(m[1], expected, r.stderr);
        }
        passed++;
      });
    }
  }

  it('got all 140 right', () => {
    assert.equal(passed, 140);
  });
});
