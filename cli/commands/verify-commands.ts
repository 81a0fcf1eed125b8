/**
 * `attestry verify-bundle`: the sigstore-conformance client contract (libs/verify/cli.ts). Needs
 * no running stack and no environment; prints only its verdict (one `OK: ...` line on stdout, a failure
 * as one `CODE: message` line on stderr); exit 0 valid, 1 invalid, 2 usage.
 */
import { readFile } from 'node:fs/promises';
import { runVerifyBundleCli, VERIFY_BUNDLE_USAGE } from '../../libs/verify/index.js';

export async function runVerifyBundle(_root: string, argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      `${VERIFY_BUNDLE_USAGE.replace(/^usage: /, 'attestry ')}\n  Verifies a Sigstore bundle (v0.1-v0.3) offline: signature, certificate chain at signing time,\n  identity or key, transparency-log inclusion (Rekor v1/v2, or Attestry's own log with the\n  trusted root from \`attestry trusted-root\`) and timestamps. FILE_OR_DIGEST is a path or sha256:<hex>.\n  Without --trusted-root the embedded Sigstore public-good root is used.\n`,
    );
    return 0;
  }
  return runVerifyBundleCli(['verify-bundle', ...argv], {
    readFile: (p) => readFile(p),
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  });
}
