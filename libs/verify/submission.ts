/**
 * Verification of a signing event submitted to Attestry (gateway, then again in the sequencer:
 * zero trust), and the canonical Rekor v1 entry body it is logged as.
 *
 * Time: a certificate or a hinted key is checked at the times verified evidence in a bundle
 * gives (an inclusion promise's integrated time, an RFC 3161 timestamp) and only when there is
 * none at the integration time, `clock.now()`. A bundle's evidence, when present, must verify.
 */
import { AttestryError, crypto, toHex, type Clock, type HashAlgorithm } from '../core/index.js';
import { hashLeaf } from '../merkle/index.js';
import { verifyParsedBundle, type VerifiedTime } from './bundle-core.js';
import { envelopeSerializations, preAuthEncoding, type DsseEnvelope } from './dsse.js';
import { dsseBody, hashedRekordBody } from './entries.js';
import { verifyDigest, verifyMessage } from './keys.js';
import { parseSubmissionInput, type ParsedBundle, type SubmissionInput } from './schemas.js';
import {
  assertTrustedAt,
  describeSigner,
  resolveMaterialJson,
  type ResolvedMaterial,
  type Signer,
} from './signers.js';
import type { VerifiedTlogEntry } from './tlog.js';
import type { KeyHint, TrustMaterial } from './trust.js';

/** An entry must fit a C2SP tlog-tiles entry bundle (uint16 length prefix). */
export const MAX_ENTRY_BYTES = 65535;

export interface VerifySubmissionOptions {
  readonly trust: TrustMaterial;
  /** The integration time, used only when no verified evidence dates the signature. */
  readonly clock: Clock;
  /** Keys known by hint (npm registry keys, operators' managed keys), with validity windows. */
  readonly keyHints?: readonly KeyHint[];
}

export interface VerifiedSubmission {
  readonly kind: 'hashedrekord' | 'dsse';
  /** The verified signers (one per DSSE signature, in envelope order; one for hashedrekord). */
  readonly signers: readonly Signer[];
  /** hashedrekord: the signed artifact digest. */
  readonly artifactDigest?: { readonly algorithm: HashAlgorithm; readonly hex: string };
  /** dsse: the envelope, its payload, and the envelope bytes the entry's envelopeHash commits to. */
  readonly envelope?: DsseEnvelope;
  readonly payloadType?: string;
  readonly payload?: Buffer;
  readonly envelopeBytes?: Buffer;
  /** The canonical Rekor v1 entry body (RFC 8785 JSON): the log leaf's bytes. */
  readonly entryBody: Buffer;
  /** RFC 6962 leaf hash of entryBody: the entry id. */
  readonly leafHash: Buffer;
  /** The earliest verified time the signer was checked at, and where it came from. */
  readonly signedAt: Date;
  readonly timeSource: VerifiedTime['source'];
  readonly times: readonly VerifiedTime[];
  /** For a bundle: its media type and the transparency-log evidence that verified. */
  readonly bundle?: {
    readonly mediaType: string;
    readonly tlogEntries: ReadonlyArray<{
      logIndex: string;
      logId: string;
      kind: string;
      integratedTime?: Date;
    }>;
  };
}

function earliest(times: readonly VerifiedTime[]): VerifiedTime {
  return times.reduce((a, b) => (b.time.getTime() < a.time.getTime() ? b : a));
}

function finish(
  fields: Omit<VerifiedSubmission, 'leafHash' | 'signedAt' | 'timeSource'>,
): VerifiedSubmission {
  if (fields.entryBody.length > MAX_ENTRY_BYTES)
    throw new AttestryError(
      'ENTRY_TOO_LARGE',
      `the entry body is ${fields.entryBody.length} bytes; at most ${MAX_ENTRY_BYTES} fit a tile entry bundle`,
    );
  const first = earliest(fields.times);
  return { ...fields, leafHash: hashLeaf(fields.entryBody), signedAt: first.time, timeSource: first.source };
}

/**
 * The envelope bytes a DSSE entry commits to: for a bundle already logged as dsse 0.0.1, the
 * known serialization whose hash the log recorded (so the rebuilt entry is byte-identical);
 * otherwise Attestry's canonical one (compact JSON, protobuf field order).
 */
function envelopeBytesFor(envelope: DsseEnvelope, tlogEntries: readonly VerifiedTlogEntry[]): Buffer {
  const candidates = envelopeSerializations(envelope);
  for (const { entry } of tlogEntries) {
    if (entry.kind !== 'dsse' || entry.version !== '0.0.1') continue;
    let logged: unknown;
    try {
      logged = (
        JSON.parse(entry.canonicalizedBody.toString('utf8')) as {
          spec?: { envelopeHash?: { value?: unknown } };
        }
      ).spec?.envelopeHash?.value;
    } catch {
      continue;
    }
    const match = candidates.find((c) => toHex(crypto.sha256(c)) === logged);
    if (match) return match;
  }
  return candidates[0]!;
}

