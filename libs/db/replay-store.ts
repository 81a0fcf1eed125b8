/**
 * SQL for `attestry replay` (docs/design/0009-replay.md): the build schema `idx_next` created from
 * the idx migrations themselves, checks that it has exactly the live schema's shape and refers to
 * nothing in it, reading the log in index ranges, the switch (`idx` -> `idx_old`, `idx_next` ->
 * `idx` in one short transaction, offsets carried over), and the in-place re-projection of a
 * range (`--from`).
 *
 * Runs as the admin role (the migrations' owner), never as a service role.
 */
import pg from 'pg';
import { AttestryError } from '../core/index.js';
import type { Migration } from './migrate.js';
import type { Pool, PoolClient } from './pool.js';

type Db = Pool | PoolClient;

/** Session advisory lock held by a running replay: one at a time per database. */
export const REPLAY_LOCK_KEY = 7406114155;
/** The migration runner's lock (libs/db/migrate.ts): no migration runs while the schema is built or switched. */
const MIGRATION_LOCK_KEY = 7406114151;

export const BUILD_SCHEMA = 'idx_next';
export const OLD_SCHEMA = 'idx_old';

// ---- rewriting the idx migrations for the build schema --------------------------------------

/** The migrations that make the idx schema: `NNNN_idx_<what>.sql` (0003, 0004, 0005, ...). */
export function idxMigrations(all: readonly Migration[]): Migration[] {
  return all.filter((m) => /^\d{4}_idx_/.test(m.name));
}

/**
 * Splits SQL text into code and the parts that are not code (comments, string literals, quoted
 * identifiers, dollar-quoted bodies), so that a rewrite touches code only.
 */
export function sqlSegments(sql: string): Array<{ code: boolean; text: string }> {
  const out: Array<{ code: boolean; text: string }> = [];
  let i = 0;
  let codeStart = 0;
  const push = (code: boolean, text: string) => {
    if (text !== '') out.push({ code, text });
  };
  const flushCode = (end: number) => push(true, sql.slice(codeStart, end));
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    let end = -1;
    if (c === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      end = nl === -1 ? sql.length : nl;
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close === -1) throw new AttestryError('CONFIG_INVALID', 'unterminated /* comment in a migration');
      end = close + 2;
    } else if (c === "'" || c === '"') {
      const escapes = c === "'" && /[eE]/.test(sql[i - 1] ?? '') && !/\w/.test(sql[i - 2] ?? '');
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) throw new AttestryError('CONFIG_INVALID', `unterminated ${c} in a migration`);
        if (escapes && sql[j] === '\\') j += 2;
        else if (sql[j] === c && sql[j + 1] === c) j += 2;
        else if (sql[j] === c) break;
        else j++;
      }
      end = j + 1;
    } else if (c === '$' && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        if (close === -1) throw new AttestryError('CONFIG_INVALID', `unterminated ${tag[0]} in a migration`);
        end = close + tag[0].length;
      }
    }
    if (end === -1) {
      i++;
      continue;
    }
    flushCode(i);
    push(false, sql.slice(i, end));
    i = end;
    codeStart = end;
  }
  flushCode(sql.length);
  return out;
}

/**
 * An idx migration for the build schema: `idx.` qualifiers in code name `idx_next.` instead, so
 * that tables, indexes, sequences, views, functions and comments are created there. Everything
 * that is not code stays as written: function bodies (dollar-quoted) keep naming `idx.`, which is
 * right, because PL/pgSQL and string-bodied SQL functions resolve names when called, i.e. after the
 * switch; comments keep their text. A mention of `idx` that is not a qualifier is refused (it could
 * touch the live schema), and whatever a literal binds by OID (say DEFAULT nextval('idx.s')) is
 * caught afterwards by crossSchemaReferences.
 */
export function rewriteForBuild(m: Migration): string {
  return sqlSegments(m.sql)
    .map((s) => {
      if (!s.code) return s.text;
      const t = s.text.replace(/(?<![\w.$])idx\./g, `${BUILD_SCHEMA}.`);
      const stray = /(?<![\w.$])"?idx"?(?![\w$])/.exec(t);
      if (stray)
        throw new AttestryError(
          'CONFIG_INVALID',
          `${m.name}: "${t.slice(Math.max(0, stray.index - 20), stray.index + 20).trim()}" names the idx schema other than as a qualifier; the replay cannot rebuild it`,
        );
      return t;
    })
    .join('');
}

