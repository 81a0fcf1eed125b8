/**
 * POST /api/v1/entries: validate the shape and the signature at once (clear errors), produce the
 * accepted submission to attestry.submissions keyed by its entry hash, and by default wait for
 * inclusion and answer 201 with the entry as a Sigstore TransparencyLogEntry plus its inclusion
 * proof at a signed checkpoint. `?wait=false` answers 202 with the entry hash at once. A
 * submission already in the log answers 200 with the existing entry.
 */
import { AttestryError, toHex } from '../../libs/core/index.js';
import type { Bus, TopicNames } from '../../libs/bus/index.js';
import type { TlogReader } from '../../libs/db/index.js';
import { tlogStore, type Pool } from '../../libs/db/index.js';
import type { SubmissionEvent } from '../../libs/events/index.js';
import { hashLeaf } from '../../libs/merkle/index.js';
import {
  MAX_ENTRY_BYTES,
  entryWithProof,
  type ProofSource,
  type VerifyForLog,
  type Voucher,
} from '../../libs/tlog/index.js';
import { sendJson } from '../../libs/observe/index.js';
import type { InclusionWaiter } from './inclusion-waiter.js';
import type { LeafLookup } from './leaf-lookup.js';
import { parseJsonBody, readBody, type Router } from './http.js';

export interface IngestDeps {
  pool: Pool;
  bus: Bus;
  topics: TopicNames;
  reader: TlogReader;
  waiter: InclusionWaiter;
  /** Duplicate checks, batched across concurrent requests. */
  lookup: LeafLookup;
  verify: VerifyForLog;
  /** Vouches for what the gateway verified, so the sequencer need not verify it again. */
  voucher?: Voucher;
  logId: () => Promise<string>;
  maxBodyBytes: number;
  waitTimeoutMs: number;
  /** Seconds spent per phase of POST /api/v1/entries (verify, lookup, produce, wait, proof). */
  phase?: { observe(labels: { phase: string }, seconds: number): void };
}

/** A checkpoint this recent is good enough for an answer when it covers the entry. */
export const CHECKPOINT_MAX_AGE_MS = 1000;

/**
 * Proofs for an answer: at a signed checkpoint that covers `logIndex`, shared by every answer made
 * at the same time (one checkpoint read, tiles read once, tile interior hashes memoised).
 */
export function proofSource(reader: TlogReader, logIndex: number): ProofSource {
  return {
    latestCheckpoint: () => reader.checkpointCovering(logIndex, CHECKPOINT_MAX_AGE_MS),
    inclusionProof: (index, treeSize) => reader.inclusionProof(index, treeSize),
  };
}

export function registerIngestRoutes(router: Router, d: IngestDeps): void {
  router.on('POST', '/api/v1/entries', async ({ req, res, url, requestId }) => {
    let t = performance.now();
    const lap = (phase: string): void => {
      const now = performance.now();
      d.phase?.observe({ phase }, (now - t) / 1000);
      t = now;
    };
    const wait = url.searchParams.get('wait') !== 'false';
    const body = await readBody(req, d.maxBodyBytes);
    lap('read');
    const input = parseJsonBody(body);
    const loggable = d.verify(input);
    if (loggable.body.length > MAX_ENTRY_BYTES) {
      throw new AttestryError(
        'ENTRY_TOO_LARGE',
        `the entry body is ${loggable.body.length} bytes; at most ${MAX_ENTRY_BYTES} fit a tile entry bundle`,
      );
    }
    const leaf = hashLeaf(loggable.body);
    const entryHash = toHex(leaf);
    lap('verify');
    const existing = await d.lookup.lookup(leaf);
    lap('lookup');
    if (existing) {
      sendJson(
        res,
        200,
        {
          entryHash,
          duplicate: true,
          entry: await entryWithProof(proofSource(d.reader, existing.logIndex), await d.logId(), existing),
        },
        { location: `/api/v1/log/entries/${entryHash}` },
      );
      return;
    }
    const event: SubmissionEvent = {
      v: 1,
      requestId,
      receivedAt: new Date().toISOString(),
      source: 'gateway',
      input,
    };
    const vouched = d.voucher?.vouch(loggable);
    if (vouched) event.verified = vouched;
    await d.bus.publish(d.topics.submissions, [{ key: entryHash, value: JSON.stringify(event) }]);
    lap('produce');
    if (!wait) {
      sendJson(res, 202, { entryHash, status: 'accepted' }, { location: `/api/v1/log/entries/${entryHash}` });
      return;
    }
    const entry = await d.waiter.wait(leaf, d.waitTimeoutMs);
    lap('wait');
    const withProof = await entryWithProof(proofSource(d.reader, entry.logIndex), await d.logId(), entry);
    lap('proof');
    sendJson(
      res,
      201,
      { entryHash, duplicate: false, entry: withProof },
      { location: `/api/v1/log/entries/${entryHash}` },
    );
    lap('respond');
  });

  router.on('GET', '/api/v1/attestations/:digest', async ({ res, params }) => {
    const m = /^sha256:([0-9a-f]{64})$/.exec(params['digest'] ?? '');
    if (!m?.[1])
      throw new AttestryError(
        'INPUT_MALFORMED',
        'attestations are addressed as sha256:<64 lowercase hex digits>',
      );
    const att = await tlogStore.readAttestation(d.pool, Buffer.from(m[1], 'hex'));
    if (!att) throw new AttestryError('NOT_FOUND', 'no attestation with this hash');
    // Content-addressed: it can never change.
    res.writeHead(200, {
      'content-type': att.mediaType,
      'content-length': att.content.length,
      'cache-control': 'public, max-age=31536000, immutable',
      etag: `"${m[1]}"`,
    });
    res.end(att.content);
  });
}
