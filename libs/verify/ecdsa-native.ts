/**
 * Fast ECDSA verification over a digest (SEC 1 v2 §4.1.4), with OpenSSL doing the scalar
 * multiplications through ECDH and a few BigInt field operations to combine them.
 *
 * ECDSA accepts (r, s) when R = u1·G + u2·Q has x(R) ≡ r (mod n). OpenSSL gives us A = u1·G as a
 * full point (ECDH public key of u1) but only x-coordinates of u2·Q (ECDH shared secrets). The
 * y-coordinate of B = u2·Q is recovered exactly (not up to sign) from x(B) and x(B + Q) =
 * x((u2+1)·Q):
 *   with C = B + Q: λ² = x(C) + x(B) + x(Q) and λ·(x(B) − x(Q)) = y(B) − y(Q), so
 *   2·y(B)·y(Q) = Y + y(Q)² − λ²·(x(B) − x(Q))², where Y = y(B)² = x(B)³ − 3·x(B) + b.
 * Writing y(B) = N / M (M = 2·y(Q)) and d = x(B) − x(A), x(R) = λ'² − x(A) − x(B) with
 * λ' = (y(B) − y(A)) / d becomes, multiplied through by d²·M² (no inversion needed):
 *   x(R)·d²·M² ≡ (N − y(A)·M)² − (x(A) + x(B))·d²·M²  (mod p).
 * Degenerate cases (u1 = 0, u2 ∈ {0, n−1}, B = ±Q, A = ±B) return undefined so the caller uses
 * the plain BigInt implementation; they occur with negligible probability for honest inputs.
 * Everything is attacker-controlled; nothing here is secret, so nothing needs constant time.
 */
import { crypto } from '../core/index.js';

interface CurveParams {
  name: 'prime256v1' | 'secp384r1';
  p: bigint;
  n: bigint;
  b: bigint;
  bytes: number;
}

const PARAMS: Readonly<Record<'P-256' | 'P-384', CurveParams>> = {
  'P-256': {
    name: 'prime256v1',
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    bytes: 32,
  },
  'P-384': {
    name: 'secp384r1',
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    bytes: 48,
  },
};

const mod = (a: bigint, m: bigint): bigint => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

const toBig = (b: Uint8Array): bigint =>
  b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`);

const toBytes = (v: bigint, len: number): Buffer => Buffer.from(v.toString(16).padStart(len * 2, '0'), 'hex');

/** Modular inverse by the extended Euclidean algorithm (m prime, 0 < a < m). */
function inverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return mod(oldS, m);
}

/**
 * true/false when decided; undefined in a degenerate case (use the plain implementation).
 * `x`, `y`: the public point; `r`, `s`: the parsed signature (already range-checked);
 * `e`: the digest as an integer, truncated to bitlen(n) (SEC 1 §4.1.4 step 3).
 */
export function verifyEcdsaDigestNative(
  curve: 'P-256' | 'P-384',
  x: bigint,
  y: bigint,
  e: bigint,
  r: bigint,
  s: bigint,
): boolean | undefined {
  const c = PARAMS[curve];
  const { p, n, bytes } = c;
  const w = inverse(s, n);
  const u1 = mod(e * w, n);
  const u2 = mod(r * w, n);
  if (u1 === 0n || u2 === 0n || u2 === n - 1n) return undefined;
  const q = Buffer.concat([Buffer.from([4]), toBytes(x, bytes), toBytes(y, bytes)]);
  let aPoint: Buffer;
  let xbBytes: Buffer;
  let xcBytes: Buffer;
  try {
    aPoint = crypto.ecMultiplyBase(c.name, toBytes(u1, bytes));
    xbBytes = crypto.ecMultiplyX(c.name, toBytes(u2, bytes), q);
    xcBytes = crypto.ecMultiplyX(c.name, toBytes(u2 + 1n, bytes), q);
  } catch {
    return undefined;
  }
  const xa = toBig(aPoint.subarray(1, 1 + bytes));
  const ya = toBig(aPoint.subarray(1 + bytes));
  const xb = toBig(xbBytes);
  const xc = toBig(xcBytes);
  if (xb === x || xa === xb) return undefined;
  const Y = mod(xb * xb * xb - 3n * xb + c.b, p);
  const dq = mod(xb - x, p);
  const N = mod(Y + y * y - (xc + xb + x) * dq * dq, p);
  const M = mod(2n * y, p);
  const d = mod(xb - xa, p);
  const d2m2 = mod(d * d * M * M, p);
  const t = mod(N - ya * M, p);
  const rhs = mod(t * t - (xa + xb) * d2m2, p);
  // x(R) mod n = r: x(R) is r, or r + n when that is still below p.
  if (mod(r * d2m2, p) === rhs) return true;
  return r + n < p && mod((r + n) * d2m2, p) === rhs;
}
