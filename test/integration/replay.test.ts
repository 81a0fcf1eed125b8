/**
 * `attestry replay` on the real pipeline (Kafka, PostgreSQL, sequencer, indexer and api
 * processes): a rebuild equals the live projection; the api answers during the rebuild; a live
 * indexer running across the switch continues in the new index, losing and doubling nothing;
 * `--from` re-projects a range in place; the command's help, errors and summary.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createPool, type Pool } from '../../libs/db/index.js';
import { replay, type ReplayResult } from '../../services/indexer/replay.js';
import { createLogHarness, submissionRecord, treeSize, type LogHarness } from '../support/log-harness.js';
import { eventually, startServiceProcess, type RunningService } from '../support/services.js';
import { dsseInput, hashedRekordInput, makeSigner, sha256Hex } from '../support/signing.js';
import { repoRoot } from '../support/stack.js';
import { dumpIndex, indexedCount, indexers, waitIndexed, type Indexers } from '../support/indexer-harness.js';

const FIXTURES = path.join(repoRoot, 'test/fixtures');
const fixture = (p: string) => readFileSync(path.join(FIXTURES, p));
const MIGRATIONS = path.join(repoRoot, 'schema/sql');
const quiet = { warn: () => undefined, info: () => undefined };

const key = makeSigner('ecdsa-p256');
const sbomKey = makeSigner('ed25519');

function statement(subject: Record<string, string>, name: string, predicateType: string, predicate: unknown) {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name, digest: subject }],
    predicateType,
    predicate,
  };
}

/** A mix: hashedrekords, fixture SBOMs and provenance, alias statements that merge artifacts, one unparsable. */
function inputs(tag: string, n: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(hashedRekordInput(key, Buffer.from(`${tag} artifact ${i}`)));
  for (let i = 0; i < Math.ceil(n / 20); i++) {
    const data = `${tag} alias ${i}`;
    const a = sha256Hex(data);
    out.push(dsseInput([key], statement({ sha256: a }, `a${i}`, 'https://example.com/t/v1', {})));
    out.push(
      dsseInput(
        [key],
        statement(
          { sha256: a, sha512: sha256Hex(`${data}!`).repeat(2) },
          `ab${i}`,
          'https://example.com/t/v1',
          {},
        ),
      ),
    );
  }
  const bom = fixture('sbom-cyclonedx/bom-examples/cern-lhc-vdm-editor.cdx.json');
  out.push(
    dsseInput(
      [sbomKey],
      statement(
        { sha256: sha256Hex(`${tag} ${bom.length}`) },
        'app',
        'https://cyclonedx.org/bom',
        JSON.parse(bom.toString()),
      ),
    ),
  );
  out.push(
    dsseInput(
      [key],
      JSON.parse(fixture('provenance/npm-sigstore-2.3.1.provenance.statement.json').toString()) as unknown,
    ),
  );
  out.push(dsseInput([key], { not: 'a statement', tag }, 'text/plain'));
  return out;
}

async function submit(h: LogHarness, list: unknown[]): Promise<void> {
  const records = list.map((input, i) => submissionRecord(input, i, `r-${i}-${Math.random()}`));
  for (let i = 0; i < records.length; i += 200)
    await h.bus.publish(h.topics.submissions, records.slice(i, i + 200));
}

async function waitLogged(h: LogHarness, n: number): Promise<void> {
  await eventually(async () => ((await treeSize(h.admin)) === n ? true : undefined), 180_000, `${n} logged`);
}

async function schemaExists(admin: Pool, name: string): Promise<boolean> {
  return (await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name])).rowCount === 1;
}

