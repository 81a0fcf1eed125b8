/**
 * A Rekor v1-compatible subset (rekor's openapi.yaml shapes), so existing Sigstore clients
 * (sigstore-js's RekorWitness, cosign) can use Attestry as their transparency log:
 *   POST /api/v1/log/entries            hashedrekord 0.0.1 and dsse 0.0.1 proposed entries;
 *                                        201 after inclusion, 409 + Location for a duplicate
 *   GET  /api/v1/log                    {treeSize, rootHash, signedTreeHead}
 *   GET  /api/v1/log/publicKey          the ECDSA checkpoint/SET key, SPKI PEM
 *   GET  /api/v1/log/entries?logIndex=N, GET /api/v1/log/entries/{uuid}
 *   POST /api/v1/log/entries/retrieve   {entryUUIDs?, logIndexes?} -> array of entry maps
 *   GET  /api/v1/log/proof?firstSize=&lastSize=
 * UUIDs are the hex leaf hash (an 80-character Rekor UUID with a tree-id prefix is accepted too).
 */
import { z } from 'zod';
import { AttestryError, crypto, toBase64, toHex } from '../../libs/core/index.js';
import { tlogStore, type StoredEntry, type TlogReader } from '../../libs/db/index.js';
import { hashLeaf } from '../../libs/merkle/index.js';
import { sendJson } from '../../libs/observe/index.js';
import { intParam, parseJsonBody, readBody, type Router } from './http.js';
import { CHECKPOINT_MAX_AGE_MS, type IngestDeps } from './ingest-routes.js';

const b64 = z.string().min(1);

/** rekor pkg/types/hashedrekord/v0.0.1 proposed entry. */
const ProposedHashedRekord = z.object({
  apiVersion: z.literal('0.0.1'),
  kind: z.literal('hashedrekord'),
  spec: z.object({
    data: z.object({
      hash: z.object({
        algorithm: z.enum(['sha256', 'sha384', 'sha512']),
        value: z.string().regex(/^[0-9a-f]+$/),
      }),
    }),
    signature: z.object({ content: b64, publicKey: z.object({ content: b64 }) }),
  }),
});

/** rekor pkg/types/dsse/v0.0.1 proposed entry. */
const ProposedDsse = z.object({
  apiVersion: z.literal('0.0.1'),
  kind: z.literal('dsse'),
  spec: z.object({
    proposedContent: z.object({ envelope: z.string().min(2), verifiers: z.array(b64).min(1).max(16) }),
  }),
});

const ProposedEntry = z.union([ProposedHashedRekord, ProposedDsse]);

/** A verifier as Rekor carries it: base64 of a PEM public key or certificate. */
function materialOf(b64Pem: string): { publicKey: string } | { certificate: string } {
  const pem = Buffer.from(b64Pem, 'base64').toString('utf8');
  if (/-----BEGIN CERTIFICATE-----/.test(pem)) return { certificate: pem };
  if (/-----BEGIN PUBLIC KEY-----/.test(pem)) return { publicKey: pem };
  throw new AttestryError(
    'INPUT_MALFORMED',
    'a publicKey/verifier must be base64 of a PEM public key or certificate',
  );
}

