/**
 * The log's two keys (DESIGN.md "The log"): Ed25519 for C2SP verifiers and witnesses, ECDSA
 * P-256 for Sigstore verifiers (checkpoints and signed entry timestamps). Made once into the
 * log's data folder (mode 0600), or loaded from files or PEM text an operator names. Only the
 * sequencer and `attestry trusted-root` read them (the gateway and the api read the public half
 * from tlog.log_identity), and a restart keeps every exported trusted root valid. Private keys are never logged: this module returns
 * KeyObjects, whose inspection prints no key material.
 */
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AttestryError, crypto, toHex, type KeyObject } from '../core/index.js';

export const DEFAULT_LOG_ORIGIN = 'attestry.local/log';

export interface LogKeySource {
  /** Folder where keys are made on first use: `<ATTESTRY_HOME>/keys`. */
  dir: string;
  /** PKCS#8 PEM text or a path to it, overriding the folder (LOG_ED25519_KEY / LOG_ED25519_KEY_FILE). */
  ed25519Pem?: string;
  ed25519File?: string;
  ecdsaPem?: string;
  ecdsaFile?: string;
}

export interface LogKeys {
  ed25519: { privateKey: KeyObject; publicKey: KeyObject };
  ecdsa: { privateKey: KeyObject; publicKey: KeyObject };
  /** Rekor v1 log id: hex SHA-256 of the ECDSA key's DER SPKI. */
  logId: string;
}

const ED25519_FILE = 'log-ed25519.key';
const ECDSA_FILE = 'log-ecdsa-p256.key';

/**
 * `dir/file` (mode 0600), made with `make()` if it does not exist yet. Written to a temporary
 * file, then hard-linked into place: link() is atomic and fails if the file exists, so two
 * processes racing on first start agree on one complete file.
 */
function createOnce(dir: string, file: string, make: () => string): string {
  const p = path.join(dir, file);
  if (!existsSync(p)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${p}.${process.pid}.tmp`;
    writeFileSync(tmp, make(), { mode: 0o600 });
    try {
      linkSync(tmp, p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      unlinkSync(tmp);
    }
  }
  chmodSync(p, 0o600);
  return p;
}

function loadOrCreate(
  dir: string,
  file: string,
  type: 'ed25519' | 'ecdsa-p256',
  pem?: string,
  pemFile?: string,
): KeyObject {
  if (pem) return parse(pem, 'inline PEM');
  if (pemFile) return parse(readFileSync(pemFile, 'utf8'), pemFile);
  const p = createOnce(dir, file, () => crypto.pkcs8Pem(crypto.generateKeyPair(type).privateKey));
  return parse(readFileSync(p, 'utf8'), p);

  function parse(text: string, where: string): KeyObject {
    let key: KeyObject;
    try {
      key = crypto.createPrivateKey(text);
    } catch (e) {
      throw new AttestryError('KEY_MALFORMED', `the log key in ${where} is not a PKCS#8 PEM private key`, {
        cause: e,
      });
    }
    const ok =
      type === 'ed25519'
        ? key.asymmetricKeyType === 'ed25519'
        : key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
    if (!ok)
      throw new AttestryError(
        'KEY_MALFORMED',
        `the log key in ${where} is not ${type === 'ed25519' ? 'Ed25519' : 'ECDSA P-256'}`,
      );
    return key;
  }
}

export function loadLogKeys(source: LogKeySource): LogKeys {
  const ed = loadOrCreate(source.dir, ED25519_FILE, 'ed25519', source.ed25519Pem, source.ed25519File);
  const ec = loadOrCreate(source.dir, ECDSA_FILE, 'ecdsa-p256', source.ecdsaPem, source.ecdsaFile);
  const edPub = crypto.publicKeyOf(ed);
  const ecPub = crypto.publicKeyOf(ec);
  return {
    ed25519: { privateKey: ed, publicKey: edPub },
    ecdsa: { privateKey: ec, publicKey: ecPub },
    logId: toHex(crypto.sha256(crypto.spkiDer(ecPub))),
  };
}

/**
 * The environment variables naming the log's keys and identity, shared by the sequencer and
 * `attestry trusted-root` (the gateway takes only ATTESTRY_HOME and LOG_KEYS_DIR from it).
 */
export const logKeyConfig = {
  /** Data folder; the log's keys are made in <ATTESTRY_HOME>/keys unless named below. */
  ATTESTRY_HOME: z.string().min(1).default('.attestry'),
  LOG_KEYS_DIR: z.string().min(1).optional(),
  LOG_ED25519_KEY_FILE: z.string().min(1).optional(),
  LOG_ECDSA_KEY_FILE: z.string().min(1).optional(),
  LOG_ED25519_KEY: z.string().min(1).optional(),
  LOG_ECDSA_KEY: z.string().min(1).optional(),
  /** The checkpoint origin line and note key name: part of the log's identity, never change it. */
  LOG_ORIGIN: z
    .string()
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .refine((s) => !s.includes('+'), 'must not contain "+"')
    .default(DEFAULT_LOG_ORIGIN),
};

export function loadLogKeysFromConfig(c: {
  ATTESTRY_HOME: string;
  LOG_KEYS_DIR?: string | undefined;
  LOG_ED25519_KEY_FILE?: string | undefined;
  LOG_ECDSA_KEY_FILE?: string | undefined;
  LOG_ED25519_KEY?: string | undefined;
  LOG_ECDSA_KEY?: string | undefined;
}): LogKeys {
  return loadLogKeys({
    dir: c.LOG_KEYS_DIR ?? path.join(c.ATTESTRY_HOME, 'keys'),
    ...(c.LOG_ED25519_KEY ? { ed25519Pem: c.LOG_ED25519_KEY } : {}),
    ...(c.LOG_ED25519_KEY_FILE ? { ed25519File: c.LOG_ED25519_KEY_FILE } : {}),
    ...(c.LOG_ECDSA_KEY ? { ecdsaPem: c.LOG_ECDSA_KEY } : {}),
    ...(c.LOG_ECDSA_KEY_FILE ? { ecdsaFile: c.LOG_ECDSA_KEY_FILE } : {}),
  });
}

/**
 * The gateway's voucher secret (libs/tlog/voucher.ts): 32 random bytes (hex) shared by the
 * gateways and the sequencer, made once in the keys folder, or named by VOUCHER_SECRET_FILE (a
 * gateway on another host gets a copy of this file, never the log's keys). It only matters when
 * the sequencer trusts vouchers (SEQUENCER_TRUST_GATEWAY_VOUCHERS, off by default).
 */
export const voucherConfig = {
  VOUCHER_SECRET_FILE: z.string().min(1).optional(),
};

export function loadVoucherSecret(c: {
  ATTESTRY_HOME: string;
  LOG_KEYS_DIR?: string | undefined;
  VOUCHER_SECRET_FILE?: string | undefined;
}): Buffer {
  const file =
    c.VOUCHER_SECRET_FILE ??
    createOnce(c.LOG_KEYS_DIR ?? path.join(c.ATTESTRY_HOME, 'keys'), 'voucher.secret', () =>
      toHex(crypto.randomBytes(32)),
    );
  const text = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text))
    throw new AttestryError('KEY_MALFORMED', `the voucher secret in ${file} is not 64 hex digits`);
  return Buffer.from(text, 'hex');
}
