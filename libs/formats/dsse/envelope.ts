/**
 * DSSE envelopes (secure-systems-lab/dsse envelope.md, protocol.md). The envelope, its payload
 * type and every signature are attacker-controlled until a verifier (libs/verify) has checked
 * the signatures over preAuthEncoding(payloadType, payload).
 */
import { z } from 'zod';
import { malformed, parseWith } from '../problems.js';

/** payloadType of an in-toto Statement (in-toto attestation spec v1, envelope.md). */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

const STD_B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_B64 = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Decodes base64 in either alphabet, padded or not (DSSE envelope.md: "Either standard or
 * URL-safe encoding is allowed"); one string may not mix the alphabets. Returns undefined for
 * anything else, where Buffer.from would silently skip junk.
 */
export function decodeDsseBase64(s: string): Buffer | undefined {
  const encoding = STD_B64.test(s) ? 'base64' : URL_B64.test(s) ? 'base64url' : undefined;
  if (encoding === undefined) return undefined;
  const body = s.replace(/=+$/, '');
  const padding = s.length - body.length;
  if (body.length % 4 === 1) return undefined;
  if (padding > 0 && (body.length + padding) % 4 !== 0) return undefined;
  return Buffer.from(body, encoding);
}

const base64Field = (what: string) =>
  z.string().refine((s) => decodeDsseBase64(s) !== undefined, {
    message: `${what} is not base64 (standard or URL-safe)`,
  });

/** The JSON envelope. Unknown fields are ignored, as DSSE allows. */
export const DsseEnvelope = z.object({
  payload: base64Field('payload'),
  payloadType: z.string(),
  signatures: z
    .array(
      z.object({
        keyid: z.string().optional(),
        sig: base64Field('sig').refine((s) => s !== '', { message: 'sig is empty' }),
      }),
    )
    .min(1, { message: 'an envelope needs at least one signature' }),
});
export type DsseEnvelope = z.infer<typeof DsseEnvelope>;

export interface DecodedDsseEnvelope {
  payloadType: string;
  payload: Buffer;
  signatures: { keyid?: string; sig: Buffer }[];
}

/** Checks the shape of an envelope; throws FORMAT_MALFORMED naming the field. */
export function parseDsseEnvelope(input: unknown): DsseEnvelope {
  return parseWith(DsseEnvelope, input, 'DSSE envelope');
}

/** Checks and decodes an envelope: payload and signatures as bytes. */
export function decodeDsseEnvelope(input: unknown): DecodedDsseEnvelope {
  const env = parseDsseEnvelope(input);
  const payload = decodeDsseBase64(env.payload);
  if (payload === undefined) throw malformed('DSSE envelope', 'payload is not base64');
  return {
    payloadType: env.payloadType,
    payload,
    signatures: env.signatures.map((s) => ({
      ...(s.keyid !== undefined ? { keyid: s.keyid } : {}),
      sig: decodeDsseBase64(s.sig) as Buffer,
    })),
  };
}

/**
 * PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, where LEN is the
 * ASCII decimal byte length without leading zeros (DSSE protocol.md "Signature definition").
 * The type is UTF-8 encoded: its LEN counts bytes, not characters.
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
