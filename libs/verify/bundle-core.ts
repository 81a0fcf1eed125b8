/**
 * The verification of a parsed Sigstore bundle shared by verifyBundle (the conformance
 * contract: an artifact and a policy) and verifySubmission (a signing event to log: no artifact,
 * no policy, the integration time as a last resort). The steps, and the error each raises:
 *
 * 1. signer material: the certificate, or the key a hint names (KEY_UNTRUSTED when unknown);
 * 2. the signature over the artifact (message) or over PAE(type, payload) (DSSE), and the
 *    artifact binding: message digest, or in-toto subject (SIGNATURE_INVALID, DIGEST_MISMATCH);
 * 3. evidence of time: RFC 3161 timestamps (TIMESTAMP_INVALID) and tlog entries, which must
 *    match the content and signer and be included in a trusted log (TLOG_PROOF_INVALID); only a
 *    verified inclusion promise makes an integrated time a timestamp;
 * 4. the signer at every verified time: certificate chain + SCT, or key validity window
 *    (CERTIFICATE_UNTRUSTED, KEY_UNTRUSTED). Never "now": expired certificates are the rule.
 */
import { AttestryError, crypto, type HashAlgorithm } from '../core/index.js';
import { inTotoSubjects, preAuthEncoding, subjectsInclude } from './dsse.js';
import { assertEntryMatches, type SignedContent } from './entries.js';
import { verifyDigest, verifyMessage } from './keys.js';
import type { ParsedBundle } from './schemas.js';
import {
  assertTrustedAt,
  materialFromCertificateDer,
  resolveHint,
  type ResolvedMaterial,
  type TrustedMaterial,
} from './signers.js';
import { verifyRfc3161Timestamp } from './timestamps.js';
import { verifyTlogInclusion, type VerifiedTlogEntry } from './tlog.js';
import type { KeyHint, TrustMaterial } from './trust.js';

/** What the artifact is known as: its bytes, or a digest. */
export type ArtifactRef =
  { readonly bytes: Uint8Array } | { readonly digest: { algorithm: HashAlgorithm; value: Buffer } };

export interface VerifiedTime {
  readonly source: 'tlog' | 'rfc3161' | 'integration';
  readonly time: Date;
}

export interface CoreOptions {
  readonly trust: TrustMaterial;
  /** Omitted for submissions: the signature is then checked against the bundle's own digest. */
  readonly artifact?: ArtifactRef;
  /** Resolves a `publicKey` bundle's key: a caller-given key (no time bound) or key hints. */
  readonly publicKey?: ResolvedMaterial;
  readonly keyHints?: readonly KeyHint[];
  /** At least one tlog entry must verify (Sigstore's default threshold of 1). */
  readonly requireTlog: boolean;
  /** At least one verified timestamp (SET or RFC 3161) must date the signature. */
  readonly requireTimestamp: boolean;
  /** When nothing dates the signature and no timestamp is required: the integration time. */
  readonly fallbackTime?: Date;
  /** Verified times later than this are refused (clock skew allowance included by the caller). */
  readonly notAfter?: Date;
}

export interface CoreResult {
  readonly bundle: ParsedBundle;
  readonly content: SignedContent;
  readonly signer: TrustedMaterial;
  readonly times: readonly VerifiedTime[];
  readonly tlogEntries: readonly VerifiedTlogEntry[];
}

function signerMaterial(bundle: ParsedBundle, options: CoreOptions): ResolvedMaterial {
  if (bundle.material.type === 'certificate')
    return materialFromCertificateDer(bundle.material.certificates[0]!, 'BUNDLE_MALFORMED');
  if (options.publicKey)
    return {
      ...options.publicKey,
      ...(bundle.material.hint !== undefined ? { hint: bundle.material.hint } : {}),
    };
  return resolveHint(bundle.material.hint, options.keyHints ?? []);
}

function mismatch(message: string): never {
  throw new AttestryError('DIGEST_MISMATCH', message);
}

