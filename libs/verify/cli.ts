/**
 * `verify-bundle`, exactly as sigstore-conformance drives a client (docs/cli_protocol.md):
 *
 *   verify-bundle [--staging] --bundle FILE --certificate-identity IDENTITY
 *                 --certificate-oidc-issuer URL [--trusted-root FILE] FILE_OR_DIGEST
 *   verify-bundle [--staging] --bundle FILE --key PATH_TO_KEY [--trusted-root FILE] FILE_OR_DIGEST
 *
 * FILE_OR_DIGEST is a path or `sha256:<hex>`. The exit code is the verdict: 0 valid, 1 not valid
 * (one line `CODE: message` on stderr), 2 usage error. Without --trusted-root the embedded
 * public-good root is used. Files are read through the injected `readFile`, so this stays pure.
 */
import { AttestryError, systemClock, toAttestryError, type Clock } from '../core/index.js';
import { PUBLIC_GOOD_TRUSTED_ROOT } from './public-good-trusted-root.js';
import { verifyBundle, type ArtifactInput, type BundlePolicy } from './verify-bundle.js';

export interface VerifyBundleCliIo {
  readFile(path: string): Uint8Array | Promise<Uint8Array>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Bounds timestamps from the future; the system clock when omitted. */
  clock?: Clock;
}

export const VERIFY_BUNDLE_USAGE =
  'usage: verify-bundle [--staging] --bundle FILE (--certificate-identity IDENTITY --certificate-oidc-issuer URL | --key FILE) [--trusted-root FILE] FILE_OR_DIGEST';

class UsageError extends Error {}

interface CliArgs {
  bundle: string;
  identity?: string;
  issuer?: string;
  key?: string;
  trustedRoot?: string;
  staging: boolean;
  target: string;
}

const VALUE_FLAGS: Record<string, keyof CliArgs> = {
  '--bundle': 'bundle',
  '--certificate-identity': 'identity',
  '--certificate-oidc-issuer': 'issuer',
  '--key': 'key',
  '--trusted-root': 'trustedRoot',
};

function parseArgs(argv: readonly string[]): CliArgs {
  const [command, ...rest] = argv;
  if (command !== 'verify-bundle') throw new UsageError(`unknown command ${JSON.stringify(command ?? '')}`);
  const out: Partial<Record<keyof CliArgs, string>> = {};
  let staging = false;
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--staging') {
      staging = true;
    } else if (arg in VALUE_FLAGS) {
      const value = rest[++i];
      const name = VALUE_FLAGS[arg]!;
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      if (out[name] !== undefined) throw new UsageError(`${arg} given twice`);
      out[name] = value;
    } else if (arg.startsWith('--')) {
      throw new UsageError(`unknown option ${arg}`);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 1) throw new UsageError('exactly one FILE_OR_DIGEST is needed');
  if (out.bundle === undefined) throw new UsageError('--bundle is required');
  const byIdentity = out.identity !== undefined || out.issuer !== undefined;
  if (byIdentity && out.key !== undefined)
    throw new UsageError('--key excludes --certificate-identity/--certificate-oidc-issuer');
  if (!byIdentity && out.key === undefined)
    throw new UsageError('give --certificate-identity and --certificate-oidc-issuer, or --key');
  if (byIdentity && (out.identity === undefined || out.issuer === undefined))
    throw new UsageError('--certificate-identity and --certificate-oidc-issuer go together');
  return { ...(out as Omit<CliArgs, 'staging' | 'target'>), staging, target: positional[0]! };
}

function parseJson(bytes: Uint8Array, what: string, code: 'BUNDLE_MALFORMED' | 'CONFIG_INVALID'): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new AttestryError(code, `${what} is not JSON`, { cause: e });
  }
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Runs `verify-bundle` and returns the exit code. */
export async function runVerifyBundleCli(argv: readonly string[], io: VerifyBundleCliIo): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`${e.message}\n${VERIFY_BUNDLE_USAGE}\n`);
    return 2;
  }
  if (args.staging && args.trustedRoot === undefined) {
    io.stderr('--staging needs --trusted-root: only the public-good root is embedded\n');
    return 2;
  }
  try {
    const bundle = parseJson(await io.readFile(args.bundle), 'the bundle', 'BUNDLE_MALFORMED');
    const trustedRoot =
      args.trustedRoot === undefined
        ? PUBLIC_GOOD_TRUSTED_ROOT
        : parseJson(await io.readFile(args.trustedRoot), 'the trusted root', 'CONFIG_INVALID');
    const policy: BundlePolicy =
      args.key !== undefined
        ? { publicKey: Buffer.from(await io.readFile(args.key)).toString('utf8') }
        : { certificateIdentity: args.identity!, certificateOidcIssuer: args.issuer! };
    let artifact: ArtifactInput;
    const digest = /^sha256:([0-9a-fA-F]{64})$/.exec(args.target);
    if (digest) artifact = { sha256: digest[1]!.toLowerCase() };
    else if (args.target.startsWith('sha256:'))
      throw new AttestryError('INPUT_MALFORMED', 'a sha256: digest is 64 hex characters');
    else artifact = await io.readFile(args.target);
    const result = verifyBundle({ bundle, artifact, policy, trustedRoot, clock: io.clock ?? systemClock });
    const who =
      result.signer.type === 'certificate'
        ? `${result.signer.identity.subjectAlternativeName ?? '?'} (${result.signer.identity.issuer ?? '?'})`
        : result.signer.keyId;
    io.stdout(`OK: ${result.content} signed by ${who}\n`);
    return 0;
  } catch (e) {
    const err = e instanceof AttestryError ? e : toAttestryError(e, 'INPUT_MALFORMED');
    io.stderr(`${err.code}: ${oneLine(err.message)}\n`);
    return 1;
  }
}