/**
 * The statements of the roles-and-schemas migration that set up the idx schema itself (its
 * grants, its default privileges, which PostgreSQL keeps per schema, and its comment), for the
 * build schema.
 */
export function schemaSetupForBuild(rolesMigration: Migration): string[] {
  const statements = rolesMigration.sql
    .split(/;\s*\n/)
    .map((s) =>
      s
        .split('\n')
        .filter((l) => !l.trim().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((s) => /^(GRANT|ALTER DEFAULT PRIVILEGES|COMMENT ON SCHEMA)\b[\s\S]*\bSCHEMA idx\b/.test(s));
  if (!statements.some((s) => s.startsWith('GRANT')))
    throw new AttestryError('CONFIG_INVALID', `${rolesMigration.name} grants nothing on schema idx`);
  return statements.map((s) => s.replace(/\bSCHEMA idx\b/g, `SCHEMA ${BUILD_SCHEMA}`));
}

// ---- checks -----------------------------------------------------------------------------------

const Q_APPLIED = 'SELECT version, name, checksum FROM public.attestry_migrations';

/** Every migration file must be applied, unchanged: the build schema is then the live one's twin. */
export async function checkMigrationsApplied(db: Db, files: readonly Migration[]): Promise<void> {
  const applied = new Map(
    (await db.query<{ version: number; name: string; checksum: string }>(Q_APPLIED)).rows.map((r) => [
      r.version,
      r,
    ]),
  );
  for (const m of files) {
    const a = applied.get(m.version);
    if (!a) throw new AttestryError('CONFIG_INVALID', `migration ${m.name} is not applied (run attestry up)`);
    if (a.checksum !== m.checksum)
      throw new AttestryError('CONFIG_INVALID', `migration ${m.name} differs from the one applied`);
  }
}

/**
 * The shape of a schema as sorted lines, its own name replaced by SCHEMA: relations with owner
 * and privileges, columns with type, nullability, collation and default, indexes, constraints,
 * views, sequences, functions (signature, language, volatility, settings, privileges and a hash of
 * the body), default privileges and the schema's own privileges.
 */
const Q_FINGERPRINT = `
  WITH n AS (SELECT oid, nspname, nspacl, nspowner FROM pg_namespace WHERE nspname = $1)
  SELECT regexp_replace(line, '(?<![A-Za-z0-9_.$])' || $1 || '\\.', 'SCHEMA.', 'g') AS line FROM (
    SELECT 'schema ' || coalesce(n.nspacl::text, '') || ' owner ' || n.nspowner::regrole::text AS line FROM n
    UNION ALL
    SELECT 'default privileges ' || d.defaclrole::regrole::text || ' ' || d.defaclobjtype::text || ' ' || d.defaclacl::text
      FROM pg_default_acl d JOIN n ON d.defaclnamespace = n.oid
    UNION ALL
    SELECT 'relation ' || c.relname || ' ' || c.relkind::text || ' owner ' || c.relowner::regrole::text || ' ' || coalesce(c.relacl::text, '')
      FROM pg_class c JOIN n ON c.relnamespace = n.oid
    UNION ALL
    SELECT 'column ' || c.relname || '.' || a.attname || ' #' || a.attnum || ' ' || format_type(a.atttypid, a.atttypmod)
           || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END || ' collate ' || coalesce(co.collname, '-')
           || ' default ' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), '-')
      FROM pg_class c JOIN n ON c.relnamespace = n.oid
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
      LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
     WHERE c.relkind IN ('r', 'p', 'v', 'm')
    UNION ALL
    SELECT 'index ' || pg_get_indexdef(i.indexrelid)
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN n ON c.relnamespace = n.oid
    UNION ALL
    SELECT 'constraint ' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN n ON c.relnamespace = n.oid
    UNION ALL
    SELECT 'view ' || c.relname || ' ' || pg_get_viewdef(c.oid)
      FROM pg_class c JOIN n ON c.relnamespace = n.oid WHERE c.relkind IN ('v', 'm')
    UNION ALL
    SELECT 'sequence ' || c.relname || ' ' || s.seqtypid::regtype::text || ' ' || s.seqstart || ' ' || s.seqincrement
      FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN n ON c.relnamespace = n.oid
    UNION ALL
    SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') '
           || pg_get_function_result(p.oid) || ' ' || l.lanname || ' ' || p.provolatile::text || ' ' || p.proparallel::text
           || ' settings ' || coalesce(array_to_string(p.proconfig, ','), '-') || ' owner ' || p.proowner::regrole::text
           || ' ' || coalesce(p.proacl::text, '') || ' body ' || md5(p.prosrc)
      FROM pg_proc p JOIN n ON p.pronamespace = n.oid JOIN pg_language l ON l.oid = p.prolang
  ) x ORDER BY 1`;

export async function schemaFingerprint(db: Db, schema: string): Promise<string[]> {
  return (await db.query<{ line: string }>(Q_FINGERPRINT, [schema])).rows.map((r) => r.line);
}

/** Lines of `a` not in `b` and of `b` not in `a`, at most `max` of each. */
export function fingerprintDiff(a: readonly string[], b: readonly string[], max = 5): string[] {
  const sa = new Set(a);
  const sb = new Set(b);
  const one = (l: string) => l.replace(/\s+/g, ' ');
  return [
    ...a
      .filter((l) => !sb.has(l))
      .slice(0, max)
      .map((l) => `- ${one(l)}`),
    ...b
      .filter((l) => !sa.has(l))
      .slice(0, max)
      .map((l) => `+ ${one(l)}`),
  ];
}

/**
 * Objects of the build schema that depend on the live schema (pg_depend: views, column defaults,
 * constraints, types bound by OID). Such a reference would follow the live objects to idx_old at
 * the switch: there must be none.
 */
const Q_CROSS_REFERENCES = `
  SELECT DISTINCT pg_describe_object(d.classid, d.objid, d.objsubid) AS object,
                  pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid) AS refers_to
    FROM pg_depend d
   WHERE d.deptype IN ('n', 'a', 'i')
     AND (pg_identify_object(d.classid, d.objid, d.objsubid)).schema = $1
     AND ((pg_identify_object(d.refclassid, d.refobjid, d.refobjsubid)).schema = $2
          OR (d.refclassid = 'pg_namespace'::regclass AND d.refobjid = to_regnamespace($2)))`;

export async function crossSchemaReferences(db: Db, from: string, to: string): Promise<string[]> {
  return (await db.query<{ object: string; refers_to: string }>(Q_CROSS_REFERENCES, [from, to])).rows.map(
    (r) => `${r.object} -> ${r.refers_to}`,
  );
}

/** Functions of the build schema whose body or settings name the build schema (they would dangle after the switch). */
const Q_BODIES_NAMING_BUILD = `
  SELECT p.proname FROM pg_proc p
   WHERE p.pronamespace = to_regnamespace($1)
     AND (p.prosrc ~ ('\\m' || $1 || '\\M') OR coalesce(array_to_string(p.proconfig, ' '), '') ~ ('\\m' || $1 || '\\M'))`;

export async function bodiesNamingSchema(db: Db, schema: string): Promise<string[]> {
  return (await db.query<{ proname: string }>(Q_BODIES_NAMING_BUILD, [schema])).rows.map((r) => r.proname);
}

/**
 * Throws unless the build schema has the live schema's shape, refers to nothing in it, and no
 * function in it names the build schema.
 */
export async function checkBuildSchema(db: Db): Promise<void> {
  const diff = fingerprintDiff(await schemaFingerprint(db, 'idx'), await schemaFingerprint(db, BUILD_SCHEMA));
  if (diff.length > 0)
    throw new AttestryError(
      'CONFIG_INVALID',
      `the build schema ${BUILD_SCHEMA} differs from idx (changed by hand, or a migration not applied?): ${diff.join('; ')}`,
    );
  const cross = await crossSchemaReferences(db, BUILD_SCHEMA, 'idx');
  if (cross.length > 0)
    throw new AttestryError(
      'CONFIG_INVALID',
      `objects of ${BUILD_SCHEMA} refer to the live idx schema: ${cross.slice(0, 5).join('; ')}`,
    );
  const bodies = await bodiesNamingSchema(db, BUILD_SCHEMA);
  if (bodies.length > 0)
    throw new AttestryError(
      'CONFIG_INVALID',
      `functions of ${BUILD_SCHEMA} name it in their bodies: ${bodies.join(', ')}`,
    );
}

// ---- the build schema -------------------------------------------------------------------------

const Q_SCHEMA_EXISTS = 'SELECT to_regnamespace($1) IS NOT NULL AS exists';

export async function schemaExists(db: Db, schema: string): Promise<boolean> {
  return (await db.query<{ exists: boolean }>(Q_SCHEMA_EXISTS, [schema])).rows[0]?.exists === true;
}

/**
 * Creates the build schema (dropping one an interrupted replay left) from the roles migration's
 * idx statements and the idx migrations, in one transaction under the migration lock, and checks
 * it (checkBuildSchema) and that the live schema did not change.
 */
export async function createBuildSchema(
  pool: Pool,
  rolesMigration: Migration,
  migrations: readonly Migration[],
): Promise<void> {
  const setup = schemaSetupForBuild(rolesMigration);
  const ddl = idxMigrations(migrations).map((m) => ({ name: m.name, sql: rewriteForBuild(m) }));
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    const before = await schemaFingerprint(client, 'idx');
    await client.query(`DROP SCHEMA IF EXISTS ${BUILD_SCHEMA} CASCADE`);
    await client.query(`CREATE SCHEMA ${BUILD_SCHEMA}`);
    for (const s of setup) await client.query(s);
    for (const m of ddl) {
      try {
        await client.query(m.sql);
      } catch (e) {
        throw new AttestryError(
          'DB_UNAVAILABLE',
          `${m.name} for ${BUILD_SCHEMA}: ${e instanceof Error ? e.message : String(e)}`,
          { cause: e },
        );
      }
    }
    const after = await schemaFingerprint(client, 'idx');
    if (fingerprintDiff(before, after).length > 0)
      throw new AttestryError('CONFIG_INVALID', 'building idx_next changed the live idx schema; rolled back');
    await checkBuildSchema(client);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

export async function dropSchema(db: Db, schema: typeof BUILD_SCHEMA | typeof OLD_SCHEMA): Promise<void> {
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

/** Fresh planner statistics for every table of the schema (before it answers queries). */
export async function analyzeSchema(db: Db, schema: string): Promise<void> {
  const tables = (
    await db.query<{ t: string }>(
      "SELECT c.relname AS t FROM pg_class c WHERE c.relnamespace = to_regnamespace($1) AND c.relkind = 'r' ORDER BY 1",
      [schema],
    )
  ).rows.map((r) => `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(r.t)}`);
  if (tables.length > 0) await db.query(`ANALYZE ${tables.join(', ')}`);
}

// ---- reading the log --------------------------------------------------------------------------

export interface LoggedEntry {
  logIndex: number;
  leafHash: Buffer;
  kind: 'hashedrekord' | 'dsse';
  body: Buffer;
  integratedTime: number;
  attestationHash: Buffer | null;
  /** The stored attestation when it is at most `inlineMax` bytes; else read it with tlogStore.readAttestation. */
  attestation: Buffer | null;
  /** Whether tlog.attestations holds the entry's attestation. */
  attestationStored: boolean;
}

const Q_LOG_RANGE = `
  SELECT e.log_index, e.leaf_hash, e.kind, e.body, e.integrated_time, e.attestation_hash,
         CASE WHEN octet_length(a.content) <= $3 THEN a.content END AS attestation,
         a.hash IS NOT NULL AS stored
    FROM tlog.entries e LEFT JOIN tlog.attestations a ON a.hash = e.attestation_hash
   WHERE e.log_index >= $1 AND e.log_index < $2
   ORDER BY e.log_index`;

/** Entries [from, to) in log order, with their attestations up to `inlineMax` bytes each. */
export async function readLogRange(
  db: Db,
  from: number,
  to: number,
  inlineMax: number,
): Promise<LoggedEntry[]> {
  const rows = (
    await db.query<{
      log_index: number;
      leaf_hash: Buffer;
      kind: 'hashedrekord' | 'dsse';
      body: Buffer;
      integrated_time: number;
      attestation_hash: Buffer | null;
      attestation: Buffer | null;
      stored: boolean;
    }>(Q_LOG_RANGE, [from, to, inlineMax])
  ).rows;
  return rows.map((r) => ({
    logIndex: r.log_index,
    leafHash: r.leaf_hash,
    kind: r.kind,
    body: r.body,
    integratedTime: r.integrated_time,
    attestationHash: r.attestation_hash,
    attestation: r.attestation,
    attestationStored: r.stored,
  }));
}

export async function logSize(db: Db): Promise<number> {
  return (
    (await db.query<{ tree_size: number }>('SELECT tree_size FROM tlog.tree_head WHERE id = 1')).rows[0]
      ?.tree_size ?? 0
  );
}

// ---- in place (--from) ----------------------------------------------------------------------

/** The fact tables of idx: every table with a log_index column (the entry that states the row). */
const Q_FACT_TABLES = `
  SELECT c.relname AS t FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
   WHERE c.relnamespace = 'idx'::regnamespace AND c.relkind = 'r' AND a.attname = 'log_index' AND NOT a.attisdropped
   ORDER BY 1`;

export async function factTables(db: Db): Promise<string[]> {
  return (await db.query<{ t: string }>(Q_FACT_TABLES)).rows.map((r) => r.t);
}

/** Deletes the fact rows of entries [from, to) from idx (inside the caller's transaction). */
export async function deleteFacts(client: PoolClient, tables: readonly string[], from: number, to: number) {
  for (const t of tables)
    await client.query(`DELETE FROM idx.${pg.escapeIdentifier(t)} WHERE log_index >= $1 AND log_index < $2`, [
      from,
      to,
    ]);
}

// ---- the switch -------------------------------------------------------------------------------

/**
 * First statement of the switch transaction: waits for the indexer batches in flight (each one
 * locks its offset row first and holds it until it commits) and keeps new ones from starting until
 * the switch commits; readers (ACCESS SHARE) are not blocked. A batch that waits here resolves
 * `idx.consumer_offsets` again once the lock is granted, so it continues in the new schema.
 */
export async function holdIndexers(client: PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
  await client.query('LOCK TABLE idx.consumer_offsets IN EXCLUSIVE MODE');
}

/** The live indexers' offsets, as they are now (held), become the build schema's. */
export async function carryOffsets(client: PoolClient): Promise<number> {
  await client.query(`DELETE FROM ${BUILD_SCHEMA}.consumer_offsets`);
  return (
    (
      await client.query(
        `INSERT INTO ${BUILD_SCHEMA}.consumer_offsets (consumer, topic, partition, next_offset, updated_at)
       SELECT consumer, topic, partition, next_offset, updated_at FROM idx.consumer_offsets`,
      )
    ).rowCount ?? 0
  );
}

/**
 * The switch itself, at the end of the transaction holdIndexers began: waits for the queries
 * reading idx (ACCESS EXCLUSIVE on each of its tables and views, in name order), drops the previous
 * idx_old, renames idx to idx_old and idx_next to idx. A statement that waited on these locks
 * resolves its names again when granted, i.e. in the new idx: no statement mixes the two.
 */
export async function switchSchemas(client: PoolClient): Promise<void> {
  const relations = (
    await client.query<{ t: string }>(
      "SELECT c.relname AS t FROM pg_class c WHERE c.relnamespace = 'idx'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm') ORDER BY 1",
    )
  ).rows.map((r) => `idx.${pg.escapeIdentifier(r.t)}`);
  await client.query(`LOCK TABLE ${relations.join(', ')} IN ACCESS EXCLUSIVE MODE`);
  await client.query(`DROP SCHEMA IF EXISTS ${OLD_SCHEMA} CASCADE`);
  await client.query(`ALTER SCHEMA idx RENAME TO ${OLD_SCHEMA}`);
  await client.query(`ALTER SCHEMA ${BUILD_SCHEMA} RENAME TO idx`);
}
