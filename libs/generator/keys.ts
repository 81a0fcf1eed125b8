/**
 * Signing keys derived from the seed, so that every run and every worker thread holds the same
 * keys: ECDSA P-256 (a scalar from SHA-256 of the seed and a label, rejection-sampled into
 * [1, n-1]) and Ed25519 (its 32-byte seed). ECDSA signs deterministically (RFC 6979), Ed25519 is
 * deterministic by design, so a submission's bytes depend on the seed alone. Demo keys only.
 */
import { crypto, type KeyObject } from '../core/index.js';
import { derive, type Label } from './prng.js';

export type DemoKeyType = 'ecdsa-p256' | 'ed25519';

export interface DemoKey {
  readonly type: DemoKeyType;
  readonly publicKey: KeyObject;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Buffer;
  readonly pem: string;
  /** `sha256:<hex of SHA-256(DER SPKI)>`, as Attestry indexes keys. */
  readonly keyId: string;
  /** Signs a message (DSSE PAE): ECDSA over its SHA-256, Ed25519 over the message itself. */
  signMessage(data: Uint8Array): Buffer;
  /** ECDSA over a digest the caller has (hashedrekord). Ed25519 keys cannot (throws). */
  signDigest(digest: Uint8Array): Buffer;
}

function describe(type: DemoKeyType, privateKey: KeyObject) {
  const publicKey = crypto.publicKeyOf(privateKey);
  const spki = crypto.spkiDer(publicKey);
  return {
    type,
    publicKey,
    spki,
    pem: crypto.spkiPem(publicKey),
    keyId: `sha256:${crypto.sha256(spki).toString('hex')}`,
  };
}

/** A P-256 scalar from the seed and labels (SHA-256, counter appended until it is in range). */
export function ecdsaScalar(seed: string, ...labels: Label[]): Buffer {
  for (let counter = 0; ; counter++) {
    const d = derive(seed, ...labels, 'ecdsa-p256', counter);
    if (crypto.isP256Scalar(d)) return d;
  }
}

export function ecdsaKeyFrom(seed: string, ...labels: Label[]): DemoKey {
  const d = ecdsaScalar(seed, ...labels);
  const privateKey = crypto.ecdsaP256PrivateFromScalar(d);
  return {
    ...describe('ecdsa-p256', privateKey),
    signMessage: (data) => crypto.signEcdsaP256DigestDeterministic(d, crypto.sha256(data)),
    signDigest: (digest) => crypto.signEcdsaP256DigestDeterministic(d, digest),
  };
}

export function ed25519KeyFrom(seed: string, ...labels: Label[]): DemoKey {
  const privateKey = crypto.ed25519PrivateFromSeed(derive(seed, ...labels, 'ed25519'));
  return {
    ...describe('ed25519', privateKey),
    signMessage: (data) => crypto.sign(privateKey, data, null),
    signDigest: () => {
      throw new RangeError('Ed25519 signs messages, not digests (use an ECDSA key for a hashedrekord)');
    },
  };
}
