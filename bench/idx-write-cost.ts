/**
 * What the integer adjacency (0005) costs the indexer: runs the indexer's own writeRows on a
 * synthetic batch (new SBOM statements over the bench/idx-dataset.ts index) inside a transaction
 * that is rolled back, timing every statement, and reports the share of the node_* statements.
 *
 *   npx tsx bench/idx-write-cost.ts --url <admin url of the dataset database> [--sboms 500] [--components 44] [--runs 5]
 */
import { parseArgs } from 'node:util';
import { createPool, idxStore } from '../libs/db/index.js';
import { emptyRows } from '../services/indexer/project.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    sboms: { type: 'string', default: '500' },
    components: { type: 'string', default: '44' },
    runs: { type: 'string', default: '5' },
  },
});
const url = values.url ?? process.env['IDXPERF_DATABASE_URL'];
if (!url) throw new Error('--url (or IDXPERF_DATABASE_URL) is required');
const SBOMS = Number(values.sboms);
const COMPONENTS = Number(values.components);
const db = createPool(url, { applicationName: 'bench-idx-write-cost', max: 1 });
const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

function batch(run: number): idxStore.IdxRows {
  const rows: idxStore.IdxRows = emptyRows();
  for (let s = 0; s < SBOMS; s++) {
    const logIndex = 2_000_000 + run * SBOMS + s;
    const subject = `sha256:${hex(logIndex, 64)}`;
    rows.entries.push({
      logIndex,
      leafHash: Buffer.alloc(32, 1),
      kind: 'dsse',
      integratedTime: 1_750_000_000,
      attestationHash: Buffer.alloc(32, 2),
      outcome: 'indexed',
    });
    rows.artifacts.push({ digest: subject });
    rows.subjects.push({ logIndex, digest: subject });
    rows.statements.push({
      logIndex,
      statementType: 'https://in-toto.io/Statement/v1',
      predicateType: 'https://cyclonedx.org/bom',
      predicateKind: 'cyclonedx',
      integratedTime: 1_750_000_000,
      attestationHash: Buffer.alloc(32, 2),
      subjects: [],
      unsupported: null,
    });
    rows.sboms.push({
      logIndex,
      format: 'cyclonedx',
      specVersion: '1.5',
      documentId: null,
      name: null,
      componentCount: COMPONENTS,
    });
    for (let c = 0; c < COMPONENTS; c++) {
      // 70 % by purl of an existing package version, 30 % by digest of an existing artifact.
      const byPurl = (logIndex * 31 + c * 7) % 10 < 7;
      const pv = `pkg:npm/p${1 + ((logIndex * 131 + c * 977) % 50000)}@1.0.0`;
      const target = `sha256:${hex(logIndex * 7 + c, 64)}`;
      const ref = byPurl ? pv : target;
      if (byPurl) rows.packageVersions.push({ key: pv, package: pv.split('@')[0]!, version: '1.0.0' });
      else rows.artifacts.push({ digest: target });
      rows.components.push({
        logIndex,
        ref: `c${c}`,
        name: `c${c}`,
        version: null,
        type: 'library',
        purl: byPurl ? pv : null,
        packageVersion: byPurl ? pv : null,
        digest: byPurl ? null : target,
        digests: {},
        scope: null,
        isRoot: false,
      });
      rows.edges.push({
        logIndex,
        ordinal: c,
        fromKind: 'subject',
        fromRef: null,
        toKind: byPurl ? 'package' : 'artifact',
        toRef: ref,
        relationship: 'INCLUDES',
        scope: null,
        source: 'sbom',
      });
    }
  }
  return rows;
}

const totals = new Map<string, number[]>();
const client = await db.connect();
const query = client.query.bind(client) as (sql: string, params?: unknown[]) => Promise<unknown>;
(client as unknown as { query: typeof query }).query = async (sql: string, params?: unknown[]) => {
  const t = process.hrtime.bigint();
  try {
    return await query(sql, params);
  } finally {
    const name = /INSERT INTO (idx\.\w+)|UPDATE (idx\.\w+)|(SELECT EXISTS)/.exec(sql);
    const k = name?.[1] ?? name?.[2] ?? name?.[3] ?? sql.trim().slice(0, 30);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    totals.set(k, [...(totals.get(k) ?? []), ms]);
  }
};
const RUNS = Number(values.runs);
const whole: number[] = [];
for (let r = 0; r < RUNS; r++) {
  await query('BEGIN');
  const t = process.hrtime.bigint();
  await idxStore.writeRows(client, batch(r));
  whole.push(Number(process.hrtime.bigint() - t) / 1e6);
  await query('ROLLBACK');
}
client.release();
await db.end();
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const nodeMs = [...totals.entries()]
  .filter(([k]) => k.startsWith('idx.node_'))
  .reduce((a, [, v]) => a + med(v), 0);
process.stdout.write(
  `writeRows of ${SBOMS} SBOM statements x ${COMPONENTS} components (${SBOMS * COMPONENTS} edges), ${RUNS} runs: median ${med(whole).toFixed(0)} ms\n`,
);
for (const [k, v] of [...totals.entries()].sort((a, b) => med(b[1]) - med(a[1])))
  process.stdout.write(`  ${k}: median ${med(v).toFixed(1)} ms\n`);
process.stdout.write(
  `node_* statements: ${nodeMs.toFixed(0)} ms of ${med(whole).toFixed(0)} ms (${((100 * nodeMs) / med(whole)).toFixed(0)} %)\n`,
);
