/**
 * Seeded randomness for the generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting PRNG,
 * 32-bit variant, PractRand-clean to 2^40+ bytes) seeded from SHA-256 of the seed and a label
 * path. Every decision of the model draws from a stream named by what it decides (`item`, 42),
 * so any item can be produced alone from (seed, index), in any order, on any thread, and come out
 * the same. Never Math.random: a run must be reproducible from its seed.
 */
import { crypto } from '../core/index.js';

export type Label = string | number;

/** SHA-256 of the generator's domain, the seed and the labels (NUL-separated). */
export function derive(seed: string, ...labels: Label[]): Buffer {
  return crypto.sha256(Buffer.from(['attestry-demo/v1', seed, ...labels.map(String)].join('\0'), 'utf8'));
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed16: Uint8Array) {
    const v = Buffer.from(seed16);
    this.a = v.readUInt32LE(0);
    this.b = v.readUInt32LE(4);
    this.c = v.readUInt32LE(8);
    this.d = v.readUInt32LE(12) | 1;
    for (let i = 0; i < 12; i++) this.next32();
  }

  /** The next 32 random bits as an unsigned integer. */
  next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 53 bits. */
  float(): number {
    return (this.next32() * 2 ** 21 + (this.next32() >>> 11)) / 2 ** 53;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** An index into `weights` drawn proportionally to them. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((s, w) => s + w, 0);
    let x = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i]!;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(Math.ceil(n / 4) * 4);
    for (let i = 0; i < out.length; i += 4) out.writeUInt32LE(this.next32(), i);
    return out.subarray(0, n);
  }

  hex(n: number): string {
    return this.bytes(n).toString('hex');
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  /**
   * Pareto (power law) sample rounded down: P(X >= x) = (xmin / x)^alpha, capped at `max`.
   * Median xmin * 2^(1/alpha).
   */
  pareto(xmin: number, alpha: number, max: number): number {
    const u = 1 - this.float(); // (0, 1]
    return Math.min(max, Math.floor(xmin * u ** (-1 / alpha)));
  }

  /**
   * A rank in [0, n) with P(rank = r) ~ 1/(r+1) (Zipf, exponent 1), drawn as a log-uniform
   * number: rank 0 is chosen about 1/ln(n+1) of the time, the long tail rarely.
   */
  zipf(n: number): number {
    return Math.min(n - 1, Math.floor(Math.exp(this.float() * Math.log(n + 1))) - 1);
  }

  /** Geometric: failures before the first success, success probability p. */
  geometric(p: number): number {
    return Math.floor(Math.log(1 - this.float()) / Math.log(1 - p));
  }
}

/** An independent stream named by the seed and labels. */
export function rngFor(seed: string, ...labels: Label[]): Rng {
  return new Rng(derive(seed, ...labels).subarray(0, 16));
}
