/**
 * The JSON shapes Attestry accepts as a signing event (the gateway's POST /api/v1/entries body,
 * and `input` on attestry.submissions), as zod schemas, and their parse into one discriminated
 * SubmissionInput. See libs/verify/README.md for the shapes with examples. Everything parsed here
 * is attacker-controlled; parsing checks shape and encodings only, verification comes after.
 */
import { bundleFromJSON } from '@sigstore/bundle';
import { z } from 'zod';
import { AttestryError, type ErrorCode, type HashAlgorithm } from '../core/index.js';
import type { DsseEnvelope } from './dsse.js';
import { decodeBase64Lenient } from './encoding.js';

/** Limits that keep one submission small enough to verify and to log (an entry is at most 64 KiB). */
export const LIMITS = {
  signatures: 16,
  certificates: 10,
  tlogEntries: 8,
  timestamps: 8,
  proofHashes: 64,
} as const;

const base64 = (what: string) =>
  z.string().transform((s, ctx) => {
    const b = decodeBase64Lenient(s);
    if (b === undefined) {
      ctx.addIssue({ code: 'custom', message: `${what} is not base64` });
      return z.NEVER;
    }
    return b;
  });

const nonEmptyBase64 = (what: string) => base64(what).refine((b) => b.length > 0, `${what} is empty`);

/** protobuf JSON int64: a decimal string or a JSON integer; negative values are refused. */
const uint64 = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const s = typeof v === 'number' ? (Number.isSafeInteger(v) ? String(v) : '') : v;
  if (!/^(0|[1-9][0-9]{0,18})$/.test(s)) {
    ctx.addIssue({ code: 'custom', message: 'not a non-negative integer' });
    return z.NEVER;
  }
  return BigInt(s);
});

// ---------------------------------------------------------------------------------------------
// (1) Sigstore bundle (protobuf-specs dev.sigstore.bundle.v1.Bundle, JSON, camelCase names)

export const BUNDLE_MEDIA_TYPES = {
  'application/vnd.dev.sigstore.bundle+json;version=0.1': '0.1',
  'application/vnd.dev.sigstore.bundle+json;version=0.2': '0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.3': '0.3',
  'application/vnd.dev.sigstore.bundle.v0.3+json': '0.3',
} as const;
export type BundleVersion = '0.1' | '0.2' | '0.3';

const HASH_ALGORITHMS = { SHA2_256: 'sha256', SHA2_384: 'sha384', SHA2_512: 'sha512' } as const;

const DsseEnvelopeJson = z.object({
  payload: base64('payload'),
  payloadType: z.string().min(1).max(256),
  signatures: z
    .array(z.object({ sig: nonEmptyBase64('signature'), keyid: z.string().max(256).optional() }))
    .min(1)
    .max(LIMITS.signatures),
});

const TlogEntryJson = z.object({
  logIndex: uint64,
  logId: z.object({ keyId: nonEmptyBase64('logId.keyId') }),
  kindVersion: z.object({ kind: z.string().min(1), version: z.string().min(1) }),
  integratedTime: uint64.optional(),
  inclusionPromise: z.object({ signedEntryTimestamp: nonEmptyBase64('signedEntryTimestamp') }).nullish(),
  inclusionProof: z
    .object({
      logIndex: uint64,
      rootHash: nonEmptyBase64('rootHash'),
      treeSize: uint64,
      hashes: z.array(base64('proof hash')).max(LIMITS.proofHashes),
      checkpoint: z.object({ envelope: z.string().min(1) }),
    })
    .nullish(),
  canonicalizedBody: nonEmptyBase64('canonicalizedBody'),
});

const RawBytes = z.object({ rawBytes: nonEmptyBase64('rawBytes') });

export const SigstoreBundleJson = z.object({
  mediaType: z.enum(Object.keys(BUNDLE_MEDIA_TYPES) as [keyof typeof BUNDLE_MEDIA_TYPES]),
  verificationMaterial: z.object({
    publicKey: z.object({ hint: z.string().max(256).optional() }).nullish(),
    x509CertificateChain: z
      .object({ certificates: z.array(RawBytes).min(1).max(LIMITS.certificates) })
      .nullish(),
    certificate: RawBytes.nullish(),
    tlogEntries: z.array(TlogEntryJson).max(LIMITS.tlogEntries).optional(),
    timestampVerificationData: z
      .object({
        rfc3161Timestamps: z
          .array(z.object({ signedTimestamp: nonEmptyBase64('signedTimestamp') }))
          .max(LIMITS.timestamps)
          .optional(),
      })
      .nullish(),
  }),
  messageSignature: z
    .object({
      messageDigest: z
        .object({
          algorithm: z.enum(Object.keys(HASH_ALGORITHMS) as [keyof typeof HASH_ALGORITHMS]),
          digest: nonEmptyBase64('messageDigest.digest'),
        })
        .nullish(),
      signature: nonEmptyBase64('signature'),
    })
    .nullish(),
  dsseEnvelope: DsseEnvelopeJson.nullish(),
});