/** Step 2 for a message signature: the digest it covers, checked against the artifact. */
function verifyMessageContent(
  bundle: ParsedBundle,
  signer: ResolvedMaterial,
  artifact: ArtifactRef | undefined,
): SignedContent {
  if (bundle.content.type !== 'messageSignature')
    throw new AttestryError('INTERNAL', 'not a message signature');
  const { signature } = bundle.content;
  const claimed = bundle.content.digest;
  let digest: { algorithm: HashAlgorithm; value: Buffer };
  if (artifact === undefined) {
    if (!claimed)
      throw new AttestryError(
        'BUNDLE_MALFORMED',
        'the bundle has no message digest and no artifact was given',
      );
    digest = claimed;
  } else if ('bytes' in artifact) {
    const algorithm = claimed?.algorithm ?? 'sha256';
    digest = { algorithm, value: crypto.digest(algorithm, artifact.bytes) };
  } else {
    if (claimed && claimed.algorithm !== artifact.digest.algorithm)
      mismatch(
        `the bundle signs a ${claimed.algorithm} digest, the artifact is given as ${artifact.digest.algorithm}`,
      );
    digest = artifact.digest;
  }
  // The bundle's digest is a hint (protobuf-specs), but one that disagrees is refused.
  if (claimed && !claimed.value.equals(digest.value))
    mismatch('the artifact digest is not the one the bundle signs');
  const ok =
    artifact !== undefined && 'bytes' in artifact
      ? verifyMessage(signer.key, artifact.bytes, signature, { hashes: [digest.algorithm] })
      : verifyDigest(signer.key, digest.algorithm, digest.value, signature);
  if (!ok) throw new AttestryError('SIGNATURE_INVALID', 'the signature does not verify over the artifact');
  return { type: 'message', digest, signature };
}

/** Step 2 for DSSE: the envelope's one signature, and the artifact among the statement's subjects. */
function verifyDsseContent(
  bundle: ParsedBundle,
  signer: ResolvedMaterial,
  artifact: ArtifactRef | undefined,
): SignedContent {
  if (bundle.content.type !== 'dsse') throw new AttestryError('INTERNAL', 'not a DSSE envelope');
  const { envelope } = bundle.content;
  if (envelope.signatures.length !== 1)
    throw new AttestryError('BUNDLE_MALFORMED', 'a bundle envelope carries exactly one signature');
  if (
    !verifyMessage(
      signer.key,
      preAuthEncoding(envelope.payloadType, envelope.payload),
      envelope.signatures[0]!.sig,
    )
  )
    throw new AttestryError('SIGNATURE_INVALID', 'the DSSE signature does not verify');
  if (artifact !== undefined) {
    const subjects = inTotoSubjects(envelope);
    if (subjects === undefined) mismatch('the envelope is not an in-toto statement, so it names no artifact');
    const found =
      'bytes' in artifact
        ? (['sha256', 'sha384', 'sha512'] as const).some((alg) =>
            subjectsInclude(subjects, alg, crypto.digest(alg, artifact.bytes)),
          )
        : subjectsInclude(subjects, artifact.digest.algorithm, artifact.digest.value);
    if (!found) mismatch('the artifact is not a subject of the in-toto statement');
  }
  return { type: 'dsse', envelope };
}

function signatureBytes(content: SignedContent): Buffer {
  return content.type === 'message' ? content.signature : content.envelope.signatures[0]!.sig;
}

export function verifyParsedBundle(bundle: ParsedBundle, options: CoreOptions): CoreResult {
  const { trust } = options;
  const material = signerMaterial(bundle, options);
  const content =
    bundle.content.type === 'messageSignature'
      ? verifyMessageContent(bundle, material, options.artifact)
      : verifyDsseContent(bundle, material, options.artifact);

  const times: VerifiedTime[] = bundle.rfc3161Timestamps.map((der) => ({
    source: 'rfc3161' as const,
    time: verifyRfc3161Timestamp(der, signatureBytes(content), trust).time,
  }));
  const rfcTimes = times.map((t) => t.time);
  const tlogEntries = bundle.tlogEntries.map((entry) => {
    assertEntryMatches(entry, content, material);
    const keyTimes = rfcTimes.length > 0 ? rfcTimes : options.fallbackTime ? [options.fallbackTime] : [];
    return verifyTlogInclusion(entry, trust, keyTimes);
  });
  for (const e of tlogEntries) if (e.integratedTime) times.push({ source: 'tlog', time: e.integratedTime });

  if (options.requireTlog && tlogEntries.length === 0)
    throw new AttestryError('TLOG_PROOF_INVALID', 'the bundle has no transparency log entry');
  if (times.length === 0) {
    if (options.requireTimestamp || !options.fallbackTime)
      throw new AttestryError(
        'TIMESTAMP_INVALID',
        'nothing verifiable dates the signature (no inclusion promise, no RFC 3161 timestamp)',
      );
    times.push({ source: 'integration', time: options.fallbackTime });
  }
  if (options.notAfter) {
    const late = times.find((t) => t.time.getTime() > options.notAfter!.getTime());
    if (late)
      throw new AttestryError(
        'TIMESTAMP_INVALID',
        `a ${late.source} timestamp is in the future: ${late.time.toISOString()}`,
      );
  }
  const signer = assertTrustedAt(
    material,
    trust,
    times.map((t) => t.time),
  );
  return { bundle, content, signer, times, tlogEntries };
}