/** Evidence may not date a signature later than the integration time plus this skew. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

function fromBundle(bundle: ParsedBundle, options: VerifySubmissionOptions): VerifiedSubmission {
  const now = options.clock.now();
  const result = verifyParsedBundle(bundle, {
    trust: options.trust,
    keyHints: options.keyHints ?? [],
    requireTlog: false,
    requireTimestamp: false,
    fallbackTime: now,
    notAfter: new Date(now.getTime() + MAX_CLOCK_SKEW_MS),
  });
  const signer = describeSigner(result.signer);
  const evidence = {
    mediaType: bundle.mediaType,
    tlogEntries: result.tlogEntries.map((e) => ({
      logIndex: e.entry.logIndex.toString(),
      logId: e.entry.logId.toString('hex'),
      kind: `${e.entry.kind}/${e.entry.version}`,
      ...(e.integratedTime ? { integratedTime: e.integratedTime } : {}),
    })),
  };
  if (result.content.type === 'message') {
    const { digest, signature } = result.content;
    return finish({
      kind: 'hashedrekord',
      signers: [signer],
      artifactDigest: { algorithm: digest.algorithm, hex: toHex(digest.value) },
      entryBody: hashedRekordBody(digest, signature, result.signer.material),
      times: result.times,
      bundle: evidence,
    });
  }
  const { envelope } = result.content;
  const envelopeBytes = envelopeBytesFor(envelope, result.tlogEntries);
  return finish({
    kind: 'dsse',
    signers: [signer],
    envelope,
    payloadType: envelope.payloadType,
    payload: envelope.payload,
    envelopeBytes,
    entryBody: dsseBody(envelope, envelopeBytes, [result.signer.material]),
    times: result.times,
    bundle: evidence,
  });
}

function fromDsse(
  input: Extract<SubmissionInput, { kind: 'dsse' }>,
  options: VerifySubmissionOptions,
): VerifiedSubmission {
  const { envelope } = input;
  const materials = input.material.map((m) => resolveMaterialJson(m, options.keyHints ?? []));
  const pae = preAuthEncoding(envelope.payloadType, envelope.payload);
  const used = new Set<number>();
  // Every signature must verify under one of the given materials (rekor dsse verifyEnvelope).
  const signerOf: ResolvedMaterial[] = envelope.signatures.map((s, i) => {
    const j = materials.findIndex((m) => verifyMessage(m.key, pae, s.sig));
    if (j < 0)
      throw new AttestryError(
        'SIGNATURE_INVALID',
        `DSSE signature ${i} does not verify under any given key or certificate`,
      );
    used.add(j);
    return materials[j]!;
  });
  const unused = materials.findIndex((_, j) => !used.has(j));
  if (unused >= 0)
    throw new AttestryError('INPUT_MALFORMED', `verification material ${unused} verifies no signature`);
  const now = options.clock.now();
  const times: VerifiedTime[] = [{ source: 'integration', time: now }];
  const trusted = signerOf.map((m) => assertTrustedAt(m, options.trust, [now]));
  const envelopeBytes = envelopeSerializations(envelope)[0]!;
  return finish({
    kind: 'dsse',
    signers: trusted.map(describeSigner),
    envelope,
    payloadType: envelope.payloadType,
    payload: envelope.payload,
    envelopeBytes,
    entryBody: dsseBody(envelope, envelopeBytes, signerOf),
    times,
  });
}

function fromHashedRekord(
  input: Extract<SubmissionInput, { kind: 'hashedrekord' }>,
  options: VerifySubmissionOptions,
): VerifiedSubmission {
  const material = resolveMaterialJson(input.material, options.keyHints ?? []);
  if (!verifyDigest(material.key, input.digest.algorithm, input.digest.value, input.signature))
    throw new AttestryError('SIGNATURE_INVALID', 'the signature does not verify over the artifact digest');
  const now = options.clock.now();
  const trusted = assertTrustedAt(material, options.trust, [now]);
  return finish({
    kind: 'hashedrekord',
    signers: [describeSigner(trusted)],
    artifactDigest: { algorithm: input.digest.algorithm, hex: toHex(input.digest.value) },
    entryBody: hashedRekordBody(input.digest, input.signature, material),
    times: [{ source: 'integration', time: now }],
  });
}

/** Verifies a parsed SubmissionInput. */
export function verifySubmissionInput(
  input: SubmissionInput,
  options: VerifySubmissionOptions,
): VerifiedSubmission {
  switch (input.kind) {
    case 'bundle':
      return fromBundle(input.bundle, options);
    case 'dsse':
      return fromDsse(input, options);
    case 'hashedrekord':
      return fromHashedRekord(input, options);
  }
}

/**
 * Parses and verifies a submission (JSON-parsed, attacker-controlled). Throws AttestryError:
 * INPUT_MALFORMED / BUNDLE_MALFORMED, SIGNATURE_INVALID, CERTIFICATE_UNTRUSTED, KEY_UNTRUSTED,
 * KEY_UNSUPPORTED, TLOG_PROOF_INVALID, TIMESTAMP_INVALID, ENTRY_TOO_LARGE.
 */
export function verifySubmission(input: unknown, options: VerifySubmissionOptions): VerifiedSubmission {
  return verifySubmissionInput(parseSubmissionInput(input), options);
}