export interface TlogEntry {
  readonly logIndex: bigint;
  readonly logId: Buffer;
  readonly kind: string;
  readonly version: string;
  readonly integratedTime?: bigint;
  readonly signedEntryTimestamp?: Buffer;
  readonly inclusionProof?: {
    readonly logIndex: bigint;
    readonly treeSize: bigint;
    readonly rootHash: Buffer;
    readonly hashes: readonly Buffer[];
    readonly checkpoint: string;
  };
  readonly canonicalizedBody: Buffer;
}

export type BundleMaterial =
  | { readonly type: 'publicKey'; readonly hint?: string }
  | { readonly type: 'certificate'; readonly certificates: readonly Buffer[] };

export type BundleContent =
  | {
      readonly type: 'messageSignature';
      readonly digest?: { readonly algorithm: HashAlgorithm; readonly value: Buffer };
      readonly signature: Buffer;
    }
  | { readonly type: 'dsse'; readonly envelope: DsseEnvelope };

export interface ParsedBundle {
  readonly mediaType: string;
  readonly version: BundleVersion;
  readonly material: BundleMaterial;
  readonly tlogEntries: readonly TlogEntry[];
  readonly rfc3161Timestamps: readonly Buffer[];
  readonly content: BundleContent;
}

function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

function malformed(code: ErrorCode, what: string, issues: string[]): AttestryError {
  return new AttestryError(code, `${what}: ${issues.join('; ')}`, { details: issues });
}

/**
 * Parses a Sigstore bundle (already JSON-parsed) and enforces the rules each bundle version
 * adds (protobuf-specs bundle.proto): v0.1 entries carry an inclusion promise, v0.2+ entries an
 * inclusion proof with its checkpoint, v0.3 has a single certificate rather than a chain; one
 * content, one verification material. @sigstore/bundle's bundleFromJSON runs too, so nothing it
 * refuses gets through. Throws BUNDLE_MALFORMED.
 */
