/**
 * Builds the synthetic index of bench/idx-dataset.sql (1,000,000 entries, 200,000 artifacts,
 * ~3.8 M edges) in an existing, empty database: applies the migrations up to --before-dataset
 * (default 4: the schema as the indexer issue shipped it), loads the dataset, then applies the
 * remaining migrations, so that a later migration's backfill is exercised (and timed) on a full
 * index, as a deployment would run it.
 *
 *   npx tsx bench/idx-dataset.ts --url postgres://<admin>@127.0.0.1:5432/attestry_idxperf [--before-dataset 4]
 *     [--entries 1000000] [--json]
 *
 * --entries scales the dataset down (or up): a multiple of 100; artifacts are entries / 5, package
 * versions entries / 20 (the suite's quick mode uses a small one). --json: one JSON object on
 * stdout with the times.
 *
 * The database must exist and be empty (infra/postgres/ensure.sh with ATTESTRY_DB_NAME creates one).
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createPool, migrate, readMigrations } from '../libs/db/index.js';
import { root } from './stack.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    'before-dataset': { type: 'string', default: '4' },
    entries: { type: 'string', default: '1000000' },
    json: { type: 'boolean', default: false },
  },
});
const entries = Number(values.entries);
if (!Number.isInteger(entries) || entries < 100 || entries % 100 !== 0)
  throw new Error('--entries must be a positive multiple of 100');
const url = values.url ?? process.env['IDXPERF_DATABASE_URL'];
if (!url) throw new Error('--url (or IDXPERF_DATABASE_URL) is required');
const before = Number(values['before-dataset']);
const dir = path.join(root, 'schema/sql');

const firstDir = mkdtempSync(path.join(tmpdir(), 'idx-dataset-'));
try {
  for (const m of readMigrations(dir).filter((x) => x.version <= before))
    symlinkSync(path.join(dir, m.name), path.join(firstDir, m.name));
  const t0 = Date.now();
  const applied = await migrate(url, firstDir);
  process.stderr.write(`migrations before the dataset: ${applied.join(', ') || '(none pending)'}\n`);
  const t1 = Date.now();
  const psql = spawnSync(
    'psql',
    [url, '-X', '-q', '-v', `entries=${entries}`, '-f', path.join(root, 'bench/idx-dataset.sql')],
    { stdio: ['ignore', values.json ? 'ignore' : 'inherit', 'inherit'] },
  );
  if (psql.status !== 0) throw new Error(`psql exited with ${psql.status}`);
  const t2 = Date.now();
  process.stderr.write(`dataset loaded in ${((t2 - t1) / 1000).toFixed(1)} s\n`);
  const rest = await migrate(url, dir);
  // Visibility map and statistics, as autovacuum would leave them (index-only scans need the first).
  const pool = createPool(url, { applicationName: 'bench-idx-dataset', max: 1 });
  try {
    const tables = await pool.query<{ t: string }>(
      "SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname = 'idx'",
    );
    await pool.query(`VACUUM (ANALYZE) ${tables.rows.map((r) => r.t).join(', ')}`);
  } finally {
    await pool.end();
  }
  process.stderr.write(
    `migrations after the dataset: ${rest.join(', ') || '(none)'} in ${((Date.now() - t2) / 1000).toFixed(1)} s` +
      ` (total ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`,
  );
  if (values.json)
    process.stdout.write(
      `${JSON.stringify({
        bench: 'idx-dataset',
        entries,
        loadSeconds: (t2 - t1) / 1000,
        afterSeconds: (Date.now() - t2) / 1000,
        totalSeconds: (Date.now() - t0) / 1000,
      })}\n`,
    );
} finally {
  rmSync(firstDir, { recursive: true, force: true });
}
