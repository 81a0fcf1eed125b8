/**
 * The canonical Rekor v1 entry bodies the log stores (DESIGN.md "The log"; built by libs/verify
 * hashedRekordBody / dsseBody): what the indexer needs from them. Bodies arrive on Kafka, so
 * they are parsed with zod like any input; the shell also checks them against the log's leaf
 * hash before they get here.
 *
 * - hashedrekord 0.0.1: spec.data.hash {algorithm, value: hex}, spec.signature {content,
 *   publicKey.content: base64 of the verifier PEM};
 * - dsse 0.0.1: spec.envelopeHash and spec.payloadHash (sha256, hex), spec.signatures
 *   [{signature, verifier: base64 of the verifier PEM}].
 */
import { z } from 'zod';
import { AttestryError } from '../../libs/core/index.js';
import { parseArtifactKey, type ArtifactKey } from '../../libs/formats/index.js';

const Hex256 = z.string().regex(/^[0-9a-f]{64}$/);

const HashedRekordBody = z.object({
  apiVersion: z.literal('0.0.1'),
  kind: z.literal('hashedrekord'),
  spec: z.object({
    data: z.object({
      hash: z.object({ algorithm: z.enum(['sha256', 'sha384', 'sha512']), value: z.string() }),
    }),
    signature: z.object({ content: z.string(), publicKey: z.object({ content: z.string().min(1) }) }),
  }),
});

const DsseBody = z.object({
  apiVersion: z.literal('0.0.1'),
  kind: z.literal('dsse'),
  spec: z.object({
    envelopeHash: z.object({ algorithm: z.literal('sha256'), value: Hex256 }),
    payloadHash: z.object({ algorithm: z.literal('sha256'), value: Hex256 }),
    signatures: z.array(z.object({ signature: z.string(), verifier: z.string().min(1) })).min(1),
  }),
});

export type LoggedBody =
  | {
      kind: 'hashedrekord';
      /** The signed artifact digest. */
      digest: ArtifactKey;
      /** Base64 of the verifier PEM. */
      verifiers: string[];
    }
  | {
      kind: 'dsse';
      /** Hex SHA-256 of the envelope bytes stored beside the log. */
      envelopeHash: string;
      /** Hex SHA-256 of the DSSE payload. */
      payloadHash: string;
      /** Base64 of each signature's verifier PEM, in the body's order. */
      verifiers: string[];
    };

/** Parses a logged body of the given kind; throws INPUT_MALFORMED. */
export function parseEntryBody(kind: 'hashedrekord' | 'dsse', body: Buffer): LoggedBody {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new AttestryError('INPUT_MALFORMED', 'the entry body is not JSON', { cause: e });
  }
  if (kind === 'hashedrekord') {
    const r = HashedRekordBody.safeParse(json);
    if (!r.success)
      throw new AttestryError(
        'INPUT_MALFORMED',
        `not a hashedrekord 0.0.1 body: ${r.error.issues[0]?.message}`,
      );
    const { hash } = r.data.spec.data;
    let digest: ArtifactKey;
    try {
      digest = parseArtifactKey(`${hash.algorithm}:${hash.value}`);
    } catch (e) {
      throw new AttestryError('INPUT_MALFORMED', 'the hashedrekord digest is not hex of its size', {
        cause: e,
      });
    }
    return { kind, digest, verifiers: [r.data.spec.signature.publicKey.content] };
  }
  const r = DsseBody.safeParse(json);
  if (!r.success)
    throw new AttestryError('INPUT_MALFORMED', `not a dsse 0.0.1 body: ${r.error.issues[0]?.message}`);
  return {
    kind,
    envelopeHash: r.data.spec.envelopeHash.value,
    payloadHash: r.data.spec.payloadHash.value,
    verifiers: r.data.spec.signatures.map((s) => s.verifier),
  };
}
