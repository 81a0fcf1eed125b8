/**
 * Signature verification over a digest the caller already has ("prehashed"), which node:crypto
 * cannot do for ECDSA (crypto.verify always hashes its input) and does only awkwardly for RSA.
 * A hashedrekord submission carries just the artifact's digest, so this is the only way to
 * check it. Public-key operations only: no secret is involved, so nothing here needs to be
 * constant-time. Signatures, digests and keys are attacker-controlled; every function returns
 * false (never throws) on malformed input.
 *
 * - ECDSA P-256 / P-384: SEC 1 v2 §4.1.4 (FIPS 186-5 §6.4.2), Jacobian coordinates, Shamir's
 *   trick for u1*G + u2*Q.
 * - RSA: RFC 8017 §8.2.2 (RSASSA-PKCS1-v1_5, EMSA-PKCS1-v1_5 with DigestInfo) and §8.1.2
 *   (RSASSA-PSS, EMSA-PSS-VERIFY §9.1.2 with MGF1 over the same hash, any salt length).
 *
 * Only the hash functions themselves come from libs/core/crypto.
 */
import { crypto, type HashAlgorithm } from '../core/index.js';
import { verifyEcdsaDigestNative } from './ecdsa-native.js';

interface Curve {
  p: bigint;
  n: bigint;
  b: bigint;
  gx: bigint;
  gy: bigint;
  bytes: number;
}

// SEC 2 v2 §2.4.2 (secp256r1) and §2.5.1 (secp384r1); both have a = -3.
export const CURVES: Readonly<Record<'P-256' | 'P-384', Curve>> = {
  'P-256': {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
    bytes: 32,
  },
  'P-384': {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
    bytes: 48,
  },
};

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}

/** Inverse modulo a prime (Fermat). */
function invPrime(a: bigint, p: bigint): bigint {
  return modPow(a, p - 2n, p);
}

