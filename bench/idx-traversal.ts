/**
 * Times the transitive queries (issue 7 budgets: blastRadius of a key that signed 10,000 artifacts
 * at maxDepth 10 under 1 s; dependents of a package used by 10 % of artifacts under 1 s) on the
 * synthetic index of bench/idx-dataset.ts.
 *
 *   npx tsx bench/idx-traversal.ts --url <admin url of the dataset database> [--runs 5] [--first 100]
 *
 * For each question: the full idx.dependents (every row, counted in the server), and, when the
 * migration that adds them is applied, what the api runs: idx.dependents_count (affectedCount) and
 * idx.dependents_page (the first page), separately and one after the other. One warm-up run, then
 * --runs timed runs: median and p99 (the slowest, for few runs), with the load average around them.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createPool } from '../libs/db/index.js';
import { median, percentile } from './stack.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    runs: { type: 'string', default: '5' },
    first: { type: 'string', default: '100' },
    only: { type: 'string' },
    'skip-full': { type: 'boolean', default: false },
  },
});
const url = values.url ?? process.env['IDXPERF_DATABASE_URL'];
if (!url) throw new Error('--url (or IDXPERF_DATABASE_URL) is required');
const RUNS = Number(values.runs);
const FIRST = Number(values.first);
const db = createPool(url, { applicationName: 'bench-idx-traversal', max: 1 });
const SPECIAL_KEY = `sha256:${
  (await db.query<{ h: string }>("SELECT encode(sha256(convert_to('key special', 'UTF8')), 'hex') AS h"))
    .rows[0]?.h
}`;

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** Package versions by how many SBOMs list them: the most listed, the one nearest 20,000 (10 % of
 * 200,000 artifacts), the one nearest 35. */
const byUse = (
  await db.query<{ key: string; n: number }>(
    `SELECT to_ref AS key, count(DISTINCT log_index)::int AS n FROM idx.edges
      WHERE to_kind = 'package' GROUP BY to_ref`,
  )
).rows;
const nearest = (n: number) =>
  byUse.reduce((best, r) => (Math.abs(r.n - n) < Math.abs(best.n - n) ? r : best), byUse[0]!);
const popular = byUse.reduce((best, r) => (r.n > best.n ? r : best), byUse[0]!);
const tenPercent = nearest(20000);
const rare = nearest(35);
const signed = (
  await db.query<{ digests: string[] }>(
    `SELECT coalesce(array_agg(DISTINCT d), '{}') AS digests FROM (
       SELECT g.digest AS d FROM idx.signatures g WHERE g.key_id = $1 AND g.digest IS NOT NULL
       UNION ALL
       SELECT s.digest FROM idx.signatures g JOIN idx.statement_subjects s USING (log_index)
        WHERE g.key_id = $1 AND g.digest IS NULL) x`,
    [SPECIAL_KEY],
  )
).rows[0]!.digests;

interface Case {
  name: string;
  digests: string[];
  packages: string[];
  depth: number;
}
const cases: Case[] = [
  {
    name: `dependents(${tenPercent.key}, listed by ${tenPercent.n} SBOMs), maxDepth 10`,
    digests: [],
    packages: [tenPercent.key],
    depth: 10,
  },
  {
    name: `dependents(${popular.key}, listed by ${popular.n} SBOMs), maxDepth 10`,
    digests: [],
    packages: [popular.key],
    depth: 10,
  },
  {
    name: `dependents(${popular.key}, listed by ${popular.n} SBOMs), maxDepth 2`,
    digests: [],
    packages: [popular.key],
    depth: 2,
  },
  {
    name: `dependents(${rare.key}, listed by ${rare.n} SBOMs), maxDepth 10`,
    digests: [],
    packages: [rare.key],
    depth: 10,
  },
  {
    name: `blastRadius(key that signed ${signed.length} artifacts), maxDepth 10`,
    digests: signed,
    packages: [],
    depth: 10,
  },
  {
    name: `blastRadius(key that signed ${signed.length} artifacts), maxDepth 1`,
    digests: signed,
    packages: [],
    depth: 1,
  },
].filter((c) => !values.only || c.name.includes(values.only));

const hasNew =
  (await db.query<{ ok: boolean }>("SELECT to_regproc('idx.dependents_count') IS NOT NULL AS ok")).rows[0]
    ?.ok === true;

async function time(fn: () => Promise<string>): Promise<{ ms: number[]; result: string }> {
  let result = await fn(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    result = await fn();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { ms, result };
}

const fmt = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return `median ${median(s).toFixed(0)} ms, p99 ${percentile(s, 99).toFixed(0)} ms (runs: ${ms.map((x) => x.toFixed(0)).join(', ')})`;
};

process.stdout.write(`# idx traversal, ${RUNS} runs after a warm-up; load average at start: ${load()}\n`);
for (const c of cases) {
  process.stdout.write(`\n## ${c.name}\n`);
  const args = [c.digests, c.packages, c.depth];
  if (!values['skip-full']) {
    const full = await time(async () => {
      const r = await db.query<{ n: number; d: number }>(
        'SELECT count(*)::int AS n, max(depth)::int AS d FROM idx.dependents($1::text[], $2::text[], $3)',
        args,
      );
      return `${r.rows[0]!.n} rows, deepest ${r.rows[0]!.d}`;
    });
    process.stdout.write(`full idx.dependents: ${full.result}; ${fmt(full.ms)}; load ${load()}\n`);
  }
  if (hasNew) {
    const count = await time(async () => {
      const r = await db.query<{ n: number }>(
        'SELECT idx.dependents_count($1::text[], $2::text[], $3)::int AS n',
        args,
      );
      return `affected ${r.rows[0]!.n}`;
    });
    process.stdout.write(`idx.dependents_count: ${count.result}; ${fmt(count.ms)}; load ${load()}\n`);
    const page = await time(async () => {
      const r = await db.query<{ artifact: string; depth: number }>(
        'SELECT artifact, depth FROM idx.dependents_page($1::text[], $2::text[], $3, $4)',
        [...args, FIRST],
      );
      return `${r.rows.length} rows, depths ${r.rows[0]?.depth}-${r.rows.at(-1)?.depth}`;
    });
    process.stdout.write(
      `idx.dependents_page(first ${FIRST}): ${page.result}; ${fmt(page.ms)}; load ${load()}\n`,
    );
    const both = await time(async () => {
      await db.query('SELECT idx.dependents_count($1::text[], $2::text[], $3)', args);
      await db.query('SELECT * FROM idx.dependents_page($1::text[], $2::text[], $3, $4)', [...args, FIRST]);
      return '';
    });
    process.stdout.write(`count + first page (what the api runs): ${fmt(both.ms)}; load ${load()}\n`);
  }
}
await db.end();
