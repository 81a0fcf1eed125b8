/**
 * Inclusion-proof latency on a 1,000,000-entry log (issue: "p99 under 5 ms over 10,000 random
 * (index, size) pairs"). Builds the tiles of a synthetic log straight into a fresh database with
 * the sequencer's own appendLeaves (no Kafka: this measures the read path), then times
 * TlogReader.inclusionProof, as the gateway serves it, cold and warm.
 *
 *   npx tsx bench/tlog-proofs.ts [--entries 1000000] [--queries 10000] [--json]
 *
 * --json: one JSON object on stdout (the human lines go to stderr).
 */
import { parseArgs } from 'node:util';
import { createPool, tlogStore, TlogReader, withTransaction } from '../libs/db/index.js';
import { appendLeaves, tileKey, tilesForAppend, verifyInclusion, hashLeaf } from '../libs/merkle/index.js';
import { freshBenchDatabase, percentile, startBenchStack } from './stack.js';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    queries: { type: 'string', default: '10000' },
    json: { type: 'boolean', default: false },
  },
});
const human = (line: string) => (values.json ? process.stderr : process.stdout).write(line);
const N = Number(values.entries);
const Q = Number(values.queries);

const stack = await startBenchStack();
const db = await freshBenchDatabase(stack.infra, 'attestry_bench_proofs');
const admin = createPool(db.adminUrl, { applicationName: 'bench', max: 2 });
const leafOf = (i: number) => hashLeaf(Buffer.from(`entry ${i}`));

const t0 = Date.now();
let size = 0;
let root: Buffer = Buffer.alloc(0);
const CHUNK = 20000;
while (size < N) {
  const n = Math.min(CHUNK, N - size);
  await withTransaction(admin, async (c) => {
    const edge = new Map(
      (await tlogStore.readTiles(c, tilesForAppend(size))).map((t) => [tileKey(t), t.hashes] as const),
    );
    const leaves = Array.from({ length: n }, (_, k) => leafOf(size + k));
    const r = appendLeaves(size, edge, leaves);
    await tlogStore.writeTiles(
      c,
      r.tiles.map((t) => ({ level: t.level, index: t.index, width: t.width, hashes: Buffer.from(t.data) })),
    );
    await tlogStore.setTreeHead(c, size, { treeSize: r.newSize, rootHash: r.root });
    size = r.newSize;
    root = r.root;
  });
}
const buildSeconds = (Date.now() - t0) / 1000;
process.stderr.write(`built a ${N}-leaf tree in ${buildSeconds.toFixed(1)} s\n`);

const readerPool = createPool(db.serviceUrls.gateway, { applicationName: 'bench-reader', max: 4 });
const reader = new TlogReader(readerPool);
async function run(label: string): Promise<{ p50: number; p99: number; max: number }> {
  const times: number[] = [];
  for (let q = 0; q < Q; q++) {
    const treeSize = 1 + Math.floor(Math.random() * N);
    const index = Math.floor(Math.random() * treeSize);
    const s = process.hrtime.bigint();
    const proof = await reader.inclusionProof(index, treeSize);
    times.push(Number(process.hrtime.bigint() - s) / 1e6);
    if (q % 1000 === 0) verifyInclusion(index, treeSize, leafOf(index), proof.hashes, proof.rootHash);
  }
  times.sort((a, b) => a - b);
  const r = { p50: percentile(times, 50), p99: percentile(times, 99), max: times.at(-1) ?? NaN };
  human(
    `${label}: ${Q} inclusion proofs on a ${N}-entry log: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(2)} ms\n`,
  );
  return r;
}
const cold = await run('cold cache');
const warm = await run('warm cache');
const fullRoot = await reader.rootAt(N);
if (!fullRoot.equals(root)) throw new Error('root mismatch');
process.stdout.write(
  `${JSON.stringify({ bench: 'inclusion-proof', entries: N, queries: Q, buildSeconds, cold, warm, rss_mb: Math.round(process.memoryUsage().rss / 1048576) })}\n`,
);
await readerPool.end();
await admin.end();
await db.drop();
stack.stop();
process.exit(0);