/** Turns a Rekor proposed entry into Attestry's submission input (libs/verify shapes). */
export function submissionFromProposedEntry(json: unknown): unknown {
  const parsed = ProposedEntry.safeParse(json);
  if (!parsed.success) {
    throw new AttestryError(
      'INPUT_MALFORMED',
      `not a hashedrekord 0.0.1 or dsse 0.0.1 proposed entry: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      {
        details: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      },
    );
  }
  const e = parsed.data;
  if (e.kind === 'hashedrekord') {
    return {
      artifactDigest: { algorithm: e.spec.data.hash.algorithm, hex: e.spec.data.hash.value },
      signature: e.spec.signature.content,
      verificationMaterial: materialOf(e.spec.signature.publicKey.content),
    };
  }
  let envelope: unknown;
  try {
    envelope = JSON.parse(e.spec.proposedContent.envelope);
  } catch (err) {
    throw new AttestryError('INPUT_MALFORMED', 'proposedContent.envelope is not JSON', { cause: err });
  }
  const verifiers = e.spec.proposedContent.verifiers.map(materialOf);
  return { dsseEnvelope: envelope, verificationMaterial: verifiers.length === 1 ? verifiers[0] : verifiers };
}

/** Rekor's LogEntry map: {<uuid>: {body, integratedTime, logID, logIndex, verification}}. */
async function logEntryMap(
  reader: TlogReader,
  logId: string,
  e: StoredEntry,
): Promise<Record<string, unknown>> {
  const cp = await reader.checkpointCovering(e.logIndex, CHECKPOINT_MAX_AGE_MS);
  let inclusionProof: Record<string, unknown> | undefined;
  if (cp && cp.treeSize > e.logIndex) {
    const proof = await reader.inclusionProof(e.logIndex, cp.treeSize);
    inclusionProof = {
      logIndex: e.logIndex,
      treeSize: cp.treeSize,
      rootHash: toHex(proof.rootHash),
      hashes: proof.hashes.map(toHex),
      checkpoint: cp.note,
    };
  }
  return {
    [toHex(e.leafHash)]: {
      body: toBase64(e.body),
      integratedTime: e.integratedTime,
      logID: logId,
      logIndex: e.logIndex,
      verification: {
        ...(inclusionProof ? { inclusionProof } : {}),
        signedEntryTimestamp: toBase64(e.setSignature),
      },
    },
  };
}

function uuidToLeaf(uuid: string): Buffer {
  const m = /^(?:[0-9a-f]{16})?([0-9a-f]{64})$/.exec(uuid);
  if (!m?.[1])
    throw new AttestryError('INPUT_MALFORMED', 'an entry UUID is 64 hex digits (or 80 with a tree id)');
  return Buffer.from(m[1], 'hex');
}

export function registerRekorRoutes(
  router: Router,
  d: IngestDeps & { logIdentity: () => Promise<tlogStore.LogIdentityRecord> },
): void {
  const entryLocation = (leaf: Buffer) => `/api/v1/log/entries/${toHex(leaf)}`;

  router.on('POST', '/api/v1/log/entries', async ({ req, res, requestId }) => {
    const input = submissionFromProposedEntry(parseJsonBody(await readBody(req, d.maxBodyBytes)));
    const loggable = d.verify(input);
    const leaf = hashLeaf(loggable.body);
    const existing = await d.lookup.lookup(leaf);
    if (existing) {
      // Rekor answers a duplicate with 409 and the existing entry's Location.
      sendJson(
        res,
        409,
        { code: 409, message: 'an equivalent entry already exists in the transparency log' },
        { location: entryLocation(leaf) },
      );
      return;
    }
    const vouched = d.voucher?.vouch(loggable);
    await d.bus.publish(d.topics.submissions, [
      {
        key: toHex(leaf),
        value: JSON.stringify({
          v: 1,
          requestId,
          receivedAt: new Date().toISOString(),
          source: 'gateway-rekor',
          input,
          ...(vouched ? { verified: vouched } : {}),
        }),
      },
    ]);
    const entry = await d.waiter.wait(leaf, d.waitTimeoutMs);
    sendJson(res, 201, await logEntryMap(d.reader, await d.logId(), entry), {
      location: entryLocation(leaf),
      etag: toHex(leaf),
    });
  });

  router.on('GET', '/api/v1/log', async ({ res }) => {
    const cp = await d.reader.latestCheckpoint();
    if (!cp) {
      sendJson(res, 200, { treeSize: 0, rootHash: toHex(crypto.sha256()), signedTreeHead: '' });
      return;
    }
    sendJson(res, 200, { treeSize: cp.treeSize, rootHash: toHex(cp.rootHash), signedTreeHead: cp.note });
  });

  router.on('GET', '/api/v1/log/publicKey', async ({ res }) => {
    const pem = crypto.spkiPem(crypto.createPublicKey((await d.logIdentity()).ecdsaSpki, 'der'));
    res.writeHead(200, {
      'content-type': 'application/x-pem-file',
      'content-length': Buffer.byteLength(pem),
    });
    res.end(pem);
  });

  router.on('GET', '/api/v1/log/proof', async ({ res, url }) => {
    const firstSize = intParam(url.searchParams.get('firstSize') ?? '1', 'firstSize', { min: 1 });
    const lastSize = intParam(url.searchParams.get('lastSize'), 'lastSize', { min: 1 });
    const proof = await d.reader.consistencyProof(firstSize, lastSize);
    sendJson(res, 200, { rootHash: toHex(proof.rootHash), hashes: proof.hashes.map(toHex) });
  });

  router.on('GET', '/api/v1/log/entries', async ({ res, url }) => {
    const logIndex = intParam(url.searchParams.get('logIndex'), 'logIndex');
    const e = await tlogStore.readEntryByIndex(d.pool, logIndex);
    if (!e) throw new AttestryError('NOT_FOUND', `no entry at log index ${logIndex}`);
    sendJson(res, 200, await logEntryMap(d.reader, await d.logId(), e));
  });

  router.on('GET', '/api/v1/log/entries/:uuid', async ({ res, params }) => {
    const e = await tlogStore.readEntryByLeafHash(d.pool, uuidToLeaf(params['uuid'] ?? ''));
    if (!e) throw new AttestryError('NOT_FOUND', 'no entry with this UUID');
    sendJson(res, 200, await logEntryMap(d.reader, await d.logId(), e));
  });

  const RetrieveBody = z.object({
    entryUUIDs: z.array(z.string()).max(10).optional(),
    logIndexes: z.array(z.number().int().nonnegative()).max(10).optional(),
  });
  router.on('POST', '/api/v1/log/entries/retrieve', async ({ req, res }) => {
    const parsed = RetrieveBody.safeParse(parseJsonBody(await readBody(req, 1024 * 1024)));
    if (!parsed.success)
      throw new AttestryError(
        'INPUT_MALFORMED',
        'expected {entryUUIDs?: string[], logIndexes?: number[]} with at most 10 of each',
      );
    const found: StoredEntry[] = [];
    for (const uuid of parsed.data.entryUUIDs ?? []) {
      const e = await tlogStore.readEntryByLeafHash(d.pool, uuidToLeaf(uuid));
      if (e) found.push(e);
    }
    for (const i of parsed.data.logIndexes ?? []) {
      const e = await tlogStore.readEntryByIndex(d.pool, i);
      if (e) found.push(e);
    }
    const logId = await d.logId();
    sendJson(res, 200, await Promise.all(found.map((e) => logEntryMap(d.reader, logId, e))));
  });
}
