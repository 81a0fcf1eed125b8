/**
 * GraphQL latencies (issue 7) on a populated index: starts the real api process against the
 * database, then times each query of the issue's budget closed-loop (one at a time: p50, p99), and
 * the mixed point-query set open-loop at a fixed offered rate (achieved rate, p50, p99).
 *
 *   npx tsx bench/graphql.ts --url <admin url of an indexed database> [--runs 300] [--rate 500] [--seconds 20]
 *     [--apis 1] [--port 24100]
 *
 * The database is the benchmark dataset: the synthetic 1,000,000-entry index of bench/idx-dataset.ts,
 * or a log the generator filled through the pipeline (`attestry demo --scale 1000000 --via kafka`).
 * The api, PostgreSQL and this load generator share the machine's cores.
 *
 * --apis K (docs/SCALING.md): K api processes (ports --port ... --port + K − 1), requests spread over
 * them round-robin; the client keeps at most 64 connections in all (64 / K to each api), so only the
 * number of processes changes. The mixed phase reports the CPU seconds of each process kind
 * (bench/cpu.ts: the apis, PostgreSQL, this load generator).
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createPool } from '../libs/db/index.js';
import { median, percentile, root } from './stack.js';
import { cpuLine, cpuMeter } from './cpu.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    runs: { type: 'string', default: '300' },
    'transitive-runs': { type: 'string', default: '5' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '20' },
    port: { type: 'string', default: '24100' },
    apis: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});
const url = values.url ?? process.env['BENCH_DATABASE_URL'];
if (!url) throw new Error('--url (admin URL of an indexed database) is required');
const RUNS = Number(values.runs);
const T_RUNS = Number(values['transitive-runs']);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const load = () => loadavg()[0]?.toFixed(2) ?? '?';
const APIS = Number(values.apis);

// ---- parameters from the dataset -------------------------------------------------------------------

const db = createPool(url, { applicationName: 'bench-graphql', max: 2 });
// TABLESAMPLE keeps sampling cheap on the 1,000,000-entry index; on a small one (the suite's quick
// mode) a 1 % page sample can come back empty, so the same query runs again without it.
const sample = async <T>(sql: string, params: unknown[] = []) => {
  const rows = (await db.query(sql, params)).rows as T[];
  if (rows.length > 0 || !/TABLESAMPLE/.test(sql)) return rows;
  return (await db.query(sql.replace(/TABLESAMPLE SYSTEM \(\d+\)/g, ''), params)).rows as T[];
};
const digests = (
  await sample<{ digest: string }>(
    'SELECT digest FROM idx.artifacts TABLESAMPLE SYSTEM (1) ORDER BY random() LIMIT 1000',
  )
).map((r) => r.digest);
const keys = (
  await sample<{ key_id: string }>(
    'SELECT DISTINCT key_id FROM idx.signatures TABLESAMPLE SYSTEM (1) LIMIT 500',
  )
).map((r) => r.key_id);
const [bigKey] = await sample<{ key_id: string; n: number }>(
  `SELECT key_id, count(*)::int AS n FROM idx.signatures GROUP BY key_id ORDER BY abs(count(*) - 10000) LIMIT 1`,
);
const withProvenance = (
  await sample<{ digest: string }>(
    `SELECT ss.digest FROM idx.provenance p TABLESAMPLE SYSTEM (5)
       JOIN idx.statement_subjects ss ON ss.log_index = p.log_index LIMIT 500`,
  )
).map((r) => r.digest);
const [{ artifacts: artifactCount } = { artifacts: 0 }] = await sample<{ artifacts: number }>(
  'SELECT count(DISTINCT artifact)::int AS artifacts FROM idx.artifacts',
);
const packages = await sample<{ key: string; n: number }>(
  `SELECT to_ref AS key, count(DISTINCT log_index)::int AS n FROM idx.edges
    WHERE to_kind = 'package' GROUP BY to_ref ORDER BY abs(count(DISTINCT log_index) - $1) LIMIT 1`,
  [Math.round(artifactCount / 10)],
);
await db.end();
if (!bigKey || digests.length === 0 || keys.length === 0) throw new Error('the database holds no index');
const tenPercent = packages[0];

// ---- the api -----------------------------------------------------------------------------------------

const home = mkdtempSync(path.join(tmpdir(), 'bench-graphql-'));
const bases = Array.from({ length: APIS }, (_, i) => `http://127.0.0.1:${Number(values.port) + i}`);
const apis = bases.map((_, i) =>
  spawn(process.execPath, [path.join(root, 'dist/services/api/main.js')], {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOST: '127.0.0.1',
      PORT: String(Number(values.port) + i),
      LOG_LEVEL: 'warn',
      DATABASE_URL: url,
      ATTESTRY_HOME: home,
      DB_POOL_SIZE: '16',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  }),
);
// Never leave an api running when this script fails.
process.on('exit', () => apis.forEach((api) => void (api.exitCode === null && api.kill('SIGTERM'))));
for (const base of bases)
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {
      /* starting */
    }
    if (i > 300) throw new Error('api did not start');
    await new Promise((r) => setTimeout(r, 100));
  }

/** Keep-alive connections, at most 64 at once in all (the agent's limit is per api): a load generator
 * with a pool, as real clients have. */
const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(1, Math.floor(64 / APIS)) });
let firstError = '';
let next = 0;

