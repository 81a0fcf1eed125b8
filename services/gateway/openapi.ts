/**
 * The gateway's OpenAPI 3.1 document (GET /openapi.json). Request bodies come from the same zod
 * schemas that validate them (libs/verify), so the document cannot drift from the code.
 */
import { z } from 'zod';
import { SubmissionInputJson } from '../../libs/verify/index.js';

const json = (schema: unknown) => ({ 'application/json': { schema } });
const error = { $ref: '#/components/schemas/Error' };
const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [String(c), { description: ERROR_DESCRIPTIONS[c] ?? 'error', content: json(error) }]),
  );

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'malformed input (code INPUT_MALFORMED or BUNDLE_MALFORMED, with the zod issues in details)',
  404: 'not found',
  409: 'an equivalent entry already exists (Location names it)',
  413: 'body or entry too large (INPUT_TOO_LARGE, ENTRY_TOO_LARGE, BUS_MESSAGE_TOO_LARGE)',
  422: 'signature, certificate, identity or evidence invalid (SIGNATURE_INVALID, CERTIFICATE_UNTRUSTED, KEY_UNTRUSTED, TLOG_PROOF_INVALID, ...)',
  429: 'over the per-client rate limit (RATE_LIMITED); Retry-After says when to retry',
  503: 'Kafka or PostgreSQL pushes back, or inclusion takes longer than the wait; Retry-After says when to retry',
};

