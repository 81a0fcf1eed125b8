/**
 * Trust material: what the verifier believes without evidence. It comes from a Sigstore
 * TrustedRoot (protobuf-specs `dev.sigstore.trustroot.v1.TrustedRoot`, JSON), an operator's own
 * one, and key hints (npm's registry keys, a managed key). Parsing is strict: a trusted root
 * that is malformed is refused as a whole (CONFIG_INVALID) rather than read half-way. In
 * particular a validity window without its REQUIRED start is not "unbounded" (sigstore-conformance
 * trust-root-tlog-missing-validity-start; @sigstore/verify 3.1.1 reads it as the epoch).
 */
import { X509Certificate } from '@sigstore/core';
import { z } from 'zod';
import { AttestryError, crypto, type KeyObject } from '../core/index.js';
import { decodeBase64Lenient } from './encoding.js';
import { publicKeyFromSpki, type PublicKeyInfo } from './keys.js';

/** A closed interval (protobuf-specs TimeRange: both ends inclusive); no end = open-ended. */
export interface TimeRange {
  readonly start: Date;
  readonly end?: Date;
}

export function inRange(range: TimeRange | undefined, at: Date): boolean {
  if (range === undefined) return true;
  const t = at.getTime();
  return range.start.getTime() <= t && (range.end === undefined || t <= range.end.getTime());
}

export interface CertificateAuthority {
  readonly uri?: string;
  /** Issuing certificate first, trust anchor last (TrustedRoot order). */
  readonly certChain: readonly X509Certificate[];
  readonly validFor?: TimeRange;
  /**
   * Whether leaf certificates from this CA must carry a verified SCT: true for CAs from a
   * trusted root that lists CT logs (Fulcio), false for an operator's CA without them.
   */
  readonly requireSct: boolean;
}

export interface TransparencyLog {
  readonly baseUrl: string;
  /** Log id as bundles carry it (Rekor v1: SHA-256 of the SPKI; Rekor v2: the C2SP note key id). */
  readonly logId: Buffer;
  readonly checkpointKeyId?: Buffer;
  readonly key: KeyObject;
  readonly keyDetails: string;
  readonly validFor?: TimeRange;
}

export interface TimestampAuthority {
  readonly uri?: string;
  /** TSA signing certificate first, root last. */
  readonly certChain: readonly X509Certificate[];
  readonly validFor?: TimeRange;
}

export interface TrustMaterial {
  readonly certificateAuthorities: readonly CertificateAuthority[];
  readonly tlogs: readonly TransparencyLog[];
  readonly ctlogs: readonly TransparencyLog[];
  readonly timestampAuthorities: readonly TimestampAuthority[];
}

/** A key named by a hint (a bundle's `publicKey.hint`), with the window in which it may sign. */
export interface KeyHint {
  readonly hint: string;
  readonly key: PublicKeyInfo;
  readonly validFor?: TimeRange;
}

const Base64Bytes = z.string().transform((s, ctx) => {
  const b = decodeBase64Lenient(s);
  if (b === undefined) {
    ctx.addIssue({ code: 'custom', message: 'not base64' });
    return z.NEVER;
  }
  return b;
});

const Timestamp = z.string().transform((s, ctx) => {
  // RFC 3339 as protobuf JSON writes google.protobuf.Timestamp.
  const d = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(s)
    ? new Date(s)
    : undefined;
  if (d === undefined || Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'not an RFC 3339 timestamp' });
    return z.NEVER;
  }
  return d;
});

/** protobuf-specs TimeRange: `start` is REQUIRED, `end` optional. */
const TimeRangeJson = z
  .object({ start: Timestamp, end: Timestamp.nullish() })
  .transform((r): TimeRange => (r.end ? { start: r.start, end: r.end } : { start: r.start }))
  .refine(
    (r) => r.end === undefined || r.end.getTime() >= r.start.getTime(),
    'validFor ends before it starts',
  );

const PublicKeyJson = z.object({
  rawBytes: Base64Bytes,
  keyDetails: z.string().min(1),
  validFor: TimeRangeJson.nullish(),
});

const LogId = z.object({ keyId: Base64Bytes });

const TlogJson = z.object({
  baseUrl: z.string().min(1),
  hashAlgorithm: z.string().nullish(),
  publicKey: PublicKeyJson,
  logId: LogId,
  checkpointKeyId: LogId.nullish(),
});

const CertChainJson = z.object({ certificates: z.array(z.object({ rawBytes: Base64Bytes })).min(1) });

const AuthorityJson = z.object({
  subject: z.unknown().optional(),
  uri: z.string().nullish(),
  certChain: CertChainJson,
  validFor: TimeRangeJson.nullish(),
});

export const TrustedRootJson = z.object({
  mediaType: z
    .string()
    .regex(/^application\/vnd\.dev\.sigstore\.trustedroot(\.v0\.\d+)?\+json(;version=0\.\d+)?$/),
  tlogs: z.array(TlogJson).nullish(),
  certificateAuthorities: z.array(AuthorityJson).nullish(),
  ctlogs: z.array(TlogJson).nullish(),
  timestampAuthorities: z.array(AuthorityJson).nullish(),
});

