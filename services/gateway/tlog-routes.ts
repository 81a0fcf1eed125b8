/**
 * The log's read path under /tlog/ (C2SP tlog-tiles) and proof endpoints. Anyone can mirror the
 * log with a static HTTP client: checkpoint, hash tiles, entry bundles.
 */
import { AttestryError, toBase64, toHex } from '../../libs/core/index.js';
import type { TlogReader } from '../../libs/db/index.js';
import { TILE_WIDTH, parseTilePath } from '../../libs/merkle/index.js';
import { sendJson } from '../../libs/observe/index.js';
import { intParam, type Router } from './http.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const SHORT = 'no-cache';

export function registerTlogRoutes(router: Router, reader: TlogReader): void {
  router.on('GET', '/tlog/checkpoint', async ({ res }) => {
    const cp = await reader.latestCheckpoint();
    if (!cp) throw new AttestryError('NOT_FOUND', 'the log is empty: no checkpoint yet');
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': SHORT });
    res.end(cp.note);
  });

  router.on('GET', '/tlog/proof/inclusion', async ({ res, url }) => {
    const index = intParam(url.searchParams.get('index'), 'index');
    const treeSize = intParam(url.searchParams.get('treeSize'), 'treeSize', { min: 1 });
    const proof = await reader.inclusionProof(index, treeSize);
    const cp = await reader.checkpointAt(treeSize);
    sendJson(res, 200, {
      logIndex: index,
      treeSize,
      rootHash: toBase64(proof.rootHash),
      hashes: proof.hashes.map(toBase64),
      ...(cp ? { checkpoint: cp.note } : {}),
    });
  });

  router.on('GET', '/tlog/proof/consistency', async ({ res, url }) => {
    const from = intParam(url.searchParams.get('from'), 'from', { min: 1 });
    const to = intParam(url.searchParams.get('to'), 'to', { min: 1 });
    const proof = await reader.consistencyProof(from, to);
    sendJson(res, 200, {
      from,
      to,
      firstRootHash: toBase64(proof.firstRootHash),
      rootHash: toBase64(proof.rootHash),
      hashes: proof.hashes.map(toBase64),
      hashesHex: proof.hashes.map(toHex),
    });
  });
  // tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>]: the path grammar lives in libs/merkle.
  router.on('GET', '/tlog/*path', async ({ res, params }) => {
    const rest = params['path'] ?? '';
    if (!rest.startsWith('tile/')) throw new AttestryError('NOT_FOUND', 'not found');
    let parsed;
    try {
      parsed = parseTilePath(rest);
    } catch (e) {
      throw new AttestryError('NOT_FOUND', `not a tile path: ${e instanceof Error ? e.message : String(e)}`);
    }
    const width = 'width' in parsed ? parsed.width : TILE_WIDTH;
    const body =
      parsed.kind === 'entries'
        ? await reader.entryBundle(parsed.index, width)
        : await reader.tile(parsed.level, parsed.index, width);
    if (!body) throw new AttestryError('NOT_FOUND', 'the log does not have this tile at this width (yet)');
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': body.length,
      // A full tile never changes; a partial one of width W never changes either (it is a
      // prefix), but clients ask for partial tiles only to catch up, so keep them fresh.
      'cache-control': width === TILE_WIDTH ? IMMUTABLE : SHORT,
    });
    res.end(body);
  });
}