export function openApiDocument(): unknown {
  const submission = z.toJSONSchema(SubmissionInputJson, { io: 'input', unrepresentable: 'any' });
  delete (submission as { $schema?: string }).$schema;
  const intQuery = (name: string, description: string, required = true) => ({
    name,
    in: 'query',
    required,
    schema: { type: 'integer', minimum: 0 },
    description,
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Attestry gateway',
      version: '1',
      description:
        'Ingest of signing events, a Rekor v1-compatible subset, and the transparency log read path (C2SP tlog-tiles).',
    },
    paths: {
      '/api/v1/entries': {
        post: {
          summary:
            'Submit a signing event: a Sigstore bundle, a DSSE envelope with its verification material, or a hashedrekord',
          parameters: [
            {
              name: 'wait',
              in: 'query',
              schema: { type: 'boolean', default: true },
              description: 'false: answer 202 with the entry hash at once',
            },
          ],
          requestBody: { required: true, content: json(submission) },
          responses: {
            '200': {
              description: 'already in the log: the existing entry',
              content: json({ $ref: '#/components/schemas/EntryResponse' }),
            },
            '201': {
              description: 'logged: the entry with its inclusion proof at a signed checkpoint',
              content: json({ $ref: '#/components/schemas/EntryResponse' }),
            },
            '202': {
              description: 'accepted, not yet logged (wait=false)',
              content: json({
                type: 'object',
                properties: { entryHash: { type: 'string' }, status: { const: 'accepted' } },
              }),
            },
            ...errors(400, 413, 422, 429, 503),
          },
        },
      },
      '/api/v1/attestations/{digest}': {
        get: {
          summary: 'A stored attestation (DSSE envelope) by its SHA-256, immutable',
          parameters: [
            {
              name: 'digest',
              in: 'path',
              required: true,
              schema: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
            },
          ],
          responses: {
            '200': {
              description: 'the attestation bytes',
              content: { 'application/vnd.dsse.envelope.v1+json': {} },
            },
            ...errors(400, 404),
          },
        },
      },
      '/api/v1/log/entries': {
        post: {
          summary:
            'Rekor v1: create an entry from a hashedrekord 0.0.1 or dsse 0.0.1 proposed entry (201 after inclusion)',
          requestBody: {
            required: true,
            content: json({ type: 'object', description: "rekor's ProposedEntry" }),
          },
          responses: {
            '201': {
              description: 'LogEntry map {uuid: entry}',
              content: json({ $ref: '#/components/schemas/RekorLogEntry' }),
            },
            ...errors(400, 409, 413, 422, 503),
          },
        },
        get: {
          summary: 'Rekor v1: an entry by log index',
          parameters: [intQuery('logIndex', 'log index')],
          responses: {
            '200': {
              description: 'LogEntry map',
              content: json({ $ref: '#/components/schemas/RekorLogEntry' }),
            },
            ...errors(400, 404),
          },
        },
      },
      '/api/v1/log/entries/{uuid}': {
        get: {
          summary: 'Rekor v1: an entry by UUID (hex leaf hash)',
          parameters: [
            {
              name: 'uuid',
              in: 'path',
              required: true,
              schema: { type: 'string', pattern: '^([0-9a-f]{16})?[0-9a-f]{64}$' },
            },
          ],
          responses: {
            '200': {
              description: 'LogEntry map',
              content: json({ $ref: '#/components/schemas/RekorLogEntry' }),
            },
            ...errors(400, 404),
          },
        },
      },
      '/api/v1/log/entries/retrieve': {
        post: {
          summary: 'Rekor v1: entries by UUIDs and log indexes (at most 10 of each)',
          requestBody: {
            content: json({
              type: 'object',
              properties: {
                entryUUIDs: { type: 'array', items: { type: 'string' } },
                logIndexes: { type: 'array', items: { type: 'integer' } },
              },
            }),
          },
          responses: {
            '200': {
              description: 'array of LogEntry maps',
              content: json({ type: 'array', items: { $ref: '#/components/schemas/RekorLogEntry' } }),
            },
            ...errors(400),
          },
        },
      },
      '/api/v1/index/retrieve': {
        post: {
          summary:
            "Rekor v1 search index, answered from Attestry's complete index: UUIDs of the entries matching a hash, an x509 public key or certificate, or an e-mail identity (operator and/or), in log order, at most 10,000",
          requestBody: {
            content: json({
              type: 'object',
              properties: {
                hash: { type: 'string', description: 'sha256:<hex> (or bare hex) of an artifact' },
                email: { type: 'string' },
                publicKey: {
                  type: 'object',
                  properties: {
                    format: { type: 'string', enum: ['x509', 'pgp', 'minisign', 'ssh', 'tuf'] },
                    content: { type: 'string', description: 'base64 of a PEM public key or certificate' },
                  },
                  required: ['format'],
                },
                operator: { type: 'string', enum: ['and', 'or'] },
              },
            }),
          },
          responses: {
            '200': {
              description: 'entry UUIDs (hex leaf hashes)',
              content: json({ type: 'array', items: { type: 'string' } }),
            },
            ...errors(400),
          },
        },
      },
      '/api/v1/log': {
        get: {
          summary: 'Rekor v1: log info',
          responses: {
            '200': {
              description: '{treeSize, rootHash (hex), signedTreeHead}',
              content: json({ type: 'object' }),
            },
          },
        },
      },
      '/api/v1/log/publicKey': {
        get: {
          summary:
            "Rekor v1: the log's ECDSA P-256 key (SPKI PEM), which signs checkpoints and signed entry timestamps",
          responses: { '200': { description: 'PEM', content: { 'application/x-pem-file': {} } } },
        },
      },
      '/api/v1/log/proof': {
        get: {
          summary:
            'Rekor v1: consistency proof between two tree sizes ({rootHash, hashes}, hex; equal sizes give an empty list)',
          parameters: [
            intQuery('firstSize', 'older tree size (default 1)', false),
            intQuery('lastSize', 'newer tree size'),
          ],
          responses: {
            '200': { description: 'proof', content: json({ type: 'object' }) },
            ...errors(400, 404),
          },
        },
      },
      '/tlog/checkpoint': {
        get: {
          summary:
            'The latest signed checkpoint (C2SP tlog-checkpoint in a signed note: Ed25519 and ECDSA P-256 signatures)',
          responses: { '200': { description: 'signed note', content: { 'text/plain': {} } }, ...errors(404) },
        },
      },
      '/tlog/tile/{path}': {
        get: {
          summary:
            'C2SP tlog-tiles: tile/<L>/<N>[.p/<W>] (hash tiles) and tile/entries/<N>[.p/<W>] (entry bundles: uint16 length + entry)',
          parameters: [{ name: 'path', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'tile bytes; full tiles are immutable',
              content: { 'application/octet-stream': {} },
            },
            ...errors(404),
          },
        },
      },
      '/tlog/proof/inclusion': {
        get: {
          summary:
            'RFC 9162 inclusion proof of an index at exactly a tree size (with the checkpoint at that size when one was signed)',
          parameters: [intQuery('index', 'log index'), intQuery('treeSize', 'tree size')],
          responses: {
            '200': { description: 'proof (base64 hashes)', content: json({ type: 'object' }) },
            ...errors(400, 404),
          },
        },
      },
      '/tlog/proof/consistency': {
        get: {
          summary: 'RFC 9162 consistency proof between two tree sizes',
          parameters: [intQuery('from', 'older size'), intQuery('to', 'newer size')],
          responses: {
            '200': { description: 'proof (base64 hashes)', content: json({ type: 'object' }) },
            ...errors(400, 404),
          },
        },
      },
    },
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
        EntryResponse: {
          type: 'object',
          properties: {
            entryHash: { type: 'string', description: 'hex RFC 6962 leaf hash: the entry id' },
            duplicate: { type: 'boolean' },
            entry: {
              type: 'object',
              description: 'Sigstore TransparencyLogEntry (protobuf JSON), as a bundle carries it',
            },
          },
        },
        RekorLogEntry: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            description:
              '{body, integratedTime, logID, logIndex, verification: {inclusionProof, signedEntryTimestamp}}',
          },
        },
      },
    },
  };
}
