/**
 * The demo generator through the whole pipeline, on the real broker and PostgreSQL: `attestry
 * demo --via kafka` publishes 300 demo submissions -> the real sequencer (trusting the demo CA
 * through TRUSTED_ROOT_FILES) -> attestry.entries -> the real indexer -> idx. Every item must be
 * logged and indexed, as the statements and the compromised key the generator reports.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runDemo, type DemoOutcome } from '../../cli/commands/demo-command.js';
import { demoTrustedRootJson } from '../../libs/generator/index.js';
import { createLogHarness, treeSize, type LogHarness } from '../support/log-harness.js';
import { eventually } from '../support/services.js';
import { indexers, waitIndexed, type Indexers } from '../support/indexer-harness.js';
import { kafkaBrokers, repoRoot } from '../support/stack.js';

const SCALE = 300;

describe('the demo supply chain through the pipeline', () => {
  let h: LogHarness;
  let idx: Indexers;
  let run: DemoOutcome;
  let rootFile: string;

  before(async () => {
    h = await createLogHarness();
    const dir = mkdtempSync(path.join(repoRoot, '.attestry-test', 'demo-'));
    rootFile = path.join(dir, 'demo-ca.trusted_root.json');
    writeFileSync(rootFile, demoTrustedRootJson());
    const seq = h.startSequencer({ TRUSTED_ROOT_FILES: rootFile });
    idx = indexers(h);
    const ix = idx.start();
    await Promise.all([seq.waitReady(), ix.waitReady()]);
    run = await runDemo({
      scale: SCALE,
      seed: 'integration',
      via: 'kafka',
      gatewayUrl: '',
      concurrency: 4,
      workers: 2,
      kafkaBrokers: kafkaBrokers(),
      topicPrefix: h.prefix,
      say: () => undefined,
    });
    await eventually(
      async () => ((await treeSize(h.admin)) === SCALE ? true : undefined),
      180_000,
      `${SCALE} entries logged`,
    );
    await waitIndexed(h.admin, SCALE);
  });

  after(async () => {
    await idx?.stopAll();
    await h?.close();
  });

  it('logs every generated submission: none rejected, none a duplicate', async () => {
    assert.equal(run.accepted, SCALE);
    assert.equal(run.summary.items, SCALE);
    assert.equal(await treeSize(h.admin), SCALE);
  });

  it('indexes the statements by predicate kind as the generator made them, and parses every one', async () => {
    const kinds = await h.admin.query<{ predicate_kind: string; n: number }>(
      'SELECT predicate_kind, count(*)::int AS n FROM idx.statements GROUP BY predicate_kind',
    );
    const got = Object.fromEntries(kinds.rows.map((r) => [r.predicate_kind, r.n]));
    const b = run.summary.byKind;
    const want = Object.fromEntries(
      Object.entries({
        'slsa-provenance': b['slsa-provenance'],
        'slsa-vsa': b['slsa-vsa'],
        cyclonedx: b.cyclonedx,
        spdx: b.spdx,
      }).filter(([, n]) => n > 0),
    );
    assert.deepEqual(got, want);
    const entries = await h.admin.query<{ kind: string; n: number }>(
      'SELECT kind, count(*)::int AS n FROM idx.entries GROUP BY kind ORDER BY kind',
    );
    assert.deepEqual(Object.fromEntries(entries.rows.map((r) => [r.kind, r.n])), {
      dsse: SCALE - b.hashedrekord,
      hashedrekord: b.hashedrekord,
    });
    const unparsed = await h.admin.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM idx.unparsed_statements',
    );
    assert.equal(unparsed.rows[0]?.n, 0);
    const comps = await h.admin.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM idx.sbom_components WHERE NOT is_root',
    );
    assert.ok((comps.rows[0]?.n ?? 0) > 0);
  });

  it('indexes the certificate identities with their Fulcio CI claims', async () => {
    const ci = await h.admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM idx.signers
        WHERE issuer = 'https://token.actions.githubusercontent.com' AND ci_repository LIKE 'https://github.com/%'
          AND identity LIKE 'https://github.com/%/.github/workflows/release.yml@refs/heads/main'`,
    );
    assert.ok((ci.rows[0]?.n ?? 0) > 0, 'GitHub Actions workflow identities');
    const email = await h.admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM idx.signers WHERE san_type = 'email'
        AND issuer IN ('https://accounts.google.com', 'https://github.com/login/oauth')`,
    );
    assert.ok((email.rows[0]?.n ?? 0) > 0, 'e-mail identities');
  });

  it("finds the compromised key's signatures within its window, and the victims downstream", async () => {
    const c = run.summary.compromised;
    assert.ok(c.signatures > 0);
    const sigs = await h.admin.query<{ digest: string; t: Date }>(
      'SELECT digest, integrated_time AS t FROM idx.signatures WHERE key_id = $1 ORDER BY integrated_time',
      [c.keyId],
    );
    assert.deepEqual(sigs.rows.map((r) => r.digest).sort(), [...c.signed].sort());
    const since = sigs.rows[0]!.t;
    const until = new Date(sigs.rows[sigs.rows.length - 1]!.t.getTime() + 1000);
    const inWindow = await h.admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM idx.signatures
        WHERE key_id = $1 AND integrated_time >= $2 AND integrated_time < $3`,
      [c.keyId, since, until],
    );
    assert.equal(inWindow.rows[0]?.n, c.signatures);
    assert.ok(c.victims > 0 && c.exampleVictim !== undefined);
    const blast = await h.admin.query<{ artifact: string }>(
      'SELECT artifact FROM idx.dependents($1::text[], $2::text[], $3) WHERE depth > 0',
      [c.signed, [], 3],
    );
    assert.ok(
      blast.rows.some((r) => r.artifact === c.exampleVictim),
      `the blast radius of ${c.keyId} reaches ${c.exampleVictim}`,
    );
  });
  it('submits through the gateway too, and a second run of the same seed is all duplicates', async () => {
    const gw = h.startGateway({ TRUSTED_ROOT_FILES: rootFile });
    await gw.waitReady();
    const options = {
      scale: 40,
      seed: 'gateway',
      via: 'gateway' as const,
      gatewayUrl: gw.url,
      concurrency: 8,
      workers: 0,
      kafkaBrokers: [],
      topicPrefix: h.prefix,
      say: () => undefined,
    };
    const first = await runDemo(options);
    assert.deepEqual([first.accepted, first.duplicate, first.rejected], [40, 0, 0]);
    await eventually(
      async () => ((await treeSize(h.admin)) === SCALE + 40 ? true : undefined),
      120_000,
      `${SCALE + 40} entries logged`,
    );
    const second = await runDemo(options);
    assert.deepEqual([second.accepted, second.duplicate, second.rejected], [0, 40, 0]);
  });
});
