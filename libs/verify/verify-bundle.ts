/**
 * Full Sigstore bundle verification: the sigstore-conformance contract. A bundle verifies when
 * its signature covers the artifact (or names it as an in-toto subject), a trusted log included
 * it, verified timestamps date it, the signer was trusted at those times, and the signer is the
 * one the policy names: an exact certificate identity (SAN) and OIDC issuer, or a key.
 */
import { AttestryError, fromHex, type Clock, type HashAlgorithm, type KeyObject } from '../core/index.js';
import { verifyParsedBundle, type ArtifactRef, type VerifiedTime } from './bundle-core.js';
import { inTotoSubjects, type InTotoSubject } from './dsse.js';
import { parsePublicKey, publicKeyInfo, type PublicKeyInfo } from './keys.js';
import { parseBundle } from './schemas.js';
import { describeSigner, type Signer } from './signers.js';
import { parseTrustedRoot, type KeyHint, type TrustMaterial } from './trust.js';

export type BundlePolicy =
  | { readonly certificateIdentity: string; readonly certificateOidcIssuer: string }
  | { readonly publicKey: string | KeyObject }
  | { readonly keyHints: readonly KeyHint[] };

/** The artifact: its bytes, or its digest as lowercase hex. */
export type ArtifactInput =
  Uint8Array | { readonly sha256: string } | { readonly sha384: string } | { readonly sha512: string };

export interface VerifyBundleOptions {
  /** The bundle, JSON-parsed (attacker-controlled). */
  readonly bundle: unknown;
  readonly artifact: ArtifactInput;
  readonly policy: BundlePolicy;
  /** A TrustedRoot JSON document (JSON-parsed) or trust material parsed before. */
  readonly trustedRoot: unknown;
  /** Refuses timestamps more than `maxClockSkewSeconds` ahead of this clock; omit to skip the check. */
  readonly clock?: Clock;
  readonly maxClockSkewSeconds?: number;
}

export interface VerifiedBundle {
  readonly mediaType: string;
  readonly content: 'messageSignature' | 'dsse';
  readonly signer: Signer;
  /** The verified times the signer was checked at. */
  readonly times: readonly VerifiedTime[];
  readonly tlogEntries: ReadonlyArray<{
    logIndex: string;
    logId: string;
    kind: string;
    integratedTime?: Date;
  }>;
  /** For DSSE bundles: the payload type and the in-toto subjects, when it is a statement. */
  readonly payloadType?: string;
  readonly subjects?: readonly InTotoSubject[];
}

function isTrustMaterial(v: unknown): v is TrustMaterial {
  return (
    typeof v === 'object' &&
    v !== null &&
    'certificateAuthorities' in v &&
    'tlogs' in v &&
    Array.isArray((v as TrustMaterial).tlogs) &&
    !('mediaType' in v)
  );
}

export function toArtifactRef(artifact: ArtifactInput): ArtifactRef {
  if (artifact instanceof Uint8Array) return { bytes: artifact };
  const [algorithm, hex] = Object.entries(artifact)[0] as [HashAlgorithm, string];
  const lengths: Record<HashAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };
  if (typeof hex !== 'string' || hex.length !== lengths[algorithm])
    throw new AttestryError('INPUT_MALFORMED', `the artifact digest is not a ${algorithm} hex digest`);
  return { digest: { algorithm, value: fromHex(hex.toLowerCase(), 'artifact digest') } };
}

export function verifyBundle(options: VerifyBundleOptions): VerifiedBundle {
  const trust = isTrustMaterial(options.trustedRoot)
    ? options.trustedRoot
    : parseTrustedRoot(options.trustedRoot);
  const bundle = parseBundle(options.bundle);
  const { policy } = options;
  let publicKey: PublicKeyInfo | undefined;
  let keyHints: readonly KeyHint[] = [];
  if ('publicKey' in policy) {
    publicKey =
      typeof policy.publicKey === 'string'
        ? parsePublicKey(policy.publicKey)
        : publicKeyInfo(policy.publicKey);
    if (bundle.material.type !== 'publicKey')
      throw new AttestryError(
        'IDENTITY_MISMATCH',
        'the policy names a key, the bundle is signed with a certificate',
      );
  } else if ('keyHints' in policy) {
    keyHints = policy.keyHints;
    if (bundle.material.type !== 'publicKey')
      throw new AttestryError(
        'IDENTITY_MISMATCH',
        'the policy names keys, the bundle is signed with a certificate',
      );
  } else if (bundle.material.type !== 'certificate') {
    throw new AttestryError(
      'KEY_UNTRUSTED',
      'the bundle is signed with a key, and the policy names a certificate identity, not a key',
    );
  }
  const now = options.clock?.now();
  const result = verifyParsedBundle(bundle, {
    trust,
    artifact: toArtifactRef(options.artifact),
    ...(publicKey ? { publicKey: { key: publicKey } } : {}),
    keyHints,
    requireTlog: true,
    requireTimestamp: true,
    ...(now ? { notAfter: new Date(now.getTime() + (options.maxClockSkewSeconds ?? 300) * 1000) } : {}),
  });
  const signer = describeSigner(result.signer);
  if ('certificateIdentity' in policy) {
    if (signer.type !== 'certificate')
      throw new AttestryError('IDENTITY_MISMATCH', 'the bundle is not signed with a certificate');
    const { subjectAlternativeName, issuer } = signer.identity;
    if (subjectAlternativeName !== policy.certificateIdentity)
      throw new AttestryError(
        'IDENTITY_MISMATCH',
        `certificate identity is ${JSON.stringify(subjectAlternativeName ?? null)}, expected ${JSON.stringify(policy.certificateIdentity)}`,
      );
    if (issuer !== policy.certificateOidcIssuer)
      throw new AttestryError(
        'IDENTITY_MISMATCH',
        `certificate OIDC issuer is ${JSON.stringify(issuer ?? null)}, expected ${JSON.stringify(policy.certificateOidcIssuer)}`,
      );
  }
  const subjects = result.content.type === 'dsse' ? inTotoSubjects(result.content.envelope) : undefined;
  return {
    mediaType: bundle.mediaType,
    content: bundle.content.type,
    signer,
    times: result.times,
    tlogEntries: result.tlogEntries.map((e) => ({
      logIndex: e.entry.logIndex.toString(),
      logId: e.entry.logId.toString('hex'),
      kind: `${e.entry.kind}/${e.entry.version}`,
      ...(e.integratedTime ? { integratedTime: e.integratedTime } : {}),
    })),
    ...(result.content.type === 'dsse' ? { payloadType: result.content.envelope.payloadType } : {}),
    ...(subjects ? { subjects } : {}),
  };
}
