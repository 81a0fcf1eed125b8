/**
 * runVerifyBundleCli: the sigstore-conformance CLI contract (argument forms, exit codes, one
 * `CODE: message` line), with files read through the injected readFile.
 */
import assert from 'node:assert/strict';
import nodeCrypto from 'node:crypto';
import { describe, it } from 'node:test';
import { fixedClock } from '../../../libs/core/index.js';
import { runVerifyBundleCli, VERIFY_BUNDLE_USAGE } from '../../../libs/verify/index.js';
import { fixture, manifest } from './helpers.js';

const DIR = 'bundles/sigstore-conformance/bundle-verify';
const IDENTITY = manifest.conformanceRules.defaultIdentity;
const ISSUER = manifest.conformanceRules.defaultIssuer;

/** An in-memory file system: the CLI only ever sees these paths. */
function io(files: Record<string, Buffer | string>) {
  const out = { stdout: '', stderr: '', read: [] as string[] };
  return {
    out,
    io: {
      readFile: async (p: string) => {
        out.read.push(p);
        const f = files[p];
        if (f === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
        return Buffer.from(f);
      },
      stdout: (s: string) => (out.stdout += s),
      stderr: (s: string) => (out.stderr += s),
      clock: fixedClock('2026-11-26T00:00:00Z'),
    },
  };
}

const files = {
  'b.json': fixture(`${DIR}/happy-path-v0.1/bundle.sigstore.json`),
  'a.txt': fixture(`${DIR}/a.txt`),
  'root.json': fixture('trust/public-good/trusted_root.json'),
  'mk.json': fixture(`${DIR}/managed-key-happy-path/bundle.sigstore.json`),
  'key.pub': fixture(`${DIR}/managed-key-happy-path/key.pub`),
};
const digest = `sha256:${nodeCrypto.createHash('sha256').update(files['a.txt']).digest('hex')}`;

describe('runVerifyBundleCli', () => {
  it('verifies with an identity, the embedded public-good root, and a file or a digest', async () => {
    for (const target of ['a.txt', digest, digest.toUpperCase().replace('SHA256', 'sha256')]) {
      const t = io(files);
      const argv = [
        'verify-bundle',
        '--bundle',
        'b.json',
        '--certificate-identity',
        IDENTITY,
        '--certificate-oidc-issuer',
        ISSUER,
        target,
      ];
      assert.equal(await runVerifyBundleCli(argv, t.io), 0, t.out.stderr);
      assert.equal(t.out.stdout, `OK: messageSignature signed by ${IDENTITY} (${ISSUER})\n`);
      assert.ok(!t.out.read.includes('root.json'));
    }
  });

  it('verifies with --key and an explicit --trusted-root', async () => {
    const t = io(files);
    const argv = [
      'verify-bundle',
      '--bundle',
      'mk.json',
      '--key',
      'key.pub',
      '--trusted-root',
      'root.json',
      'a.txt',
    ];
    assert.equal(await runVerifyBundleCli(argv, t.io), 0, t.out.stderr);
    assert.ok(t.out.read.includes('root.json'));
    assert.match(t.out.stdout, /^OK: messageSignature signed by sha256:[0-9a-f]{64}\n$/);
  });

  it('fails with exit 1 and one line CODE: message', async () => {
    const cases: Array<[string[], string]> = [
      [
        ['--certificate-identity', 'https://example.com/other', '--certificate-oidc-issuer', ISSUER, 'a.txt'],
        'IDENTITY_MISMATCH',
      ],
      [
        [
          '--certificate-identity',
          IDENTITY,
          '--certificate-oidc-issuer',
          'https://accounts.google.com',
          'a.txt',
        ],
        'IDENTITY_MISMATCH',
      ],
      [
        ['--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER, `sha256:${'0'.repeat(64)}`],
        'DIGEST_MISMATCH',
      ],
      [
        ['--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER, 'sha256:abc'],
        'INPUT_MALFORMED',
      ],
      [
        [
          '--certificate-identity',
          IDENTITY,
          '--certificate-oidc-issuer',
          ISSUER,
          '--trusted-root',
          'a.txt',
          'a.txt',
        ],
        'CONFIG_INVALID',
      ],
      [['--key', 'key.pub', 'a.txt'], 'IDENTITY_MISMATCH'],
    ];
    for (const [rest, code] of cases) {
      const t = io(files);
      assert.equal(
        await runVerifyBundleCli(['verify-bundle', '--bundle', 'b.json', ...rest], t.io),
        1,
        rest.join(' '),
      );
      assert.match(t.out.stderr, new RegExp(`^${code}: [^\\n]+\\n$`), rest.join(' '));
      assert.equal(t.out.stdout, '');
    }
  });

  it('reports a bundle that is not JSON, and a file that cannot be read', async () => {
    const t = io({ ...files, 'bad.json': '{"mediaType": ' });
    const id = ['--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER, 'a.txt'];
    assert.equal(await runVerifyBundleCli(['verify-bundle', '--bundle', 'bad.json', ...id], t.io), 1);
    assert.match(t.out.stderr, /^BUNDLE_MALFORMED: /);
    const u = io(files);
    assert.equal(await runVerifyBundleCli(['verify-bundle', '--bundle', 'missing.json', ...id], u.io), 1);
    assert.match(u.out.stderr, /^[A-Z_]+: .*ENOENT/);
  });

  it('answers usage errors with exit 2 and the usage line', async () => {
    const bad = [
      [],
      ['sign-bundle'],
      ['verify-bundle', '--bundle', 'b.json', 'a.txt'],
      ['verify-bundle', '--bundle', 'b.json', '--certificate-identity', IDENTITY, 'a.txt'],
      [
        'verify-bundle',
        '--bundle',
        'b.json',
        '--key',
        'key.pub',
        '--certificate-identity',
        IDENTITY,
        '--certificate-oidc-issuer',
        ISSUER,
        'a.txt',
      ],
      ['verify-bundle', '--bundle', 'b.json', '--key', 'key.pub'],
      ['verify-bundle', '--bundle', 'b.json', '--key', 'key.pub', 'a.txt', 'b.txt'],
      ['verify-bundle', '--bundle', 'b.json', '--key', 'key.pub', '--unknown', 'a.txt'],
      ['verify-bundle', '--bundle', 'b.json', '--bundle', 'b.json', '--key', 'key.pub', 'a.txt'],
      ['verify-bundle', '--key', 'key.pub', 'a.txt'],
      ['verify-bundle', '--bundle'],
    ];
    for (const argv of bad) {
      const t = io(files);
      assert.equal(await runVerifyBundleCli(argv, t.io), 2, argv.join(' '));
      assert.ok(t.out.stderr.endsWith(`${VERIFY_BUNDLE_USAGE}\n`));
      assert.deepEqual(t.out.read, []);
    }
  });

  it('needs --trusted-root with --staging, since only the public-good root is embedded', async () => {
    const t = io(files);
    const argv = ['verify-bundle', '--staging', '--bundle', 'b.json', '--key', 'key.pub', 'a.txt'];
    assert.equal(await runVerifyBundleCli(argv, t.io), 2);
    const u = io(files);
    const withRoot = [
      'verify-bundle',
      '--staging',
      '--bundle',
      'mk.json',
      '--key',
      'key.pub',
      '--trusted-root',
      'root.json',
      'a.txt',
    ];
    assert.equal(await runVerifyBundleCli(withRoot, u.io), 0, u.out.stderr);
  });
});
