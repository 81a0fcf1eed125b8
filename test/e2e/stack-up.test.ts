import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { freshDatabase, kafkaBrokers, repoRoot, type FreshDatabase } from '../support/stack.js';

const PORTS = { gateway: 28080, api: 24000, sequencer: 28081, indexer: 28082, monitor: 28083 };

describe('attestry up --detach / status / down, against the real broker and PostgreSQL', () => {
  let db: FreshDatabase;
  let home: string;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(repoRoot, 'bin/attestry.js'), ...args], {
      env,
      encoding: 'utf8',
      cwd: repoRoot,
    });

  before(async () => {
    db = await freshDatabase('attestry_t_up');
    home = mkdtempSync(path.join(repoRoot, '.attestry-test', 'up-'));
    env = {
      ...process.env,
      ATTESTRY_HOME: home,
      KAFKA_BROKERS: kafkaBrokers().join(','),
      DATABASE_URL: db.adminUrl,
      GATEWAY_PORT: String(PORTS.gateway),
      API_PORT: String(PORTS.api),
      SEQUENCER_PORT: String(PORTS.sequencer),
      INDEXER_PORT: String(PORTS.indexer),
      MONITOR_PORT: String(PORTS.monitor),
      LOG_LEVEL: 'warn',
    };
  });

  after(async () => {
    cli('down');
    await db.drop();
    // The login roles `up` created for this database.
    const admin = new pg.Client({ connectionString: db.adminUrl.replace(/\/[^/]+$/, '/postgres') });
    await admin.connect();
    for (const svc of Object.keys(PORTS))
      await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(`${db.name}_${svc}`)}`);
    await admin.end();
    rmSync(home, { recursive: true, force: true });
  });

  it('starts every service as its own process, each ready with metrics, and stops them', async () => {
    const up = cli('up', '--detach');
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stdout, /http:\/\/127\.0\.0\.1:24000\/graphql/);

    for (const [name, port] of Object.entries(PORTS)) {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 200, `${name} /readyz`);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(
        metrics,
        new RegExp(`attestry_${name}_process_cpu_user_seconds_total`),
        `${name} /metrics`,
      );
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200);
    }

    const status = cli('status');
    assert.equal(status.status, 0, status.stdout);
    for (const name of Object.keys(PORTS))
      assert.match(status.stdout, new RegExp(`${name}\\s+running \\(pid \\d+\\), ready`));

    // A second `up --detach` on a running stack starts nothing new.
    const again = cli('up', '--detach');
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /already running: sequencer, indexer, monitor, gateway, api/);

    const down = cli('down');
    assert.equal(down.status, 0, down.stderr);
    for (const port of Object.values(PORTS)) {
      await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
    }
  });

  it('a service with a wrong configuration stops at start with one line per problem', () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist/services/sequencer/main.js')], {
      env: { PATH: process.env['PATH'], PORT: 'abc', KAFKA_BROKERS: '' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 78);
    const lines = r.stderr.trim().split('\n');
    assert.ok(
      lines.some((l) => l.startsWith('sequencer: configuration: PORT:')),
      r.stderr,
    );
    assert.ok(
      lines.some((l) => l.startsWith('sequencer: configuration: DATABASE_URL:')),
      r.stderr,
    );
    assert.ok(
      lines.some((l) => l.startsWith('sequencer: configuration: KAFKA_BROKERS:')),
      r.stderr,
    );
  });
});