export function bytesToBigInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`);
}

function bigIntToBytes(x: bigint, len: number): Buffer | undefined {
  const hex = x.toString(16);
  if (hex.length > len * 2) return undefined;
  return Buffer.from(hex.padStart(len * 2, '0'), 'hex');
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** A point in Jacobian coordinates; z = 0 is the point at infinity. */
type Point = readonly [bigint, bigint, bigint];
const INFINITY: Point = [1n, 1n, 0n];

function double(c: Curve, [x, y, z]: Point): Point {
  if (z === 0n || y === 0n) return INFINITY;
  const { p } = c;
  // dbl-2001-b for a = -3.
  const delta = (z * z) % p;
  const gamma = (y * y) % p;
  const beta = (x * gamma) % p;
  const alpha = mod(3n * (x - delta) * (x + delta), p);
  const x3 = mod(alpha * alpha - 8n * beta, p);
  const z3 = mod((y + z) * (y + z) - gamma - delta, p);
  const y3 = mod(alpha * (4n * beta - x3) - 8n * gamma * gamma, p);
  return [x3, y3, z3];
}

function add(c: Curve, a: Point, b: Point): Point {
  if (a[2] === 0n) return b;
  if (b[2] === 0n) return a;
  const { p } = c;
  const [x1, y1, z1] = a;
  const [x2, y2, z2] = b;
  // add-2007-bl.
  const z1z1 = (z1 * z1) % p;
  const z2z2 = (z2 * z2) % p;
  const u1 = (x1 * z2z2) % p;
  const u2 = (x2 * z1z1) % p;
  const s1 = (((y1 * z2) % p) * z2z2) % p;
  const s2 = (((y2 * z1) % p) * z1z1) % p;
  const h = mod(u2 - u1, p);
  const r0 = mod(s2 - s1, p);
  if (h === 0n) return r0 === 0n ? double(c, a) : INFINITY;
  const i = (4n * h * h) % p;
  const j = (h * i) % p;
  const r = (2n * r0) % p;
  const v = (u1 * i) % p;
  const x3 = mod(r * r - j - 2n * v, p);
  const y3 = mod(r * (v - x3) - 2n * s1 * j, p);
  const z3 = mod(((z1 + z2) * (z1 + z2) - z1z1 - z2z2) * h, p);
  return [x3, y3, z3];
}

function isOnCurve(c: Curve, x: bigint, y: bigint): boolean {
  if (x < 0n || x >= c.p || y < 0n || y >= c.p) return false;
  return mod(y * y - (x * x * x - 3n * x + c.b), c.p) === 0n;
}

/** Strict DER `SEQUENCE { INTEGER r, INTEGER s }` (SEC 1 §C.5); undefined when malformed. */
export function parseDerEcdsaSignature(sig: Uint8Array): { r: bigint; s: bigint } | undefined {
  const b = Buffer.from(sig);
  let pos = 0;
  const readLength = (): number | undefined => {
    const first = b[pos++];
    if (first === undefined) return undefined;
    if (first < 0x80) return first;
    if (first !== 0x81) return undefined; // ECDSA signatures for P-256/P-384 never need more
    const len = b[pos++];
    return len !== undefined && len >= 0x80 ? len : undefined;
  };
  const readInteger = (): bigint | undefined => {
    if (b[pos++] !== 0x02) return undefined;
    const len = readLength();
    if (len === undefined || len === 0 || pos + len > b.length) return undefined;
    const bytes = b.subarray(pos, pos + len);
    pos += len;
    if (bytes[0]! & 0x80) return undefined; // negative
    if (len > 1 && bytes[0] === 0 && !(bytes[1]! & 0x80)) return undefined; // not minimal
    return bytesToBigInt(bytes);
  };
  if (b[pos++] !== 0x30) return undefined;
  const total = readLength();
  if (total === undefined || pos + total !== b.length) return undefined;
  const r = readInteger();
  const s = readInteger();
  if (r === undefined || s === undefined || pos !== b.length) return undefined;
  return { r, s };
}

/**
 * ECDSA verification of `digest` (SEC 1 §4.1.4). `x`, `y` are the public point's coordinates
 * (as a JWK carries them); `signature` is DER.
 */
export function verifyEcdsaDigest(
  curveName: 'P-256' | 'P-384',
  x: bigint,
  y: bigint,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  const c = CURVES[curveName];
  const rs = parseDerEcdsaSignature(signature);
  if (rs === undefined) return false;
  const { r, s } = rs;
  if (r <= 0n || r >= c.n || s <= 0n || s >= c.n) return false;
  if (!isOnCurve(c, x, y) || digest.length === 0) return false;
  // e = the leftmost bitlen(n) bits of the digest (§4.1.4 step 3, via §4.1.3 step 5).
  let e = bytesToBigInt(digest);
  const excess = digest.length * 8 - bitLength(c.n);
  if (excess > 0) e >>= BigInt(excess);
  // P-256: OpenSSL does the scalar multiplications (ecdsa-native.ts), about 5x faster; it
  // answers undefined only in degenerate cases, which the plain implementation below settles.
  // (OpenSSL's generic P-384 multiplication here is slower than this BigInt code.)
  if (curveName === 'P-256') {
    const fast = verifyEcdsaDigestNative(curveName, x, y, e, r, s);
    if (fast !== undefined) return fast;
  }
  const w = invPrime(s, c.n);
  const u1 = mod(e * w, c.n);
  const u2 = mod(r * w, c.n);
  const g: Point = [c.gx, c.gy, 1n];
  const q: Point = [x, y, 1n];
  const gq = add(c, g, q);
  let acc: Point = INFINITY;
  for (let i = Math.max(bitLength(u1), bitLength(u2)) - 1; i >= 0; i--) {
    acc = double(c, acc);
    const bit1 = (u1 >> BigInt(i)) & 1n;
    const bit2 = (u2 >> BigInt(i)) & 1n;
    if (bit1 && bit2) acc = add(c, acc, gq);
    else if (bit1) acc = add(c, acc, g);
    else if (bit2) acc = add(c, acc, q);
  }
  if (acc[2] === 0n) return false;
  const zInv = invPrime(acc[2], c.p);
  const affineX = mod(acc[0] * zInv * zInv, c.p);
  return mod(affineX, c.n) === r;
}

// RFC 8017 §9.2 note 1: DER of DigestInfo up to (not including) the digest.
const DIGEST_INFO_PREFIX: Readonly<Record<HashAlgorithm, string>> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

const HASH_BYTES: Readonly<Record<HashAlgorithm, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** RSAVP1 (RFC 8017 §5.2.2): s^e mod n as k bytes, or undefined when s is out of range. */
function rsaOpen(n: bigint, e: bigint, signature: Uint8Array): Buffer | undefined {
  const k = Math.ceil(bitLength(n) / 8);
  if (signature.length !== k) return undefined;
  const s = bytesToBigInt(signature);
  if (s >= n) return undefined;
  return bigIntToBytes(modPow(s, e, n), k);
}

/** RSASSA-PKCS1-v1_5 verification over a digest (RFC 8017 §8.2.2). */
export function verifyRsaPkcs1Digest(
  n: bigint,
  e: bigint,
  hash: HashAlgorithm,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (digest.length !== HASH_BYTES[hash]) return false;
  const em = rsaOpen(n, e, signature);
  if (em === undefined) return false;
  const t = Buffer.concat([Buffer.from(DIGEST_INFO_PREFIX[hash], 'hex'), digest]);
  const psLen = em.length - t.length - 3;
  if (psLen < 8) return false;
  const expected = Buffer.concat([
    Buffer.from([0x00, 0x01]),
    Buffer.alloc(psLen, 0xff),
    Buffer.from([0x00]),
    t,
  ]);
  return crypto.timingSafeEqual(em, expected);
}

function mgf1(hash: HashAlgorithm, seed: Uint8Array, length: number): Buffer {
  const parts: Buffer[] = [];
  let have = 0;
  for (let counter = 0; have < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    const block = crypto.digest(hash, Buffer.concat([seed, c]));
    parts.push(block);
    have += block.length;
  }
  return Buffer.concat(parts).subarray(0, length);
}

/** RSASSA-PSS verification over a digest (RFC 8017 §8.1.2, §9.1.2), MGF1 with the same hash, any salt length. */
export function verifyRsaPssDigest(
  n: bigint,
  e: bigint,
  hash: HashAlgorithm,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  const hLen = HASH_BYTES[hash];
  if (digest.length !== hLen) return false;
  const modBits = bitLength(n);
  const k = Math.ceil(modBits / 8);
  const opened = rsaOpen(n, e, signature);
  if (opened === undefined) return false;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  // When emLen < k the leading byte of the k-byte form must be zero (§8.1.2 step 2c).
  if (emLen < k && opened[0] !== 0) return false;
  const em = opened.subarray(k - emLen);
  if (emLen < hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const zeroBits = 8 * emLen - emBits;
  const topMask = zeroBits === 0 ? 0 : (0xff << (8 - zeroBits)) & 0xff;
  if ((maskedDb[0]! & topMask) !== 0) return false;
  const db = Buffer.from(mgf1(hash, h, maskedDb.length).map((m, i) => m ^ maskedDb[i]!));
  db[0] = db[0]! & ~topMask & 0xff;
  const one = db.findIndex((v) => v !== 0);
  if (one < 0 || db[one] !== 0x01) return false;
  const salt = db.subarray(one + 1);
  const hPrime = crypto.digest(hash, Buffer.concat([Buffer.alloc(8), digest, salt]));
  return crypto.timingSafeEqual(h, hPrime);
}
