/**
 * in-toto Statements (in-toto attestation spec v1: statement.md, resource_descriptor.md,
 * digest_set.md), with the legacy `https://in-toto.io/Statement/v0.1` type still accepted as
 * the Go reference implementation does. A Statement arrives inside a DSSE envelope whose
 * signature may be checked, but every field is still chosen by the signer: attacker-controlled.
 */
import { z } from 'zod';
import { checkInTotoDigest } from '../digest.js';
import { assertJsonDepth, malformed, parseWith, quote, unsupported } from '../problems.js';
import { IN_TOTO_PAYLOAD_TYPE } from '../dsse/envelope.js';

export const STATEMENT_TYPE_V1 = 'https://in-toto.io/Statement/v1';
export const STATEMENT_TYPE_V01 = 'https://in-toto.io/Statement/v0.1';

const WHAT = 'in-toto Statement';

/** A digest set: algorithm -> value, checked for the algorithms in-toto knows. */
export const DigestSetSchema = z.record(z.string(), z.string()).superRefine((d, ctx) => {
  for (const [alg, value] of Object.entries(d)) {
    const problem = checkInTotoDigest(alg, value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [alg], message: problem });
  }
});

/**
 * ResourceDescriptor (resource_descriptor.md): at least one of name, uri, digest. `content` is
 * base64 bytes in JSON; annotations are free-form. Unknown fields are ignored.
 */
export const ResourceDescriptorSchema = z
  .object({
    name: z.string().optional(),
    uri: z.string().optional(),
    digest: DigestSetSchema.optional(),
    content: z.string().optional(),
    downloadLocation: z.string().optional(),
    mediaType: z.string().optional(),
    annotations: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((rd, ctx) => {
    if (!rd.name && !rd.uri && (rd.digest === undefined || Object.keys(rd.digest).length === 0)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a resource descriptor needs at least one of name, uri, digest',
      });
    }
  });
export type ResourceDescriptor = z.infer<typeof ResourceDescriptorSchema>;

const SubjectSchema = ResourceDescriptorSchema.superRefine((rd, ctx) => {
  // statement.md: subject digests are REQUIRED; a subject without one identifies nothing.
  if (rd.digest === undefined || Object.keys(rd.digest).length === 0) {
    ctx.addIssue({ code: 'custom', path: ['digest'], message: 'a subject needs a non-empty digest set' });
  }
});

export const StatementSchema = z.object({
  _type: z.enum([STATEMENT_TYPE_V1, STATEMENT_TYPE_V01], {
    message: `must be ${STATEMENT_TYPE_V1} (or the legacy ${STATEMENT_TYPE_V01})`,
  }),
  subject: z.array(SubjectSchema).min(1, { message: 'a statement needs at least one subject' }),
  // statement.md says TypeURI; the reference implementation only requires it non-empty (its
  // own vectors use "thePredicate"), so we do the same.
  predicateType: z.string().min(1, { message: 'predicateType is required' }),
  predicate: z.custom<unknown>((v) => v !== undefined && v !== null, { message: 'predicate is required' }),
});

export interface Statement {
  _type: typeof STATEMENT_TYPE_V1 | typeof STATEMENT_TYPE_V01;
  subject: ResourceDescriptor[];
  predicateType: string;
  /** Predicate as given; interpreted by factsFromStatement according to predicateType. */
  predicate: unknown;
}

/** Checks a Statement already decoded from JSON; throws FORMAT_MALFORMED naming the field. */
export function parseStatement(input: unknown): Statement {
  assertJsonDepth(input, WHAT);
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw malformed(WHAT, 'not a JSON object');
  return parseWith(StatementSchema, input, WHAT) as Statement;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Decodes and checks a DSSE payload. Only in-toto Statements
 * (payloadType application/vnd.in-toto+json) are understood: anything else is
 * FORMAT_UNSUPPORTED; bytes that are not UTF-8 JSON are FORMAT_MALFORMED.
 */
export function parseStatementPayload(bytes: Uint8Array, payloadType: string): Statement {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw unsupported('DSSE payload', `payloadType ${quote(payloadType)} is not ${IN_TOTO_PAYLOAD_TYPE}`);
  }
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch (e) {
    throw malformed(WHAT, 'payload is not UTF-8', { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw malformed(WHAT, `payload is not JSON (${(e as Error).message.slice(0, 120)})`, { cause: e });
  }
  return parseStatement(json);
}
