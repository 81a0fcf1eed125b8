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

/** HMAC-SHA-256 of the concatenated parts. */
export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = nodeCrypto.createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

// SEC 2 v2 §2.4.2 (secp256r1): the group order.
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const toBig = (b: Uint8Array): bigint =>
  b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`);
const toBytes32 = (x: bigint): Buffer => Buffer.from(x.toString(16).padStart(64, '0'), 'hex');

/** a^-1 mod m (extended Euclid; m prime, 0 < a < m). */
function invMod(a: bigint, m: bigint): bigint {
  let [r0, r1] = [a % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}

/** Whether 32 bytes are a valid P-256 private scalar (1 <= d < n). */
export function isP256Scalar(d: Uint8Array): boolean {
  const x = toBig(d);
  return d.length === 32 && x > 0n && x < P256_N;
}

/** An ECDSA P-256 private key from its 32-byte scalar (e.g. derived from a seed). */
export function ecdsaP256PrivateFromScalar(d: Uint8Array): KeyObject {
  if (!isP256Scalar(d)) throw new RangeError('not a P-256 private scalar');
  const point = ecMultiplyBase('prime256v1', d); // 0x04 || X || Y
  const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  return nodeCrypto.createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: b64u(d),
      x: b64u(point.subarray(1, 33)),
      y: b64u(point.subarray(33, 65)),
    },
    format: 'jwk',
  });
}

function derInteger(x: bigint): Buffer {
  let b = Buffer.from(
    x
      .toString(16)
      .padStart(2, '0')
      .replace(/^(.(..)*)$/, '0$1'),
    'hex',
  );
  while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
  if ((b[0]! & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
  return Buffer.concat([Buffer.from([0x02, b.length]), b]);
}

/**
 * Deterministic ECDSA P-256 over a digest the caller already has (RFC 6979 §3.2, HMAC-SHA-256
 * as the DRBG hash whatever the digest's algorithm; FIPS 186-5 §6.4.1 for the signature: the
 * digest's leftmost 256 bits). Returns the DER Ecdsa-Sig-Value. node:crypto's ECDSA draws a
 * random nonce and cannot sign a prehashed digest; this exists for the demo generator, whose
 * submissions must be byte-identical for a seed. The scalar multiplication k·G is OpenSSL's
 * (through ECDH); only the modular arithmetic is BigInt here, which is not constant-time: use
 * it for generated demo keys only, never for a key that protects anything.
 */
export function signEcdsaP256DigestDeterministic(d: Uint8Array, digest: Uint8Array): Buffer {
  if (!isP256Scalar(d)) throw new RangeError('not a P-256 private scalar');
  const x = toBig(d);
  const h = digest.length > 32 ? digest.subarray(0, 32) : digest;
  const z = toBig(h) % P256_N; // bits2int then reduction (qlen = 256)
  const h1 = toBytes32(z); // bits2octets
  let v: Buffer = Buffer.alloc(32, 0x01);
  let k: Buffer = Buffer.alloc(32, 0x00);
  const xo = Buffer.from(d);
  k = hmacSha256(k, v, Buffer.from([0x00]), xo, h1);
  v = hmacSha256(k, v);
  k = hmacSha256(k, v, Buffer.from([0x01]), xo, h1);
  v = hmacSha256(k, v);
  for (;;) {
    v = hmacSha256(k, v);
    const kn = toBig(v);
    if (kn > 0n && kn < P256_N) {
      const rx = ecMultiplyBase('prime256v1', v).subarray(1, 33);
      const r = toBig(rx) % P256_N;
      if (r !== 0n) {
        const s = (invMod(kn, P256_N) * (z + r * x)) % P256_N;
        if (s !== 0n) {
          const body = Buffer.concat([derInteger(r), derInteger(s)]);
          return Buffer.concat([Buffer.from([0x30, body.length]), body]);
        }
      }
    }
    k = hmacSha256(k, v, Buffer.from([0x00]));
    v = hmacSha256(k, v);
  }
}

/** The public key of a PEM or DER X.509 certificate. */
export function certificatePublicKey(cert: string | Buffer): KeyObject {
  return new nodeCrypto.X509Certificate(cert).publicKey;
}
