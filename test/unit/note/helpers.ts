/** Fixture loading shared by the note tests (not a test file itself). */
import { readFileSync } from 'node:fs';
import { crypto, isAttestryError } from '../../../libs/core/index.js';
import { createEcdsaVerifier, createEd25519Verifier, type Verifier } from '../../../libs/note/index.js';

export const FIXTURES = new URL('../../fixtures/', import.meta.url);

export function readFixture(path: string): string {
  return readFileSync(new URL(path, FIXTURES), 'utf8');
}

export function readJsonFixture<T>(path: string): T {
  return JSON.parse(readFixture(path)) as T;
}

interface TrustedRootTlog {
  baseUrl: string;
  publicKey: { rawBytes: string; keyDetails: string };
  logId: { keyId: string };
}

export interface TlogVerifier {
  verifier: Verifier;
  logId: Buffer;
}

/**
 * Verifiers for the transparency logs of a Sigstore trusted_root.json: the key name is the host
 * of the log's base URL (what Rekor signs its checkpoints with), the key its DER SPKI.
 */
export function tlogVerifiers(trustedRootPath: string): TlogVerifier[] {
  const root = readJsonFixture<{ tlogs: TrustedRootTlog[] }>(trustedRootPath);
  return root.tlogs.map((tlog) => {
    const name = new URL(tlog.baseUrl).hostname;
    const key = crypto.createPublicKey(Buffer.from(tlog.publicKey.rawBytes, 'base64'), 'der');
    const logId = Buffer.from(tlog.logId.keyId, 'base64');
    switch (tlog.publicKey.keyDetails) {
      case 'PKIX_ED25519':
        return { verifier: createEd25519Verifier(name, key), logId };
      case 'PKIX_ECDSA_P256_SHA_256':
        return { verifier: createEcdsaVerifier(name, key), logId };
      default:
        throw new Error(`unexpected key type ${tlog.publicKey.keyDetails} in ${trustedRootPath}`);
    }
  });
}

/** The checkpoint envelope of a Sigstore bundle's first tlog entry. */
export function bundleCheckpoint(bundlePath: string): string {
  const bundle = readJsonFixture<{
    verificationMaterial: { tlogEntries: { inclusionProof: { checkpoint: { envelope: string } } }[] };
  }>(bundlePath);
  const entry = bundle.verificationMaterial.tlogEntries[0];
  if (entry === undefined) throw new Error(`${bundlePath} has no tlog entry`);
  return entry.inclusionProof.checkpoint.envelope;
}

/** Calls fn and returns the AttestryError code it throws (fails if it does not throw one). */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isAttestryError(e)) return e.code;
    throw e;
  }
  throw new Error('expected an AttestryError, nothing was thrown');
}
