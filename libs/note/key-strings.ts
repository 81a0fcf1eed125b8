/**
 * Text encodings of note keys.
 * - Verifier keys (C2SP signed-note §Verifier keys): `<name>+<hex key ID>+base64(type || key)`,
 *   where key is the 32-byte Ed25519 key (0x01, and 0x04 for cosignature/v1, tlog-cosignature
 *   §Format) or, for ECDSA (0x02), the DER SubjectPublicKeyInfo (as transparency-dev/formats).
 * - Signer keys (golang.org/x/mod/sumdb/note): `PRIVATE+KEY+<name>+<hex key ID>+base64(type ||
 *   32-byte Ed25519 seed)`, for Ed25519 (0x01) and cosignature/v1 (0x04) keys.
 * Key strings come from configuration; the key ID they carry must match the key.
 */
import { AttestryError, crypto, type KeyObject } from '../core/index.js';
import {
  SIGNATURE_TYPE_BYTES,
  computeKeyId,
  createCosignatureVerifier,
  createEcdsaVerifier,
  createEd25519Verifier,
  formatKeyId,
  type SignatureType,
  type Verifier,
} from './keys.js';
import { decodeCanonicalBase64, isValidKeyName } from './text.js';

const HEX_KEY_ID = /^[0-9a-fA-F]{8}$/;
const SIGNER_KEY_PREFIX = 'PRIVATE+KEY+';

/** An Ed25519 signing key decoded from a signer key string. */
export interface SignerKey {
  readonly type: 'ed25519' | 'cosignature-v1';
  readonly name: string;
  readonly keyId: number;
  readonly privateKey: KeyObject;
}

/** Parses a verifier key (vkey) into a Verifier. Throws KEY_MALFORMED or KEY_UNSUPPORTED. */
export function parseVerifierKey(vkey: string): Verifier {
  const { name, keyId, type, material } = splitKey(vkey, 'verifier key');
  let verifier: Verifier;
  if (type === SIGNATURE_TYPE_BYTES.ed25519 || type === SIGNATURE_TYPE_BYTES['cosignature-v1']) {
    if (material.length !== 32) throw malformed('an Ed25519 verifier key holds a 32-byte public key');
    const publicKey = crypto.ed25519FromRaw(material);
    verifier =
      type === SIGNATURE_TYPE_BYTES.ed25519
        ? createEd25519Verifier(name, publicKey)
        : createCosignatureVerifier(name, publicKey);
  } else if (type === SIGNATURE_TYPE_BYTES.ecdsa) {
    let publicKey: KeyObject;
    try {
      publicKey = crypto.createPublicKey(material, 'der');
    } catch (cause) {
      throw new AttestryError(
        'KEY_MALFORMED',
        'an ECDSA verifier key holds no valid DER SubjectPublicKeyInfo',
        { cause },
      );
    }
    // The key ID hashes the DER; require the canonical DER so key and ID stay one-to-one.
    if (!crypto.spkiDer(publicKey).equals(material))
      throw malformed('an ECDSA verifier key holds a non-canonical DER SubjectPublicKeyInfo');
    verifier = createEcdsaVerifier(name, publicKey);
  } else {
    throw new AttestryError(
      'KEY_UNSUPPORTED',
      `unsupported verifier key signature type 0x${type.toString(16).padStart(2, '0')}`,
    );
  }
  if (verifier.keyId !== keyId)
    throw malformed(
      `verifier key ID ${formatKeyId(keyId)} does not match its key (${formatKeyId(verifier.keyId)})`,
    );
  return verifier;
}

/** Formats a verifier as a verifier key string. */
export function formatVerifierKey(verifier: Verifier): string {
  const material =
    verifier.type === 'ecdsa' ? crypto.spkiDer(verifier.publicKey) : crypto.ed25519Raw(verifier.publicKey);
  return joinKey(verifier.name, verifier.type, verifier.keyId, material);
}

/** Parses a signer key (`PRIVATE+KEY+...`). Throws KEY_MALFORMED or KEY_UNSUPPORTED. */
export function parseSignerKey(skey: string): SignerKey {
  if (!skey.startsWith(SIGNER_KEY_PREFIX)) throw malformed('a signer key starts with PRIVATE+KEY+');
  const { name, keyId, type, material } = splitKey(skey.slice(SIGNER_KEY_PREFIX.length), 'signer key');
  let signatureType: SignerKey['type'];
  if (type === SIGNATURE_TYPE_BYTES.ed25519) signatureType = 'ed25519';
  else if (type === SIGNATURE_TYPE_BYTES['cosignature-v1']) signatureType = 'cosignature-v1';
  else
    throw new AttestryError(
      'KEY_UNSUPPORTED',
      `unsupported signer key signature type 0x${type.toString(16).padStart(2, '0')}`,
    );
  if (material.length !== 32) throw malformed('an Ed25519 signer key holds a 32-byte seed');
  const privateKey = crypto.ed25519PrivateFromSeed(material);
  const expected = computeKeyId(signatureType, name, crypto.publicKeyOf(privateKey));
  if (expected !== keyId)
    throw malformed(`signer key ID ${formatKeyId(keyId)} does not match its key (${formatKeyId(expected)})`);
  return { type: signatureType, name, keyId, privateKey };
}

/** Formats an Ed25519 private key as a signer key string. */
export function formatSignerKey(key: Omit<SignerKey, 'keyId'>): string {
  if (!isValidKeyName(key.name)) throw malformed('invalid key name');
  if (key.privateKey.type !== 'private' || key.privateKey.asymmetricKeyType !== 'ed25519') {
    throw new AttestryError('KEY_UNSUPPORTED', 'a signer key string holds an Ed25519 private key');
  }
  const keyId = computeKeyId(key.type, key.name, crypto.publicKeyOf(key.privateKey));
  return SIGNER_KEY_PREFIX + joinKey(key.name, key.type, keyId, crypto.ed25519Seed(key.privateKey));
}

/** Splits `<name>+<hex key ID>+<base64(type || material)>`; base64 may itself contain '+'. */
function splitKey(s: string, what: string): { name: string; keyId: number; type: number; material: Buffer } {
  const first = s.indexOf('+');
  const second = first < 0 ? -1 : s.indexOf('+', first + 1);
  if (second < 0) throw malformed(`a ${what} has three parts separated by '+'`);
  const name = s.slice(0, first);
  const hex = s.slice(first + 1, second);
  if (!isValidKeyName(name)) throw malformed(`a ${what} has an invalid key name`);
  if (!HEX_KEY_ID.test(hex)) throw malformed(`a ${what} key ID is 8 hex digits`);
  const bytes = decodeCanonicalBase64(s.slice(second + 1));
  if (bytes === undefined || bytes.length < 2)
    throw malformed(`a ${what} holds base64 of a type byte and key material`);
  return { name, keyId: Number.parseInt(hex, 16), type: bytes[0] ?? 0, material: bytes.subarray(1) };
}

function joinKey(name: string, type: SignatureType, keyId: number, material: Uint8Array): string {
  const bytes = Buffer.concat([Uint8Array.of(SIGNATURE_TYPE_BYTES[type]), material]);
  return `${name}+${formatKeyId(keyId)}+${bytes.toString('base64')}`;
}

function malformed(message: string): AttestryError {
  return new AttestryError('KEY_MALFORMED', message);
}
