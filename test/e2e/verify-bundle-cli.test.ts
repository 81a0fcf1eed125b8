/**
 * `attestry verify-bundle` as the sigstore-conformance harness drives it: the real binary, one
 * process per run, all 70 bundle-verify cases in PATH and DIGEST mode (140 runs), with upstream's
 * rules (test/fixtures/manifest.json conformanceRules). Valid: exit 0 and one `OK: ...` line on stdout.
 * Invalid: a non-zero exit and one `CODE: message` line on stderr.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../support/stack.js';

interface Case {
  case: string;
  expect: 'valid' | 'invalid';
  bundle: string;
  artifact: string;
  trustedRoot: string;
  key: string | null;
  certificateIdentity: string;
  certificateOidcIssuer: string;
}

const fixtures = path.join(repoRoot, 'test/fixtures');
const manifest = JSON.parse(readFileSync(path.join(fixtures, 'manifest.json'), 'utf8')) as {
  conformance: Case[];
};

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, 'bin/attestry.js'), 'verify-bundle', ...args],
      { env: { PATH: process.env['PATH'] ?? '' } },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('attestry verify-bundle on the sigstore-conformance suite (the real binary)', () => {
  it('gets all 70 cases right in both PATH and DIGEST mode', async () => {
    assert.equal(manifest.conformance.length, 70);
    const jobs: Array<() => Promise<string | undefined>> = [];
    for (const c of manifest.conformance) {
      const artifactPath = path.join(fixtures, c.artifact);
      let digest: string;
      try {
        digest = `sha256:${createHash('sha256').update(readFileSync(artifactPath)).digest('hex')}`;
      } catch {
        digest = 'sha256:' + '0'.repeat(64);
      }
      for (const target of [artifactPath, digest]) {
        const args = ['--bundle', path.join(fixtures, c.bundle)];
        if (c.key) args.push('--key', path.join(fixtures, c.key));
        else
          args.push(
            '--certificate-identity',
            c.certificateIdentity,
            '--certificate-oidc-issuer',
            c.certificateOidcIssuer,
          );
        args.push('--trusted-root', path.join(fixtures, c.trustedRoot), target);
        jobs.push(async () => {
          const r = await run(args);
          const mode = target === digest ? 'DIGEST' : 'PATH';
          if (c.expect === 'valid') {
            if (r.code !== 0)
              return `${c.case} ${mode}: expected valid, got exit ${r.code}: ${r.stderr.trim()}`;
            if (!/^OK: .+\n$/.test(r.stdout))
              return `${c.case} ${mode}: stdout is not one OK: line: ${JSON.stringify(r.stdout)}`;
          } else {
            if (r.code === 0) return `${c.case} ${mode}: expected invalid, got exit 0`;
            if (!/^[A-Z_]+: .+\n$/.test(r.stderr))
              return `${c.case} ${mode}: stderr is not one CODE: message line: ${JSON.stringify(r.stderr)}`;
          }
          return undefined;
        });
      }
    }
    assert.equal(jobs.length, 140);
    const failures: string[] = [];
    const queue = [...jobs];
    await Promise.all(
      [0, 1, 2].map(async () => {
        for (let job = queue.shift(); job; job = queue.shift()) {
          const f = await job();
          if (f) failures.push(f);
        }
      }),
    );
    assert.deepEqual(failures, [], `${140 - failures.length}/140 right`);
  });

  it('uses the embedded public-good root without --trusted-root, and answers usage errors with exit 2', async () => {
    const c = manifest.conformance.find(
      (x) => x.case === 'happy-path-v0.3' && x.trustedRoot.startsWith('trust/public-good'),
    );
    assert.ok(c, 'the happy-path-v0.3 case uses the public-good root');
    const ok = await run([
      '--bundle',
      path.join(fixtures, c.bundle),
      '--certificate-identity',
      c.certificateIdentity,
      '--certificate-oidc-issuer',
      c.certificateOidcIssuer,
      path.join(fixtures, c.artifact),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const usage = await run(['--bundle']);
    assert.equal(usage.code, 2);
  });
});
