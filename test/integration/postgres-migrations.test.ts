import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pg from 'pg';
import { migrate, readMigrations } from '../../libs/db/index.js';
import { freshDatabase, repoRoot, type FreshDatabase } from '../support/stack.js';

const dir = path.join(repoRoot, 'schema/sql');

describe('migrations against the real PostgreSQL server', () => {
  let db: FreshDatabase;
  before(async () => {
    db = await freshDatabase('attestry_t_mig');
  });
  after(async () => {
    await db.drop();
  });

  it('has applied every migration in order, and a second run applies nothing', async () => {
    const client = new pg.Client({ connectionString: db.adminUrl });
    await client.connect();
    try {
      const rows = (
        await client.query<{ version: number }>(
          'SELECT version FROM public.attestry_migrations ORDER BY version',
        )
      ).rows;
      assert.deepEqual(
        rows.map((r) => r.version),
        readMigrations(dir).map((m) => m.version),
      );
    } finally {
      await client.end();
    }
    assert.deepEqual(await migrate(db.adminUrl, dir), []);
  });

  it('creates one schema per owning service', async () => {
    const client = new pg.Client({ connectionString: db.adminUrl });
    await client.connect();
    try {
      const schemas = (
        await client.query<{ nspname: string }>(
          "SELECT nspname FROM pg_namespace WHERE nspname IN ('tlog','idx','mon') ORDER BY 1",
        )
      ).rows;
      assert.deepEqual(
        schemas.map((r) => r.nspname),
        ['idx', 'mon', 'tlog'],
      );
    } finally {
      await client.end();
    }
  });

  it('gives the api role read access only, and the sequencer write access to tlog only', async () => {
    const admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    await admin.query('CREATE TABLE tlog.privilege_probe (id int)');
    await admin.query('CREATE TABLE idx.privilege_probe (id int)');
    await admin.end();

    const api = new pg.Client({ connectionString: db.serviceUrls.api });
    await api.connect();
    try {
      await api.query('SELECT * FROM tlog.privilege_probe');
      await api.query('SELECT * FROM idx.privilege_probe');
      await assert.rejects(api.query('INSERT INTO tlog.privilege_probe VALUES (1)'), /permission denied/);
      await assert.rejects(api.query('INSERT INTO idx.privilege_probe VALUES (1)'), /permission denied/);
      await assert.rejects(api.query('CREATE TABLE tlog.nope (id int)'), /permission denied/);
    } finally {
      await api.end();
    }

    const seq = new pg.Client({ connectionString: db.serviceUrls.sequencer });
    await seq.connect();
    try {
      await seq.query('INSERT INTO tlog.privilege_probe VALUES (1)');
      await assert.rejects(seq.query('INSERT INTO idx.privilege_probe VALUES (1)'), /permission denied/);
    } finally {
      await seq.end();
    }
  });

  it('refuses a migration edited after it was applied', async () => {
    const { mkdtempSync, cpSync, appendFileSync, readdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const copy = mkdtempSync(path.join(tmpdir(), 'attestry-mig-'));
    cpSync(dir, copy, { recursive: true });
    const first = readdirSync(copy).sort()[0] ?? '';
    appendFileSync(path.join(copy, first), '\n-- edited\n');
    await assert.rejects(migrate(db.adminUrl, copy), /changed after it was applied/);
  });
});
