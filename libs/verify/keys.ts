/**
 * Public keys Attestry accepts for signatures: ECDSA P-256 and P-384, Ed25519, RSA (2048 bits
 * or more) with PKCS#1 v1.5 or PSS padding. Key material comes from submissions, bundles and
 * certificates: attacker-controlled until a signature or a trust root vouches for it.
 */
import { ASN1Obj } from '@sigstore/core';
import { AttestryError, crypto, toHex, type HashAlgorithm, type KeyObject } from '../core/index.js';
import { decodeBase64Lenient, isPem, pemBlocks, toPem } from './encoding.js';
import { bytesToBigInt, verifyEcdsaDigest, verifyRsaPkcs1Digest, verifyRsaPssDigest } from './prehashed.js';

export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ed25519' | 'rsa' | 'rsa-pss';

export interface PublicKeyInfo {
  readonly key: KeyObject;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Buffer;
  readonly algorithm: KeyAlgorithm;
  /** `sha256:` + hex SHA-256 of the DER SPKI: Attestry's key id (DESIGN.md "Entry kinds"). */
  readonly keyId: string;
}

const MIN_RSA_BITS = 2048;

/** Classifies a key; anything but the supported algorithms is KEY_UNSUPPORTED. */
export function publicKeyInfo(key: KeyObject): PublicKeyInfo {
  if (key.type !== 'public') throw new AttestryError('KEY_UNSUPPORTED', 'expected a public key');
  const details = key.asymmetricKeyDetails ?? {};
  let algorithm: KeyAlgorithm;
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (details.namedCurve === 'prime256v1') algorithm = 'ecdsa-p256';
      else if (details.namedCurve === 'secp384r1') algorithm = 'ecdsa-p384';
      else
        throw new AttestryError('KEY_UNSUPPORTED', `unsupported elliptic curve ${details.namedCurve ?? '?'}`);
      break;
    case 'ed25519':
      algorithm = 'ed25519';
      break;
    case 'rsa':
    case 'rsa-pss':
      if ((details.modulusLength ?? 0) < MIN_RSA_BITS)
        throw new AttestryError('KEY_UNSUPPORTED', `RSA keys need at least ${MIN_RSA_BITS} bits`);
      algorithm = key.asymmetricKeyType;
      break;
    default:
      throw new AttestryError('KEY_UNSUPPORTED', `unsupported key type ${key.asymmetricKeyType ?? '?'}`);
  }
  const spki = crypto.spkiDer(key);
  return { key, spki, algorithm, keyId: `sha256:${toHex(crypto.sha256(spki))}` };
}

/**
 * Parsed keys by their DER SPKI. Publishers sign many artifacts with one key, and parsing a key
 * (createPublicKey, export, details) costs more than verifying a signature with it; a
 * PublicKeyInfo is immutable, so sharing it is safe. Bounded: the oldest entries go first.
 */
const KEY_CACHE_SIZE = 4096;
const keyCache = new Map<string, PublicKeyInfo>();

/** A public key from DER SPKI bytes. */
export function publicKeyFromSpki(der: Uint8Array): PublicKeyInfo {
  const cacheKey = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const cached = keyCache.get(cacheKey);
  if (cached) return cached;
  const info = parseSpki(der);
  if (keyCache.size >= KEY_CACHE_SIZE) keyCache.delete(keyCache.keys().next().value as string);
  keyCache.set(cacheKey, info);
  return info;
}

function parseSpki(der: Uint8Array): PublicKeyInfo {
  let key: KeyObject;
  try {
    key = crypto.createPublicKey(Buffer.from(der), 'der');
  } catch (e) {
    throw new AttestryError('INPUT_MALFORMED', 'public key is not a DER SubjectPublicKeyInfo', { cause: e });
  }
  return publicKeyInfo(key);
}

/** A public key from PEM (`PUBLIC KEY`) or base64 DER SPKI text. */
export function parsePublicKey(text: string): PublicKeyInfo {
  if (isPem(text)) {
    const blocks = pemBlocks(text, 'PUBLIC KEY');
    if (blocks.length !== 1)
      throw new AttestryError('INPUT_MALFORMED', 'expected exactly one PEM public key');
    return publicKeyFromSpki(blocks[0]!);
  }
  const der = decodeBase64Lenient(text.trim());
  if (der === undefined)
    throw new AttestryError('INPUT_MALFORMED', 'public key is neither PEM nor base64 DER');
  return publicKeyFromSpki(der);
}

/** The PEM Rekor v1 stores for a key (Go's x509.MarshalPKIXPublicKey + pem.Encode). */
export function publicKeyPem(info: PublicKeyInfo): string {
  return toPem('PUBLIC KEY', info.spki);
}

/** The hash an ECDSA key signs with when nothing else says (Sigstore key details). */
function defaultHashes(algorithm: KeyAlgorithm): HashAlgorithm[] {
  switch (algorithm) {
    case 'ecdsa-p384':
      // PKIX_ECDSA_P384_SHA_384; Go clients (cosign) also sign with SHA-256 on every curve.
      return ['sha384', 'sha256'];
    default:
      return ['sha256'];
  }
}