/** Wraps a PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo (RFC 3279 §2.3.1). */
function pkcs1ToSpki(pkcs1: Buffer): Buffer {
  const len = (n: number): Buffer =>
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  const algorithm = Buffer.from('300d06092a864886f70d0101010500', 'hex');
  const bits = Buffer.concat([Buffer.from([0x03]), len(pkcs1.length + 1), Buffer.from([0x00]), pkcs1]);
  const body = Buffer.concat([algorithm, bits]);
  return Buffer.concat([Buffer.from([0x30]), len(body.length), body]);
}

function toLog(t: z.infer<typeof TlogJson>): TransparencyLog {
  const der = t.publicKey.keyDetails.startsWith('PKCS1_')
    ? pkcs1ToSpki(t.publicKey.rawBytes)
    : t.publicKey.rawBytes;
  let key: KeyObject;
  try {
    key = crypto.createPublicKey(der, 'der');
  } catch (e) {
    throw new AttestryError('CONFIG_INVALID', `trusted root: the key of ${t.baseUrl} does not parse`, {
      cause: e,
    });
  }
  return {
    baseUrl: t.baseUrl,
    logId: t.logId.keyId,
    ...(t.checkpointKeyId ? { checkpointKeyId: t.checkpointKeyId.keyId } : {}),
    key,
    keyDetails: t.publicKey.keyDetails,
    ...(t.publicKey.validFor ? { validFor: t.publicKey.validFor } : {}),
  };
}

function toChain(a: z.infer<typeof AuthorityJson>, what: string): X509Certificate[] {
  return a.certChain.certificates.map((c) => {
    try {
      return X509Certificate.parse(Buffer.from(c.rawBytes));
    } catch (e) {
      throw new AttestryError('CONFIG_INVALID', `trusted root: a ${what} certificate does not parse`, {
        cause: e,
      });
    }
  });
}

/** Parses a TrustedRoot JSON document (already JSON-parsed). Throws CONFIG_INVALID. */
export function parseTrustedRoot(json: unknown): TrustMaterial {
  const parsed = TrustedRootJson.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new AttestryError('CONFIG_INVALID', `trusted root is malformed: ${issues.join('; ')}`, {
      details: issues,
    });
  }
  const r = parsed.data;
  const ctlogs = (r.ctlogs ?? []).map(toLog);
  return {
    tlogs: (r.tlogs ?? []).map(toLog),
    ctlogs,
    certificateAuthorities: (r.certificateAuthorities ?? []).map((a) => ({
      ...(a.uri ? { uri: a.uri } : {}),
      certChain: toChain(a, 'certificate authority'),
      ...(a.validFor ? { validFor: a.validFor } : {}),
      requireSct: ctlogs.length > 0,
    })),
    timestampAuthorities: (r.timestampAuthorities ?? []).map((a) => ({
      ...(a.uri ? { uri: a.uri } : {}),
      certChain: toChain(a, 'timestamp authority'),
      ...(a.validFor ? { validFor: a.validFor } : {}),
    })),
  };
}

/** Trust in all of `materials` (e.g. the public-good root and an operator's own CA). */
export function combineTrust(...materials: TrustMaterial[]): TrustMaterial {
  return {
    certificateAuthorities: materials.flatMap((m) => m.certificateAuthorities),
    tlogs: materials.flatMap((m) => m.tlogs),
    ctlogs: materials.flatMap((m) => m.ctlogs),
    timestampAuthorities: materials.flatMap((m) => m.timestampAuthorities),
  };
}

/**
 * An operator's own certificate authority, given as its certificates (issuing CA first, trust
 * anchor last, DER). Its leaf certificates need no SCT.
 */
export function certificateAuthorityTrust(chainDer: Uint8Array[], validFor?: TimeRange): TrustMaterial {
  if (chainDer.length === 0)
    throw new AttestryError('CONFIG_INVALID', 'a certificate authority needs a certificate');
  const certChain = chainDer.map((der) => {
    try {
      return X509Certificate.parse(Buffer.from(der));
    } catch (e) {
      throw new AttestryError('CONFIG_INVALID', 'a certificate authority certificate does not parse', {
        cause: e,
      });
    }
  });
  return {
    certificateAuthorities: [{ certChain, requireSct: false, ...(validFor ? { validFor } : {}) }],
    tlogs: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
}

const NpmKeysJson = z.object({
  keys: z.array(
    z.object({
      keyId: z.string().min(1),
      keyUsage: z.string(),
      publicKey: PublicKeyJson,
    }),
  ),
});

/**
 * Key hints from npm's registry key list (`registry.npmjs.org/keys.json` as the Sigstore TUF
 * repository publishes it) for one key usage, each with its validity window. npm publish
 * attestations name their key by `publicKey.hint` = the keyId.
 */
export function npmRegistryKeyHints(json: unknown, keyUsage = 'npm:attestations'): KeyHint[] {
  const parsed = NpmKeysJson.safeParse(json);
  if (!parsed.success) throw new AttestryError('CONFIG_INVALID', 'npm registry keys are malformed');
  return parsed.data.keys
    .filter((k) => k.keyUsage === keyUsage)
    .map((k) => ({
      hint: k.keyId,
      key: publicKeyFromSpki(k.publicKey.rawBytes),
      ...(k.publicKey.validFor ? { validFor: k.publicKey.validFor } : {}),
    }));
}