describe('attestry replay', () => {
  let h: LogHarness;
  let idx: Indexers;
  let api: RunningService;
  let apiRole: Pool;
  /** The replays' own pool: the replay lock and DEFAULT_CONCURRENCY writers, the test's queries aside. */
  let replayPool: Pool;
  let total = 0;
  let live: Record<string, string[]> = {};

  async function gql<T>(query: string): Promise<T> {
    const res = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const body = (await res.json()) as { data?: T; errors?: unknown[] };
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    return body.data as T;
  }
  const whoSignedCount = async (artifact: string) =>
    (
      await gql<{ whoSigned: unknown[] }>(
        `{ whoSigned(digest: "sha256:${sha256Hex(artifact)}") { logIndex } }`,
      )
    ).whoSigned.length;

  before(async () => {
    h = await createLogHarness({ partitions: 3 });
    idx = indexers(h);
    const seq = h.startSequencer();
    await seq.waitReady();
    const indexer = idx.start();
    await indexer.waitReady();
    api = startServiceProcess('api', {
      DATABASE_URL: h.db.serviceUrls.api,
      ATTESTRY_HOME: path.dirname(h.keysDir),
      LOG_KEYS_DIR: h.keysDir,
    });
    await api.waitReady();
    apiRole = createPool(h.db.serviceUrls.api, { applicationName: 'test-api-role', max: 2 });
    replayPool = createPool(h.db.adminUrl, { applicationName: 'test-replay', max: 6 });
    const first = inputs('one', 300);
    total = first.length;
    await submit(h, first);
    await waitLogged(h, total);
    await waitIndexed(h.admin, total);
    live = await dumpIndex(h.admin);
  });
  after(async () => {
    await apiRole?.end();
    await replayPool?.end();
    await api?.stop();
    await idx?.stopAll();
    await h?.close();
  });

  it('rebuilds into idx_next while the api answers from idx, switches, and equals the live projection (twice)', async () => {
    let midBuild: Promise<{ count: number; answers: number; readable: number }> | undefined;
    const r = await replay({
      pool: replayPool,
      migrationsDir: MIGRATIONS,
      batchEntries: 20,
      logger: quiet,
      onProgress: (p) => {
        if (p.phase === 'build' && p.entries >= 100 && !midBuild)
          midBuild = (async () => ({
            count: (await apiRole.query<{ n: number }>('SELECT count(*)::int AS n FROM idx.entries')).rows[0]
              ?.n as number,
            answers: await whoSignedCount('one artifact 7'),
            readable: (await h.admin.query<{ n: number }>('SELECT count(*)::int AS n FROM idx_next.entries'))
              .rows[0]?.n as number,
          }))();
      },
    });
    const seen = await midBuild;
    assert.ok(seen, 'queried during the build');
    assert.equal(seen.count, total, 'the api role read the whole old index during the build');
    assert.equal(seen.answers, 1, 'the api answered from the old index during the build');
    assert.ok(seen.readable >= 100 && seen.readable < total, `idx_next was half built (${seen.readable})`);
    assert.equal(r.mode, 'rebuild');
    assert.equal(r.to, total);
    assert.equal(r.entries, total);
    assert.ok(await schemaExists(h.admin, 'idx_old'));
    assert.ok(!(await schemaExists(h.admin, 'idx_next')));
    assert.deepEqual(await dumpIndex(h.admin), live, 'the rebuilt index equals the live one');
    // Grants came along: the api reads the new tables and calls its functions.
    assert.equal(await whoSignedCount('one artifact 7'), 1);
    await apiRole.query("SELECT count(*) FROM idx.dependents_count(ARRAY['sha256:00'], ARRAY[]::text[], 3)");
    // Function bodies resolve to the live schema: the traversal functions of idx read idx.
    const fn = await h.admin.query<{ s: string }>(
      "SELECT p.prosrc AS s FROM pg_proc p WHERE p.pronamespace = 'idx'::regnamespace AND p.proname = 'dependents'",
    );
    assert.match(fn.rows[0]?.s ?? '', /idx\.node_ids/);
    assert.doesNotMatch(fn.rows[0]?.s ?? '', /idx_next/);
    // Twice: identical again, and the previous idx_old is replaced.
    await replay({ pool: replayPool, migrationsDir: MIGRATIONS, batchEntries: 50, logger: quiet });
    assert.deepEqual(await dumpIndex(h.admin), live, 'a second rebuild is identical');
  });

  it('concurrent writers (4, small batches: alias pairs and shared packages across batches and segments) build the same index as one', async () => {
    for (const concurrency of [4, 1]) {
      const r = await replay({
        pool: replayPool,
        migrationsDir: MIGRATIONS,
        batchEntries: 7,
        concurrency,
        logger: quiet,
      });
      assert.equal(r.entries, total);
      assert.deepEqual(await dumpIndex(h.admin), live, `concurrency ${concurrency}: equal to the live index`);
    }
    // The merges did happen in the rebuild: the statements' sha512 aliases joined their sha256 artifacts.
    const merged = await h.admin.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM idx.artifacts WHERE digest LIKE 'sha512:%' AND artifact LIKE 'sha256:%'",
    );
    assert.ok((merged.rows[0]?.n ?? 0) > 0, 'artifacts were merged across digests');
  });

  it('a live indexer running across the switch continues in the new index: nothing lost, nothing doubled', async () => {
    const more = inputs('two', 150);
    const during = inputs('three', 60);
    const afterSwitch = inputs('four', 40);
    // Entries arrive while the replay builds and while it switches (held indexers, growing log).
    const feeding = submit(h, more);
    let switchSeen: { offsets: number; heldIndexers: number } | undefined;
    const r: ReplayResult = await replay({
      pool: replayPool,
      migrationsDir: MIGRATIONS,
      batchEntries: 25,
      logger: quiet,
      // Inside the switch, after the final catch-up and the offsets: these entries are logged
      // beyond the switch's log size, reach the indexer, and its batch waits on the held offsets.
      duringSwitch: async () => {
        await submit(h, during);
        let held = 0;
        for (let i = 0; i < 40 && held === 0; i++) {
          await new Promise((res) => setTimeout(res, 250));
          held =
            (
              await h.admin.query<{ n: number }>(
                "SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'idx.consumer_offsets'::regclass",
              )
            ).rows[0]?.n ?? 0;
        }
        switchSeen = {
          heldIndexers: held,
          offsets: (await h.admin.query<{ n: number }>('SELECT count(*)::int AS n FROM idx.consumer_offsets'))
            .rows[0]?.n as number,
        };
      },
    });
    await feeding;
    assert.ok(switchSeen && switchSeen.offsets > 0, 'the live indexer had offsets to carry');
    assert.ok(switchSeen.heldIndexers > 0, 'an indexer batch waited on the switch');
    assert.equal(r.switch?.offsets, switchSeen?.offsets);
    const next = total + more.length + during.length;
    await submit(h, afterSwitch);
    total = next + afterSwitch.length;
    await waitLogged(h, total);
    await waitIndexed(h.admin, total, 120_000);
    assert.equal(await indexedCount(h.admin), await treeSize(h.admin));
    assert.equal(
      await whoSignedCount('four artifact 3'),
      1,
      'the api answers entries indexed after the switch',
    );
    // The old schema stopped at the switch: the indexer wrote nothing there afterwards.
    const old = (await h.admin.query<{ n: number }>('SELECT count(*)::int AS n FROM idx_old.entries')).rows[0]
      ?.n;
    assert.ok((old ?? 0) <= r.to, `idx_old holds ${old}, the switch was at ${r.to}`);
    assert.ok(r.to < next, 'entries were logged beyond the switch while the indexer was held');
    const afterLive = await dumpIndex(h.admin);
    // A clean rebuild of the same log, with the indexer stopped, is the same index.
    await idx.stopAll();
    await replay({
      pool: replayPool,
      migrationsDir: MIGRATIONS,
      batchEntries: 100,
      dropOld: true,
      logger: quiet,
    });
    assert.ok(!(await schemaExists(h.admin, 'idx_old')));
    assert.deepEqual(
      afterLive,
      await dumpIndex(h.admin),
      'the live index across the switch equals a clean rebuild',
    );
    live = afterLive;
    // The carried offsets point at the end of every partition: the indexer restarted reads nothing new.
    const restarted = idx.start();
    await restarted.waitReady();
    await new Promise((res) => setTimeout(res, 2000));
    assert.equal(await indexedCount(h.admin), total);
  });

  it('--from re-projects entries >= INDEX in place, replacing their facts, and leaves earlier ones alone', async () => {
    const from = Math.floor(total / 2);
    // A parser bug's leftovers: facts missing above `from`, a wrong one above, a missing one below.
    await h.admin.query('DELETE FROM idx.signatures WHERE log_index >= $1 AND log_index < $2', [
      from,
      from + 10,
    ]);
    await h.admin.query('DELETE FROM idx.statement_subjects WHERE log_index >= $1', [from]);
    const above = (
      await h.admin.query<{ log_index: number }>(
        "SELECT log_index FROM idx.entries WHERE log_index >= $1 AND outcome = 'indexed' ORDER BY 1 LIMIT 1",
        [from],
      )
    ).rows[0]?.log_index as number;
    await h.admin.query(
      "INSERT INTO idx.unparsed_statements (log_index, stage, reason_code, reason) VALUES ($1, 'statement', 'BUG', 'old parser')",
      [above],
    );
    const below = (
      await h.admin.query<{ log_index: number }>(
        'SELECT log_index FROM idx.signatures WHERE log_index < $1 ORDER BY 1 LIMIT 1',
        [from],
      )
    ).rows[0]?.log_index as number;
    await h.admin.query('DELETE FROM idx.signatures WHERE log_index = $1', [below]);

    const r = await replay({
      pool: replayPool,
      migrationsDir: MIGRATIONS,
      from,
      batchEntries: 30,
      logger: quiet,
    });
    assert.equal(r.mode, 'from');
    assert.equal(r.entries, total - from);
    const now = await dumpIndex(h.admin);
    const expected = {
      ...live,
      signatures: live['signatures']?.filter(
        (row) => (JSON.parse(row) as { log_index: number }).log_index !== below,
      ),
    };
    assert.deepEqual(now, expected, 'entries >= from equal a rebuild; the one below stays as it was');
    assert.ok(!(await schemaExists(h.admin, 'idx_next')), '--from builds no schema');
  });

  it('the command: --help, one-line errors, a summary with the rate', () => {
    const cli = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli/main.ts'), ...args], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });
    const help = cli(['replay', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--from INDEX/);
    assert.match(help.stdout, /idx_next/);
    const bad = cli(['replay', '--from', 'x', '--database-url', h.db.adminUrl]);
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.trim(), 'attestry: --from must be an integer >= 0');
    const zero = cli(['replay', '--concurrency', '0', '--database-url', h.db.adminUrl]);
    assert.equal(zero.stderr.trim(), 'attestry: --concurrency must be an integer >= 1');
    const beyond = cli(['replay', '--from', '999999', '--database-url', h.db.adminUrl]);
    assert.equal(beyond.status, 1);
    assert.match(beyond.stderr.trim(), /^attestry: replay: --from 999999 is beyond the log's \d+ entries$/);
    const ok = cli(['replay', '--batch', '200'], { DATABASE_URL: h.db.adminUrl });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, /^replay: \d+\.\d%/m, 'plain progress lines when stderr is no terminal');
    assert.match(
      ok.stderr,
      new RegExp(
        `replay: rebuilt the index from ${total.toLocaleString('en-US')} log entries: .* entries/s, peak RSS \\d+ MB; switched in \\d+ ms`,
      ),
    );
  });
});