function gql(query: string, variables: Record<string, unknown>): Promise<number> {
  const t0 = performance.now();
  const body = JSON.stringify({ query, variables });
  // Round-robin over the api processes.
  const base = bases[next++ % bases.length] as string;
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}/graphql`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const out = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            errors?: { message: string }[];
          };
          if (out.errors) {
            firstError ||= `${out.errors[0]?.message} in ${query.slice(0, 60)}`;
            reject(new Error(firstError));
          } else resolve(performance.now() - t0);
        });
        res.on('error', reject);
      },
    );
    req.on('error', (e) => {
      firstError ||= String(e);
      reject(e);
    });
    req.end(body);
  });
}

const pick = <T>(xs: T[], i: number) => xs[i % xs.length] as T;

const Q = {
  whoSigned: {
    q: 'query($d: String!) { whoSigned(digest: $d) { logIndex integratedTime predicateType signer { keyId identity issuer } } }',
    v: (i: number) => ({ d: pick(digests, i) }),
  },
  signatures: {
    q: `query($k: String!) { signatures(signer: { keyId: $k }, first: 100) { totalCount
          edges { node { logIndex integratedTime artifacts { digest } } } } }`,
    v: (i: number) => ({ k: i % 2 === 0 ? bigKey.key_id : pick(keys, i) }),
  },
  artifact: {
    q: `query($d: String!) { artifact(digest: $d) { digest digests purls
          provenance { builderId buildType sourceRepository materials { uri digests } }
          dependencies(first: 100) { totalCount edges { node { relationship purl artifact { digest } } } } } }`,
    v: (i: number) => ({ d: pick(withProvenance, i) }),
  },
  blastRadius: {
    q: `query($k: String!) { blastRadius(signer: { keyId: $k }, maxDepth: 10) { signedCount affectedCount
          affected(first: 100) { edges { node { depth artifact { digest } path { digest } } } } } }`,
    v: () => ({ k: bigKey.key_id }),
  },
  dependents: {
    q: `query($p: String!) { dependents(purl: $p, maxDepth: 10, first: 100) { totalCount
          edges { node { depth artifact { digest } } } } }`,
    v: () => ({ p: tenPercent?.key }),
  },
};

interface Row {
  query: string;
  runs: number;
  p50: number;
  p99: number;
  load: string;
}
const results: Row[] = [];

async function closedLoop(name: keyof typeof Q, runs: number): Promise<void> {
  const q = Q[name];
  await gql(q.q, q.v(0)); // warm-up
  const times: number[] = [];
  for (let i = 1; i <= runs; i++) times.push(await gql(q.q, q.v(i)));
  times.sort((a, b) => a - b);
  results.push({ query: name, runs, p50: median(times), p99: percentile(times, 99), load: load() });
  process.stderr.write(
    `${name}: p50 ${median(times).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms\n`,
  );
}

process.stderr.write(
  `dataset: ${artifactCount} artifacts; key ${bigKey.key_id.slice(0, 20)}… signed ${bigKey.n}; ` +
    `package ${tenPercent?.key} listed by ${tenPercent?.n} statements\n`,
);
for (const name of ['whoSigned', 'signatures', 'artifact'] as const) await closedLoop(name, RUNS);
for (const name of ['blastRadius', 'dependents'] as const) await closedLoop(name, T_RUNS);

// ---- mixed point queries, open loop --------------------------------------------------------------------

const mix: (keyof typeof Q)[] = ['whoSigned', 'whoSigned', 'signatures', 'artifact', 'artifact'];
const latencies: number[] = [];
let failed = 0;
const started = performance.now();
const total = RATE * SECONDS;
const inflight: Promise<void>[] = [];
const cpu = cpuMeter({
  processes: () => Object.fromEntries(apis.map((a, i) => [i === 0 ? 'api' : `api#${i + 1}`, a.pid])),
  database: decodeURIComponent(new URL(url).pathname.slice(1)),
});
for (let i = 0; i < total; i++) {
  const due = started + (i * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const q = Q[pick(mix, i)];
  // Latency counts from when the request was due, so a backlog shows (no coordinated omission).
  inflight.push(
    gql(q.q, q.v(i)).then(
      () => void latencies.push(performance.now() - due),
      () => void failed++,
    ),
  );
}
await Promise.all(inflight);
const elapsed = (performance.now() - started) / 1000;
const cpuReport = cpu.stop();
latencies.sort((a, b) => a - b);
const mixed = {
  offered: RATE,
  achieved: Math.round(latencies.length / elapsed),
  p50: median(latencies),
  p99: percentile(latencies, 99),
  failed,
  load: load(),
  apis: APIS,
  cpu: cpuReport,
};
process.stderr.write(
  `mixed at ${RATE}/s offered: ${mixed.achieved}/s achieved, p50 ${mixed.p50.toFixed(1)} ms, p99 ${mixed.p99.toFixed(1)} ms, ${failed} failed${firstError ? ` (first: ${firstError})` : ''}\n`,
);

process.stderr.write(cpuLine(cpuReport));

for (const api of apis) api.kill('SIGTERM');
agent.destroy();
const out = {
  dataset: { artifacts: artifactCount, bigKeySignatures: bigKey.n, tenPercentPackage: tenPercent },
  results,
  mixed,
};
if (values.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
else {
  process.stdout.write('| query | runs | p50 ms | p99 ms | load |\n|---|---|---|---|---|\n');
  for (const r of results)
    process.stdout.write(
      `| ${r.query} | ${r.runs} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.load} |\n`,
    );
  process.stdout.write(
    `\nmixed (whoSigned 40 %, signatures 20 %, artifact 40 %) at ${RATE}/s offered for ${SECONDS} s: ` +
      `${mixed.achieved}/s achieved, p50 ${mixed.p50.toFixed(1)} ms, p99 ${mixed.p99.toFixed(1)} ms, ${failed} failed\n`,
  );
}
