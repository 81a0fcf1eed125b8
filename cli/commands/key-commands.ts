/** `attestry keygen` and `attestry trusted-root`: no running stack, no environment needed. */
import { readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { crypto, toBase64, fromHex } from '../../libs/core/index.js';
import { parseConfig } from '../../libs/config/index.js';
import { loadLogKeysFromConfig, logKeyConfig } from '../../libs/logkeys/index.js';

const KEYGEN_HELP = `attestry keygen --out PREFIX [--type ecdsa-p256|ed25519]
  Writes PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (SPKI PEM), and prints the key id
  (sha256:<hex of SHA-256 of the DER SubjectPublicKeyInfo>) that Attestry indexes the signer by.`;

export async function runKeygen(_root: string, argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      type: { type: 'string', default: 'ecdsa-p256' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${KEYGEN_HELP}\n`);
    return 0;
  }
  if (!values.out) {
    process.stderr.write(`attestry keygen: --out PREFIX is required\n${KEYGEN_HELP}\n`);
    return 2;
  }
  const type = values.type;
  if (type !== 'ecdsa-p256' && type !== 'ed25519') {
    process.stderr.write('attestry keygen: --type must be ecdsa-p256 or ed25519\n');
    return 2;
  }
  const keyFile = `${values.out}.key`;
  const pubFile = `${values.out}.pub`;
  if (existsSync(keyFile)) {
    process.stderr.write(`attestry keygen: ${keyFile} exists; refusing to overwrite a key\n`);
    return 1;
  }
  const { privateKey, publicKey } = crypto.generateKeyPair(type);
  writeFileSync(keyFile, crypto.pkcs8Pem(privateKey), { mode: 0o600, flag: 'wx' });
  writeFileSync(pubFile, crypto.spkiPem(publicKey));
  process.stdout.write(`sha256:${crypto.sha256(crypto.spkiDer(publicKey)).toString('hex')}\n`);
  return 0;
}

const TRUSTED_ROOT_HELP = `attestry trusted-root [--ca-roots FILE,...]
  Prints a Sigstore TrustedRoot (JSON, stdout only) naming this log's ECDSA key, plus the
  certificate and timestamp authorities of the TrustedRoot files given with --ca-roots (or
  TRUSTED_ROOT_FILES). Give it to any Sigstore verifier (cosign, sigstore-js, sigstore-python)
  to verify Attestry's log entries offline. Reads the log's keys from ATTESTRY_HOME/keys or the
  LOG_* variables, as the sequencer does; needs no running stack.`;

const TrustedRootCas = z.object({
  certificateAuthorities: z.array(z.unknown()).optional(),
  timestampAuthorities: z.array(z.unknown()).optional(),
});

export async function runTrustedRoot(root: string, argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'ca-roots': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${TRUSTED_ROOT_HELP}\n`);
    return 0;
  }
  const env = { ATTESTRY_HOME: path.join(root, '.attestry'), ...process.env };
  const cfg = parseConfig(z.object(logKeyConfig), env);
  const keys = loadLogKeysFromConfig(cfg);
  const spki = crypto.spkiDer(keys.ecdsa.publicKey);
  // validFor.start must be no later than the first integrated time: the key file's birth
  // (mtime; the key content is never rewritten) precedes every entry it signed.
  const keyFile =
    cfg.LOG_ECDSA_KEY_FILE ??
    path.join(cfg.LOG_KEYS_DIR ?? path.join(cfg.ATTESTRY_HOME, 'keys'), 'log-ecdsa-p256.key');
  const start =
    existsSync(keyFile) && !cfg.LOG_ECDSA_KEY
      ? new Date(Math.floor(statSync(keyFile).mtimeMs / 1000) * 1000)
      : new Date(0);
  const caFiles = (values['ca-roots'] ?? process.env['TRUSTED_ROOT_FILES'] ?? '').split(',').filter(Boolean);
  const certificateAuthorities: unknown[] = [];
  const timestampAuthorities: unknown[] = [];
  for (const f of caFiles) {
    const parsed = TrustedRootCas.parse(JSON.parse(readFileSync(f, 'utf8')));
    certificateAuthorities.push(...(parsed.certificateAuthorities ?? []));
    timestampAuthorities.push(...(parsed.timestampAuthorities ?? []));
  }
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: `https://${cfg.LOG_ORIGIN}`,
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: toBase64(spki),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: start.toISOString() },
        },
        logId: { keyId: toBase64(fromHex(keys.logId)) },
      },
    ],
    certificateAuthorities,
    ctlogs: [],
    timestampAuthorities,
  };
  process.stdout.write(`${JSON.stringify(trustedRoot, null, 2)}\n`);
  return 0;
}
