/**
 * POST /api/v1/index/retrieve: Rekor v1's search index (rekor openapi.yaml SearchIndex), answered
 * from Attestry's index (schema idx), which holds every logged entry — complete, not best-effort
 * as Rekor's Redis index is. Body `{hash?, publicKey?: {format, content}, email?, operator?}`;
 * answer: the UUIDs (hex leaf hashes) of the matching entries, in log order, at most
 * INDEX_SEARCH_LIMIT. A criterion that does not parse is a 400, never an empty answer.
 */
import { z } from 'zod';
import { AttestryError, crypto, toHex } from '../../libs/core/index.js';
import type { Pool } from '../../libs/db/index.js';
import { parseArtifactKey } from '../../libs/formats/index.js';
import { sendJson } from '../../libs/observe/index.js';
import { parseJsonBody, readBody, type Router } from './http.js';

export const INDEX_SEARCH_LIMIT = 10_000;

const SearchIndex = z
  .object({
    hash: z.string().min(1).max(200).optional(),
    email: z.string().min(3).max(320).optional(),
    publicKey: z
      .object({
        format: z.enum(['x509', 'pgp', 'minisign', 'ssh', 'tuf']),
        content: z
          .string()
          .min(1)
          .max(64 * 1024)
          .optional(),
        url: z.string().optional(),
      })
      .optional(),
    operator: z.enum(['and', 'or']).default('and'),
  })
  .refine((s) => s.hash !== undefined || s.email !== undefined || s.publicKey !== undefined, {
    message: 'give hash, email or publicKey',
  });

/** `sha256:<hex>` (or bare hex, read by its length) as an identity digest. */
function digestOf(hash: string): string {
  const h = hash.trim().toLowerCase();
  const bare = /^[0-9a-f]+$/.test(h)
    ? ({ 64: 'sha256', 96: 'sha384', 128: 'sha512' } as const)[h.length]
    : undefined;
  try {
    return parseArtifactKey(bare ? `${bare}:${h}` : h);
  } catch (e) {
    throw new AttestryError('INPUT_MALFORMED', `hash: ${(e as Error).message}`);
  }
}

/** The key id (`sha256:` of the DER SPKI) of an x509 publicKey: base64 of a PEM key or certificate. */
function keyIdOf(pk: { format: string; content?: string | undefined; url?: string | undefined }): string {
  if (pk.format !== 'x509')
    throw new AttestryError(
      'INPUT_MALFORMED',
      `publicKey.format ${pk.format} is not logged here (x509 only)`,
    );
  if (pk.content === undefined)
    throw new AttestryError('INPUT_MALFORMED', 'publicKey.content is required (url is not fetched)');
  const pem = Buffer.from(pk.content, 'base64').toString('utf8');
  try {
    const key = /-----BEGIN CERTIFICATE-----/.test(pem)
      ? crypto.certificatePublicKey(pem)
      : crypto.createPublicKey(pem);
    return `sha256:${toHex(crypto.sha256(crypto.spkiDer(key)))}`;
  } catch {
    throw new AttestryError(
      'INPUT_MALFORMED',
      'publicKey.content must be base64 of a PEM public key or certificate',
    );
  }
}

export function registerIndexRoutes(router: Router, d: { pool: Pool; maxBodyBytes: number }): void {
  router.on('POST', '/api/v1/index/retrieve', async ({ req, res }) => {
    const parsed = SearchIndex.safeParse(parseJsonBody(await readBody(req, d.maxBodyBytes)));
    if (!parsed.success)
      throw new AttestryError('INPUT_MALFORMED', 'not a SearchIndex', {
        details: { issues: parsed.error.issues },
      });
    const q = parsed.data;
    const sets: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (q.hash !== undefined) {
      const dg = p(digestOf(q.hash));
      sets.push(
        `SELECT log_index FROM idx.signatures WHERE digest = ${dg}
         UNION SELECT log_index FROM idx.statement_subjects WHERE digest = ${dg}`,
      );
    }
    if (q.publicKey !== undefined)
      sets.push(`SELECT log_index FROM idx.signatures WHERE key_id = ${p(keyIdOf(q.publicKey))}`);
    if (q.email !== undefined)
      sets.push(
        `SELECT s.log_index FROM idx.signatures s JOIN idx.signers g ON g.signer_id = s.signer_id
          WHERE s.identity = ${p(q.email)} AND g.san_type = 'email'`,
      );
    const combined = sets.map((s) => `(${s})`).join(q.operator === 'and' ? ' INTERSECT ' : ' UNION ');
    const rows = (
      await d.pool.query<{ leaf_hash: Buffer }>(
        `SELECT e.leaf_hash FROM (${combined}) m JOIN idx.entries e ON e.log_index = m.log_index
          ORDER BY e.log_index LIMIT ${INDEX_SEARCH_LIMIT}`,
        params,
      )
    ).rows;
    sendJson(
      res,
      200,
      rows.map((r) => toHex(r.leaf_hash)),
    );
  });
}
