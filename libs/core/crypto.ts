/**
 * The one module that imports node:crypto. Everything else asks here for hashes, random bytes,
 * keys and signatures, so the crypto surface is reviewable in one place.
 */
import nodeCrypto from 'node:crypto';

export type KeyObject = nodeCrypto.KeyObject;
export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

export function sha256(...parts: Uint8Array[]): Buffer {
  const h = nodeCrypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

export function digest(alg: HashAlgorithm, data: Uint8Array): Buffer {
  return nodeCrypto.createHash(alg).update(data).digest();
}

export function randomBytes(n: number): Buffer {
  return nodeCrypto.randomBytes(n);
}

export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && nodeCrypto.timingSafeEqual(a, b);
}

export function createPublicKey(
  input: string | Buffer | nodeCrypto.JsonWebKey,
  format?: 'pem' | 'der' | 'jwk',
): KeyObject {
  if (format === 'jwk')
    return nodeCrypto.createPublicKey({ key: input as nodeCrypto.JsonWebKey, format: 'jwk' });
  if (format === 'der')
    return nodeCrypto.createPublicKey({ key: input as Buffer, format: 'der', type: 'spki' });
  return nodeCrypto.createPublicKey(input as string | Buffer);
}

export function createPrivateKey(input: string | Buffer, format: 'pem' | 'der' = 'pem'): KeyObject {
  if (format === 'der')
    return nodeCrypto.createPrivateKey({ key: input as Buffer, format: 'der', type: 'pkcs8' });
  return nodeCrypto.createPrivateKey(input);
}

export function generateKeyPair(type: 'ecdsa-p256' | 'ecdsa-p384' | 'ed25519'): {
  privateKey: KeyObject;
  publicKey: KeyObject;
} {
  if (type === 'ed25519') return nodeCrypto.generateKeyPairSync('ed25519');
  return nodeCrypto.generateKeyPairSync('ec', { namedCurve: type === 'ecdsa-p256' ? 'P-256' : 'P-384' });
}

/** DER SubjectPublicKeyInfo of a public key. */
export function spkiDer(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

export function spkiPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

export function pkcs8Pem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Ed25519 raw 32-byte public key. */
export function ed25519Raw(key: KeyObject): Buffer {
  const der = spkiDer(key);
  return der.subarray(der.length - 32);
}

/** Ed25519 public key from its raw 32 bytes (RFC 8410 SPKI prefix). */
export function ed25519FromRaw(raw: Uint8Array): KeyObject {
  const prefix = Buffer.from('302a300506032b6570032100', 'hex');
  return createPublicKey(Buffer.concat([prefix, raw]), 'der');
}

/**
 * Signs `data`. ECDSA signatures are DER (as Sigstore and Rekor use them); `hash` picks the
 * digest for ECDSA/RSA (Ed25519 signs the message itself).
 */
export function sign(key: KeyObject, data: Uint8Array, hash: HashAlgorithm | null = 'sha256'): Buffer {
  if (key.asymmetricKeyType === 'ed25519') return nodeCrypto.sign(null, data, key);
  return nodeCrypto.sign(hash, data, key);
}

export interface VerifyOptions {
  hash?: HashAlgorithm | null;
  /** RSA padding: PKCS#1 v1.5 (default) or PSS. */
  rsaPadding?: 'pkcs1' | 'pss';
}

/** Verifies a signature; returns false (never throws) on a malformed signature. */
export function verify(
  key: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
  options: VerifyOptions = {},
): boolean {
  try {
    if (key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448') {
      return nodeCrypto.verify(null, data, key, signature);
    }
    const hash = options.hash === undefined ? 'sha256' : options.hash;
    if (key.asymmetricKeyType === 'rsa' && options.rsaPadding === 'pss') {
      return nodeCrypto.verify(
        hash,
        data,
        {
          key,
          padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING,
          saltLength: nodeCrypto.constants.RSA_PSS_SALTLEN_AUTO,
        },
        signature,
      );
    }
    return nodeCrypto.verify(hash, data, key, signature);
  } catch {
    return false;
  }
}

/** The public half of a private key. */
export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return nodeCrypto.createPublicKey(privateKey);
}

/** Ed25519 private key from its 32-byte seed (RFC 8410 PKCS#8 prefix). */
export function ed25519PrivateFromSeed(seed: Uint8Array): KeyObject {
  const prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  return createPrivateKey(Buffer.concat([prefix, seed]), 'der');
}

/** The 32-byte seed of an Ed25519 private key (the last 32 bytes of its RFC 8410 PKCS#8 DER). */
export function ed25519Seed(privateKey: KeyObject): Buffer {
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  return der.subarray(der.length - 32);
}

/** A random (v4) UUID, e.g. for request ids. */
export function randomUuid(): string {
  return nodeCrypto.randomUUID();
}

/**
 * SHA-256 of one buffer in a single native call (crypto.hash, Node >= 20.12): about twice as fast
 * as createHash for small inputs such as the 65-byte Merkle node preimages hashed in bulk.
 */
export function sha256Once(data: Uint8Array): Buffer {
  return nodeCrypto.hash('sha256', data, 'buffer');
}

/**
 * Elliptic-curve scalar multiplications done by OpenSSL through ECDH, for verifying ECDSA over a
 * digest (which node:crypto's verify cannot do: it always hashes its input). Public values only.
 * `scalar` must be in [1, n-1], big-endian, padded to the curve size; throws otherwise.
 */
export function ecMultiplyBase(curve: 'prime256v1' | 'secp384r1', scalar: Uint8Array): Buffer {
  const ecdh = nodeCrypto.createECDH(curve);
  ecdh.setPrivateKey(scalar);
  return ecdh.getPublicKey();
}

/** The x-coordinate of scalar·point (point uncompressed, validated by OpenSSL as on the curve). */
export function ecMultiplyX(
  curve: 'prime256v1' | 'secp384r1',
  scalar: Uint8Array,
  point: Uint8Array,
): Buffer {
  const ecdh = nodeCrypto.createECDH(curve);
  ecdh.setPrivateKey(scalar);
  return ecdh.computeSecret(point);
}
