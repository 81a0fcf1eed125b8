/**
 * Note verifiers and signers for the signature types Attestry uses (C2SP signed-note §Signature
 * types): Ed25519 (0x01), ECDSA P-256 as Rekor v1 / Sigstore use it (0x02), and Ed25519
 * cosignature/v1 (0x04, C2SP tlog-cosignature).
 */
import { AttestryError, crypto, type Clock, type KeyObject } from '../core/index.js';
import { parseCheckpoint } from './checkpoint.js';
import { cosignatureMessage, encodeCosignature, parseCosignature } from './cosignature.js';
import { decodeUtf8, isValidKeyName } from './text.js';

export type SignatureType = 'ed25519' | 'ecdsa' | 'cosignature-v1';

/** The signature type identifier bytes (C2SP signed-note §Signature types). */
export const SIGNATURE_TYPE_BYTES: Readonly<Record<SignatureType, number>> = {
  ed25519: 0x01,
  ecdsa: 0x02,
  'cosignature-v1': 0x04,
};

/** A known key: signatures whose key name and key ID both match it are verified with it. */
export interface Verifier {
  readonly type: SignatureType;
  readonly name: string;
  /** uint32 key ID, the first four bytes of a signature, big-endian. */
  readonly keyId: number;
  readonly publicKey: KeyObject;
  /** Whether `signature` (without the key ID) is valid over `text` (the note text's UTF-8). Never throws. */
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

/** Something that signs note texts under a key name and key ID. */
export interface Signer {
  readonly name: string;
  readonly keyId: number;
  /** The verifier for this signer's signatures. */
  readonly verifier: Verifier;
  /** Signs `text` (the note text's UTF-8); returns the signature without the key ID. */
  sign(text: Uint8Array): Uint8Array;
}

/**
 * The key ID of a public key for a signature type.
 * - ed25519, cosignature-v1: SHA-256(name || 0x0A || type byte || 32-byte key)[:4]
 *   (signed-note §Ed25519 signatures, tlog-cosignature §Format);
 * - ecdsa: SHA-256(DER SubjectPublicKeyInfo)[:4] (signed-note §Signature types, 0x02). The name
 *   is not part of it; for Rekor v1 this is the first four bytes of the log ID.
 */
export function computeKeyId(type: SignatureType, name: string, publicKey: KeyObject): number {
  const hash =
    type === 'ecdsa'
      ? crypto.sha256(crypto.spkiDer(publicKey))
      : crypto.sha256(
          Buffer.from(name, 'utf8'),
          Uint8Array.of(0x0a, SIGNATURE_TYPE_BYTES[type]),
          crypto.ed25519Raw(publicKey),
        );
  return hash.readUInt32BE(0);
}

/** The 8-digit lowercase hex form of a key ID, as in verifier keys. */
export function formatKeyId(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

export function createEd25519Verifier(name: string, publicKey: KeyObject): Verifier {
  assertKey(name, publicKey, 'public', 'ed25519');
  return {
    type: 'ed25519',
    name,
    keyId: computeKeyId('ed25519', name, publicKey),
    publicKey,
    verify: (text, signature) => signature.length === 64 && crypto.verify(publicKey, text, signature),
  };
}

/** ECDSA P-256 over SHA-256 of the note text, ASN.1 DER signature (Rekor v1 checkpoints). */
export function createEcdsaVerifier(name: string, publicKey: KeyObject): Verifier {
  assertKey(name, publicKey, 'public', 'ec');
  return {
    type: 'ecdsa',
    name,
    keyId: computeKeyId('ecdsa', name, publicKey),
    publicKey,
    verify: (text, signature) => crypto.verify(publicKey, text, signature, { hash: 'sha256' }),
  };
}

/** Ed25519 cosignature/v1 (C2SP tlog-cosignature): a witness's timestamped signature. */
export function createCosignatureVerifier(name: string, publicKey: KeyObject): Verifier {
  assertKey(name, publicKey, 'public', 'ed25519');
  return {
    type: 'cosignature-v1',
    name,
    keyId: computeKeyId('cosignature-v1', name, publicKey),
    publicKey,
    verify: (text, signature) => {
      let cosignature;
      try {
        cosignature = parseCosignature(signature);
      } catch {
        return false;
      }
      return crypto.verify(publicKey, cosignatureMessage(cosignature.timestamp, text), cosignature.signature);
    },
  };
}

export function createEd25519Signer(name: string, privateKey: KeyObject): Signer {
  assertKey(name, privateKey, 'private', 'ed25519');
  const verifier = createEd25519Verifier(name, crypto.publicKeyOf(privateKey));
  return { name, keyId: verifier.keyId, verifier, sign: (text) => crypto.sign(privateKey, text, null) };
}

export function createEcdsaSigner(name: string, privateKey: KeyObject): Signer {
  assertKey(name, privateKey, 'private', 'ec');
  const verifier = createEcdsaVerifier(name, crypto.publicKeyOf(privateKey));
  return { name, keyId: verifier.keyId, verifier, sign: (text) => crypto.sign(privateKey, text, 'sha256') };
}

/**
 * A witness cosigner (tlog-cosignature, Ed25519 cosignature/v1). It signs only checkpoints
 * (C2SP tlog-checkpoint), stamping each cosignature with the clock's time in whole seconds.
 */
export function createCosignatureSigner(name: string, privateKey: KeyObject, clock: Clock): Signer {
  assertKey(name, privateKey, 'private', 'ed25519');
  const verifier = createCosignatureVerifier(name, crypto.publicKeyOf(privateKey));
  return {
    name,
    keyId: verifier.keyId,
    verifier,
    sign: (text) => {
      const decoded = decodeUtf8(text);
      if (decoded === undefined)
        throw new AttestryError('CHECKPOINT_MALFORMED', 'a cosigned checkpoint must be UTF-8');
      // tlog-cosignature §Format: a cosignature is a note signature applied to a checkpoint.
      parseCheckpoint(decoded);
      const timestamp = Math.floor(clock.now().getTime() / 1000);
      return encodeCosignature(timestamp, crypto.sign(privateKey, cosignatureMessage(timestamp, text), null));
    },
  };
}

function assertKey(
  name: string,
  key: KeyObject,
  kind: 'public' | 'private',
  algorithm: 'ed25519' | 'ec',
): void {
  if (!isValidKeyName(name)) {
    throw new AttestryError(
      'KEY_MALFORMED',
      'a key name must be non-empty, without spaces, plus signs or control characters',
    );
  }
  if (key.type !== kind)
    throw new AttestryError('KEY_MALFORMED', `expected a ${kind} key, got a ${key.type} key`);
  if (key.asymmetricKeyType !== algorithm) {
    throw new AttestryError(
      'KEY_UNSUPPORTED',
      `expected an ${algorithm} key, got ${String(key.asymmetricKeyType)}`,
    );
  }
  // Rekor v1 / Sigstore checkpoints are ECDSA P-256 with SHA-256; other curves are not used here.
  if (algorithm === 'ec' && key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new AttestryError(
      'KEY_UNSUPPORTED',
      `expected an ECDSA P-256 key, got curve ${String(key.asymmetricKeyDetails?.namedCurve)}`,
    );
  }
}
