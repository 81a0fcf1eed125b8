/**
 * DSSE envelopes (secure-systems-lab/dsse, envelope.md and protocol.md) and the in-toto
 * statements they usually carry. Everything here is attacker-controlled input.
 */
import type { HashAlgorithm } from '../core/index.js';

export interface DsseSignature {
  readonly sig: Buffer;
  /** Present exactly when the submitted JSON had it (even empty): it is part of the envelope's bytes. */
  readonly keyid?: string;
}

export interface DsseEnvelope {
  readonly payloadType: string;
  readonly payload: Buffer;
  readonly signatures: readonly DsseSignature[];
}

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/**
 * PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII
 * decimal bytes, LEN(type) of its UTF-8 encoding (protocol.md §Signature definition).
 */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'ascii'),
    type,
    Buffer.from(` ${payload.length} `, 'ascii'),
    payload,
  ]);
}

function signaturesJson(env: DsseEnvelope, keyidFirst: boolean): Array<Record<string, string>> {
  return env.signatures.map((s): Record<string, string> => {
    const sig = s.sig.toString('base64');
    if (s.keyid === undefined) return { sig };
    return keyidFirst ? { keyid: s.keyid, sig } : { sig, keyid: s.keyid };
  });
}

/**
 * JSON serializations of an envelope that Sigstore clients are known to have sent Rekor, whose
 * SHA-256 a dsse 0.0.1 entry records as `envelopeHash` (rekor pkg/types/dsse/v0.0.1: the hash of
 * the proposed envelope's bytes, whatever their layout). The first is Attestry's canonical one.
 * - compact, protobuf field order (sigstore-js, and Attestry);
 * - Python's json.dumps defaults: ", " and ": " separators, non-ASCII escaped (sigstore-python);
 * - compact, Go struct order payloadType, payload, signatures[keyid, sig] (go-securesystemslib).
 */
export function envelopeSerializations(env: DsseEnvelope): Buffer[] {
  const payload = env.payload.toString('base64');
  const protoOrder = { payload, payloadType: env.payloadType, signatures: signaturesJson(env, false) };
  const compact = JSON.stringify(protoOrder);
  const python = pythonJsonDumps(protoOrder);
  const go = JSON.stringify({ payloadType: env.payloadType, payload, signatures: signaturesJson(env, true) })
    // Go's encoding/json escapes <, > and & in strings.
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
  return [...new Set([compact, python, go])].map((s) => Buffer.from(s, 'utf8'));
}

function pythonJsonDumps(value: unknown): string {
  const str = (s: string): string =>
    JSON.stringify(s).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  if (typeof value === 'string') return str(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${str(k)}: ${pythonJsonDumps(v)}`)
      .join(', ')}}`;
  return JSON.stringify(value);
}

export interface InTotoSubject {
  readonly name?: string;
  readonly digest: Readonly<Record<string, string>>;
}

const STATEMENT_TYPES = ['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1'];

/** The subjects of an in-toto statement payload, or undefined when the payload is not one. */
export function inTotoSubjects(env: DsseEnvelope): InTotoSubject[] | undefined {
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) return undefined;
  let statement: unknown;
  try {
    statement = JSON.parse(env.payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof statement !== 'object' || statement === null) return undefined;
  const s = statement as { _type?: unknown; subject?: unknown };
  if (typeof s._type !== 'string' || !STATEMENT_TYPES.includes(s._type) || !Array.isArray(s.subject))
    return undefined;
  const out: InTotoSubject[] = [];
  for (const sub of s.subject as unknown[]) {
    if (typeof sub !== 'object' || sub === null) continue;
    const { name, digest } = sub as { name?: unknown; digest?: unknown };
    if (typeof digest !== 'object' || digest === null) continue;
    const d: Record<string, string> = {};
    for (const [alg, hex] of Object.entries(digest)) if (typeof hex === 'string') d[alg] = hex.toLowerCase();
    out.push({ ...(typeof name === 'string' ? { name } : {}), digest: d });
  }
  return out;
}

/** Whether an in-toto subject names the artifact with this digest. */
export function subjectsInclude(
  subjects: readonly InTotoSubject[],
  alg: HashAlgorithm,
  digest: Uint8Array,
): boolean {
  const hex = Buffer.from(digest).toString('hex');
  return subjects.some((s) => s.digest[alg] === hex);
}