export function parseBundle(json: unknown): ParsedBundle {
  const r = SigstoreBundleJson.safeParse(json);
  if (!r.success) throw malformed('BUNDLE_MALFORMED', 'the bundle is malformed', issuesOf(r.error));
  const b = r.data;
  const version = BUNDLE_MEDIA_TYPES[b.mediaType];
  const vm = b.verificationMaterial;
  const problems: string[] = [];
  const materials = [vm.publicKey, vm.x509CertificateChain, vm.certificate].filter((m) => m != null).length;
  if (materials !== 1)
    problems.push('verificationMaterial needs exactly one of publicKey, x509CertificateChain, certificate');
  if (version === '0.3' && vm.x509CertificateChain)
    problems.push('a v0.3 bundle carries a certificate, not a chain');
  const contents = [b.messageSignature, b.dsseEnvelope].filter((c) => c != null).length;
  if (contents !== 1) problems.push('the bundle needs exactly one of messageSignature, dsseEnvelope');
  for (const [i, e] of (vm.tlogEntries ?? []).entries()) {
    if (version === '0.1' && !e.inclusionPromise)
      problems.push(`tlogEntries.${i}: a v0.1 entry needs an inclusion promise`);
    if (version !== '0.1' && !e.inclusionProof)
      problems.push(`tlogEntries.${i}: a v${version} entry needs an inclusion proof`);
  }
  if (problems.length > 0) throw malformed('BUNDLE_MALFORMED', 'the bundle is malformed', problems);
  try {
    bundleFromJSON(json);
  } catch (e) {
    throw new AttestryError(
      'BUNDLE_MALFORMED',
      `the bundle is malformed: ${e instanceof Error ? e.message : String(e)}`,
      {
        cause: e,
      },
    );
  }
  const material: BundleMaterial = vm.publicKey
    ? { type: 'publicKey', ...(vm.publicKey.hint !== undefined ? { hint: vm.publicKey.hint } : {}) }
    : {
        type: 'certificate',
        certificates: vm.certificate
          ? [vm.certificate.rawBytes]
          : vm.x509CertificateChain!.certificates.map((c) => c.rawBytes),
      };
  const content: BundleContent = b.dsseEnvelope
    ? { type: 'dsse', envelope: b.dsseEnvelope }
    : {
        type: 'messageSignature',
        signature: b.messageSignature!.signature,
        ...(b.messageSignature!.messageDigest
          ? {
              digest: {
                algorithm: HASH_ALGORITHMS[b.messageSignature!.messageDigest.algorithm],
                value: b.messageSignature!.messageDigest.digest,
              },
            }
          : {}),
      };
  return {
    mediaType: b.mediaType,
    version,
    material,
    content,
    rfc3161Timestamps: (vm.timestampVerificationData?.rfc3161Timestamps ?? []).map((t) => t.signedTimestamp),
    tlogEntries: (vm.tlogEntries ?? []).map((e) => ({
      logIndex: e.logIndex,
      logId: e.logId.keyId,
      kind: e.kindVersion.kind,
      version: e.kindVersion.version,
      ...(e.integratedTime !== undefined ? { integratedTime: e.integratedTime } : {}),
      ...(e.inclusionPromise ? { signedEntryTimestamp: e.inclusionPromise.signedEntryTimestamp } : {}),
      ...(e.inclusionProof
        ? {
            inclusionProof: {
              logIndex: e.inclusionProof.logIndex,
              treeSize: e.inclusionProof.treeSize,
              rootHash: e.inclusionProof.rootHash,
              hashes: e.inclusionProof.hashes,
              checkpoint: e.inclusionProof.checkpoint.envelope,
            },
          }
        : {}),
      canonicalizedBody: e.canonicalizedBody,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// (2) and (3): a bare DSSE envelope or a hashedrekord, with their verification material

/**
 * Who signed: a public key (PEM or base64 DER SPKI), a key named by a hint the verifier knows
 * (npm registry keys), a certificate (PEM or base64 DER), or a certificate chain, leaf first.
 */
export const VerificationMaterialJson = z.union([
  z.strictObject({ publicKey: z.string().min(1).max(16384) }),
  z.strictObject({ publicKeyHint: z.string().min(1).max(256) }),
  z.strictObject({ certificate: z.string().min(1).max(65536) }),
  z.strictObject({ certificateChain: z.array(z.string().min(1).max(65536)).min(1).max(LIMITS.certificates) }),
]);
export type VerificationMaterialJson = z.infer<typeof VerificationMaterialJson>;

export const DsseSubmissionJson = z.strictObject({
  dsseEnvelope: DsseEnvelopeJson,
  /** One material per signer; every envelope signature must verify under one of them. */
  verificationMaterial: z.union([
    VerificationMaterialJson,
    z.array(VerificationMaterialJson).min(1).max(LIMITS.signatures),
  ]),
});

const DIGEST_HEX_LENGTH = { sha256: 64, sha384: 96, sha512: 128 } as const;

export const HashedRekordSubmissionJson = z.strictObject({
  artifactDigest: z
    .strictObject({ algorithm: z.enum(['sha256', 'sha384', 'sha512']), hex: z.string().regex(/^[0-9a-f]+$/) })
    .refine(
      (d) => d.hex.length === DIGEST_HEX_LENGTH[d.algorithm],
      'digest length does not match its algorithm',
    ),
  signature: nonEmptyBase64('signature'),
  verificationMaterial: VerificationMaterialJson,
});

/** Any of the three accepted shapes (documentation and OpenAPI; parse with parseSubmissionInput). */
export const SubmissionInputJson = z.union([
  SigstoreBundleJson,
  DsseSubmissionJson,
  HashedRekordSubmissionJson,
]);

export type SubmissionInput =
  | { readonly kind: 'bundle'; readonly bundle: ParsedBundle }
  | {
      readonly kind: 'dsse';
      readonly envelope: DsseEnvelope;
      readonly material: readonly VerificationMaterialJson[];
    }
  | {
      readonly kind: 'hashedrekord';
      readonly digest: { readonly algorithm: HashAlgorithm; readonly value: Buffer };
      readonly signature: Buffer;
      readonly material: VerificationMaterialJson;
    };

/**
 * Parses a submission (already JSON-parsed) into a SubmissionInput. The shape is recognised by
 * its distinguishing member: `mediaType` (a Sigstore bundle), `dsseEnvelope` without
 * `mediaType` (a bare envelope), `artifactDigest` (a hashedrekord). Throws BUNDLE_MALFORMED for
 * bundles and INPUT_MALFORMED otherwise.
 */
export function parseSubmissionInput(json: unknown): SubmissionInput {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new AttestryError('INPUT_MALFORMED', 'a submission is a JSON object');
  if ('mediaType' in json) return { kind: 'bundle', bundle: parseBundle(json) };
  if ('dsseEnvelope' in json) {
    const r = DsseSubmissionJson.safeParse(json);
    if (!r.success) throw malformed('INPUT_MALFORMED', 'the DSSE submission is malformed', issuesOf(r.error));
    const vm = r.data.verificationMaterial;
    return { kind: 'dsse', envelope: r.data.dsseEnvelope, material: Array.isArray(vm) ? vm : [vm] };
  }
  if ('artifactDigest' in json) {
    const r = HashedRekordSubmissionJson.safeParse(json);
    if (!r.success)
      throw malformed('INPUT_MALFORMED', 'the hashedrekord submission is malformed', issuesOf(r.error));
    return {
      kind: 'hashedrekord',
      digest: {
        algorithm: r.data.artifactDigest.algorithm,
        value: Buffer.from(r.data.artifactDigest.hex, 'hex'),
      },
      signature: r.data.signature,
      material: r.data.verificationMaterial,
    };
  }
  throw new AttestryError(
    'INPUT_MALFORMED',
    'a submission is a Sigstore bundle (mediaType), a DSSE envelope (dsseEnvelope) or a hashedrekord (artifactDigest)',
  );
}