/**
 * The DER encodings a signature may stand for. ECDSA signatures are DER; IEEE P1363 r||s (some
 * DSSE signers) has exactly twice the field size and is turned into DER. A P1363 signature whose
 * r begins with the byte 0x30 (1 in 256) looks like the start of DER, so a signature of that
 * length starting with 0x30 is tried both ways: either way it must verify under the key.
 */
function ecdsaDerCandidates(algorithm: KeyAlgorithm, signature: Uint8Array): Buffer[] {
  const size = algorithm === 'ecdsa-p256' ? 32 : 48;
  if (signature.length !== 2 * size) return [Buffer.from(signature)];
  const p1363 = p1363ToDer(signature, size);
  return signature[0] === 0x30 ? [Buffer.from(signature), p1363] : [p1363];
}

function p1363ToDer(signature: Uint8Array, size: number): Buffer {
  const int = (b: Uint8Array): Buffer => {
    let v = Buffer.from(b);
    while (v.length > 1 && v[0] === 0) v = v.subarray(1);
    return v[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v;
  };
  const r = int(signature.subarray(0, size));
  const s = int(signature.subarray(size));
  const body = Buffer.concat([Buffer.from([0x02, r.length]), r, Buffer.from([0x02, s.length]), s]);
  const len = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
  return Buffer.concat([Buffer.from([0x30]), len, body]);
}

export interface MessageVerifyOptions {
  /** Hashes to accept for ECDSA/RSA; defaults to the key's conventional one(s). */
  hashes?: HashAlgorithm[];
}

/** Verifies `signature` over the whole `message`. Never throws. */
export function verifyMessage(
  info: PublicKeyInfo,
  message: Uint8Array,
  signature: Uint8Array,
  options: MessageVerifyOptions = {},
): boolean {
  if (signature.length === 0) return false;
  if (info.algorithm === 'ed25519') return crypto.verify(info.key, message, signature);
  const hashes = options.hashes ?? defaultHashes(info.algorithm);
  for (const hash of hashes) {
    switch (info.algorithm) {
      case 'ecdsa-p256':
      case 'ecdsa-p384':
        for (const der of ecdsaDerCandidates(info.algorithm, signature))
          if (crypto.verify(info.key, message, der, { hash })) return true;
        break;
      case 'rsa':
        if (crypto.verify(info.key, message, signature, { hash })) return true;
        if (crypto.verify(info.key, message, signature, { hash, rsaPadding: 'pss' })) return true;
        break;
      case 'rsa-pss':
        if (crypto.verify(info.key, message, signature, { hash })) return true;
        break;
    }
  }
  return false;
}

function jwkInt(v: unknown): bigint {
  return typeof v === 'string' ? bytesToBigInt(Buffer.from(v, 'base64url')) : -1n;
}

/** n and e of an RSA key, read from its SPKI (node exports no JWK for RSA-PSS keys). */
function rsaNumbers(info: PublicKeyInfo): { n: bigint; e: bigint } {
  // SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING } (RFC 5280 §4.1);
  // the BIT STRING holds RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }.
  const bits = ASN1Obj.parseBuffer(Buffer.from(info.spki)).subs[1]!.value;
  const rsa = ASN1Obj.parseBuffer(Buffer.from(bits.subarray(1)));
  return { n: rsa.subs[0]!.toInteger(), e: rsa.subs[1]!.toInteger() };
}

/**
 * Verifies `signature` over a message of which only `digest` (computed with `hash`) is known,
 * as Rekor's hashedrekord does. Ed25519 signs the message itself, so it cannot be checked this
 * way: KEY_UNSUPPORTED. Otherwise never throws.
 */
export function verifyDigest(
  info: PublicKeyInfo,
  hash: HashAlgorithm,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (info.algorithm === 'ed25519')
    throw new AttestryError(
      'KEY_UNSUPPORTED',
      'an Ed25519 signature cannot be checked against a digest alone',
    );
  switch (info.algorithm) {
    case 'ecdsa-p256':
    case 'ecdsa-p384': {
      const jwk = info.key.export({ format: 'jwk' });
      return ecdsaDerCandidates(info.algorithm, signature).some((der) =>
        verifyEcdsaDigest(
          info.algorithm === 'ecdsa-p256' ? 'P-256' : 'P-384',
          jwkInt(jwk.x),
          jwkInt(jwk.y),
          digest,
          der,
        ),
      );
    }
    case 'rsa': {
      const { n, e } = rsaNumbers(info);
      return (
        verifyRsaPkcs1Digest(n, e, hash, digest, signature) ||
        verifyRsaPssDigest(n, e, hash, digest, signature)
      );
    }
    case 'rsa-pss': {
      const { n, e } = rsaNumbers(info);
      return verifyRsaPssDigest(n, e, hash, digest, signature);
    }
  }
}
