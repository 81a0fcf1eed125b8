/**
 * SQL for the idx schema (schema/sql/0003_idx_index.sql): the rows the indexer's pure core
 * projects from log entries, written set-based (one INSERT ... SELECT FROM unnest(...) per table
 * per batch, whatever the number of rows: an SBOM of 2,000 components is a handful of statements),
 * the artifact-identity merge, and the indexer's consumer offsets.
 *
 * Every write is INSERT ... ON CONFLICT DO NOTHING of rows that depend only on their entry, so a
 * batch written twice, or two batches in either order, leave the same rows. Rows of the tables
 * whose key holds no log index (artifacts, packages, package versions, signers) are inserted in
 * key order, tables in one fixed order: concurrent indexers then take row locks in one global
 * order and cannot deadlock on each other's new rows. See docs/design/0004-index.md.
 *
 * Text is attacker-controlled (statements, SBOMs, certificates): NUL characters, which
 * PostgreSQL text cannot hold, become U+FFFD, and values of key or indexed columns longer than a
 * B-tree entry can take are bounded by boundedText (a readable prefix plus the SHA-256 of the
 * whole), deterministically, so that queries can bound their input the same way.
 */
import { crypto, toHex } from '../core/index.js';
import type { Pool, PoolClient } from './pool.js';
import { offsetStore } from './offsets.js';

type Db = Pool | PoolClient;

// ---- rows ------------------------------------------------------------------------------------

export interface EntryRow {
  logIndex: number;
  leafHash: Buffer;
  kind: 'hashedrekord' | 'dsse';
  /** Unix seconds. */
  integratedTime: number;
  attestationHash: Buffer | null;
  outcome: 'indexed' | 'unparsed';
}

/** An identity digest `<alg>:<hex>` (already normalized by libs/formats). */
export interface ArtifactRow {
  digest: string;
}

export interface AliasRow {
  digest: string;
  alias: string;
  logIndex: number;
}

export interface NameRow {
  digest: string;
  kind: 'name' | 'uri';
  name: string;
  logIndex: number;
}

export interface PurlRow {
  digest: string;
  purl: string;
  packageVersion: string;
  logIndex: number;
}

export interface PackageRow {
  purl: string;
  type: string;
}

export interface PackageVersionRow {
  key: string;
  package: string;
  version: string | null;
}

export interface SignerRow {
  signerId: string;
  kind: 'key' | 'certificate';
  keyId: string;
  keyAlgorithm: string | null;
  identity: string | null;
  sanType: string | null;
  issuer: string | null;
  ciRepository: string | null;
  ciWorkflow: string | null;
  ciRef: string | null;
  ciRevision: string | null;
  ciTrigger: string | null;
  ciRunnerEnvironment: string | null;
  ciBuildSigner: string | null;
  ciRunInvocation: string | null;
  claims: Record<string, string>;
  notBefore: Date | null;
  notAfter: Date | null;
}

export interface SignatureRow {
  logIndex: number;
  signerId: string;
  digest: string | null;
  /** Unix seconds. */
  integratedTime: number;
  kind: 'key' | 'certificate';
  keyId: string;
  identity: string | null;
  issuer: string | null;
  ciRepository: string | null;
  ciWorkflow: string | null;
}

export interface StatementRow {
  logIndex: number;
  statementType: string;
  predicateType: string;
  predicateKind: string;
  /** Unix seconds. */
  integratedTime: number;
  attestationHash: Buffer;
  subjects: unknown;
  unsupported: string | null;
}

export interface SubjectRow {
  logIndex: number;
  digest: string;
}

export interface SbomRow {
  logIndex: number;
  format: 'cyclonedx' | 'spdx';
  specVersion: string;
  documentId: string | null;
  name: string | null;
  componentCount: number;
}

export interface ComponentRow {
  logIndex: number;
  ref: string;
  name: string;
  version: string | null;
  type: string;
  purl: string | null;
  packageVersion: string | null;
  digest: string | null;
  digests: Record<string, string>;
  scope: string | null;
  isRoot: boolean;
}

export type NodeKind = 'subject' | 'artifact' | 'package' | 'component';

export interface EdgeRow {
  logIndex: number;
  ordinal: number;
  fromKind: NodeKind;
  fromRef: string | null;
  toKind: NodeKind;
  toRef: string | null;
  relationship: string;
  scope: string | null;
  source: 'sbom' | 'provenance';
}

export interface ProvenanceRow {
  logIndex: number;
  slsaVersion: string;
  builderId: string;
  buildType: string | null;
  sourceRepository: string | null;
  sourceRef: string | null;
  sourceRevision: string | null;
  entryPoint: string | null;
  invocationId: string | null;
  /** RFC 3339 as stated, or null. */
  startedOn: string | null;
  finishedOn: string | null;
  externalParameters: unknown;
}

export interface MaterialRow {
  logIndex: number;
  ordinal: number;
  uri: string | null;
  name: string | null;
  purl: string | null;
  packageVersion: string | null;
  digest: string | null;
  digests: Record<string, string>;
}

export interface VerificationRow {
  logIndex: number;
  vsaVersion: string;
  verifierId: string;
  timeVerified: string | null;
  result: 'PASSED' | 'FAILED';
  resourceUri: string;
  policyUri: string | null;
  levels: string[];
}

export interface PublicationRow {
  logIndex: number;
  registry: string;
  name: string;
  version: string;
  packageVersion: string;
}

export type UnparsedStage = 'entry' | 'attestation' | 'envelope' | 'statement' | 'predicate' | 'index';

export interface UnparsedRow {
  logIndex: number;
  stage: UnparsedStage;
  reasonCode: string;
  reason: string;
  payloadType: string | null;
  predicateType: string | null;
}

/** Everything a batch of entries states, table by table. */
export interface IdxRows {
  entries: EntryRow[];
  artifacts: ArtifactRow[];
  aliases: AliasRow[];
  names: NameRow[];
  purls: PurlRow[];
  packages: PackageRow[];
  packageVersions: PackageVersionRow[];
  signers: SignerRow[];
  signatures: SignatureRow[];
  statements: StatementRow[];
  subjects: SubjectRow[];
  sboms: SbomRow[];
  components: ComponentRow[];
  edges: EdgeRow[];
  provenance: ProvenanceRow[];
  materials: MaterialRow[];
  verifications: VerificationRow[];
  publications: PublicationRow[];
  unparsed: UnparsedRow[];
}

// ---- text that PostgreSQL can hold ---------------------------------------------------------

/** B-tree entries are limited to about 2,700 bytes; keys with several columns share that. */
export const MAX_KEY_TEXT_BYTES = 1024;
/** Free text (reasons) is cut here. */
const MAX_FREE_TEXT_BYTES = 8192;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Replaces what PostgreSQL cannot hold with U+FFFD: NUL (text and jsonb) and lone UTF-16
 * surrogates (JSON.stringify writes them as \udXXX escapes, which jsonb refuses; as text they
 * would become U+FFFD on the way anyway).
 */
export function cleanText(s: string): string {
  const noNul = s.includes('\u0000') ? s.split('\u0000').join('\uFFFD') : s;
  return noNul.replace(LONE_SURROGATE, '\uFFFD');
}

function utf8Prefix(s: string, maxBytes: number): string {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= maxBytes) return s;
  let end = maxBytes;
  // Back up to a character boundary (never split a UTF-8 sequence).
  while (end > 0 && ((b[end] ?? 0) & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}

/**
 * The value stored for `s` in a key or indexed column: `s` itself (NUL replaced) when it fits
 * MAX_KEY_TEXT_BYTES, else a prefix of it followed by `…#sha256:<hex of the whole>`. A pure
 * function: the indexer and every query bound their text the same way, and two different long
 * values never collide.
 */
export function boundedText(s: string): string {
  const clean = cleanText(s);
  if (Buffer.byteLength(clean, 'utf8') <= MAX_KEY_TEXT_BYTES) return clean;
  const suffix = `…#sha256:${toHex(crypto.sha256(Buffer.from(clean, 'utf8')))}`;
  return utf8Prefix(clean, MAX_KEY_TEXT_BYTES - Buffer.byteLength(suffix, 'utf8')) + suffix;
}

const key = (s: string | null): string | null => (s === null ? null : boundedText(s));
const free = (s: string | null): string | null =>
  s === null ? null : utf8Prefix(cleanText(s), MAX_FREE_TEXT_BYTES);

/** JSON for a jsonb column, strings and keys cleaned (jsonb rejects \u0000 and lone surrogates). */
export function jsonForDb(value: unknown): string {
  return JSON.stringify(value ?? null, (_k, v: unknown) => {
    if (typeof v === 'string') return cleanText(v);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (Object.keys(o).some((k) => cleanText(k) !== k))
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [cleanText(k), x]));
    }
    return v;
  });
}

/** An RFC 3339 time PostgreSQL can store, or null (years 1..9999 only: attacker-controlled). */
export function timestampOrNull(s: string | null | undefined): string | null {
  if (s === null || s === undefined) return null;
  const t = new Date(s);
  const y = t.getUTCFullYear();
  if (Number.isNaN(t.getTime()) || y < 1 || y > 9999) return null;
  return t.toISOString();
}

const seconds = (unix: number): string => new Date(unix * 1000).toISOString();

/** Deduplicates by key and sorts by it (code-unit order): one lock order for every indexer. */
function uniqueSorted<T>(rows: readonly T[], keyOf: (r: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const r of rows) if (!byKey.has(keyOf(r))) byKey.set(keyOf(r), r);
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

// ---- which schema ----------------------------------------------------------------------------

/**
 * The schema a projection is written to: `idx` (the live index) or `idx_next` (the build schema
 * of `attestry replay`, renamed to `idx` when it is complete). A closed set, never input, so each
 * statement is still a fixed string. Function bodies in the schema name `idx.` on purpose: they
 * are resolved when called, i.e. after the switch (docs/design/0009-replay.md).
 */
export type IdxSchema = 'idx' | 'idx_next';

const inSchemaCache = new Map<string, string>();
/** `sql` with every `idx.` qualifier (identifiers and regclass literals) naming `schema` instead. */
export function inSchema(sql: string, schema: IdxSchema): string {
  if (schema === 'idx') return sql;
  let out = inSchemaCache.get(sql);
  if (out === undefined) {
    out = sql.replace(/(?<![\w.$"])idx\./g, `${schema}.`);
    inSchemaCache.set(sql, out);
  }
  return out;
}

// ---- writes ----------------------------------------------------------------------------------

const Q_INSERT_ENTRIES = `
  INSERT INTO idx.entries (log_index, leaf_hash, kind, integrated_time, attestation_hash, outcome)
  SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::text[], $4::timestamptz[], $5::bytea[], $6::text[])
  ON CONFLICT (log_index) DO NOTHING
  RETURNING log_index`;
const Q_INSERT_ARTIFACTS = `
  INSERT INTO idx.artifacts (digest, algorithm, artifact)
  SELECT d, split_part(d, ':', 1), d FROM unnest($1::text[]) AS d
  ON CONFLICT (digest) DO NOTHING`;
const Q_INSERT_ALIASES = `
  INSERT INTO idx.artifact_aliases (digest, alias, log_index)
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
  ON CONFLICT DO NOTHING`;
const Q_INSERT_NAMES = `
  INSERT INTO idx.artifact_names (digest, kind, name, log_index)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
  ON CONFLICT DO NOTHING`;
const Q_INSERT_PURLS = `
  INSERT INTO idx.artifact_purls (digest, purl, package_version, log_index)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
  ON CONFLICT DO NOTHING`;
const Q_INSERT_PACKAGES = `
  INSERT INTO idx.packages (purl, type)
  SELECT * FROM unnest($1::text[], $2::text[])
  ON CONFLICT (purl) DO NOTHING`;
const Q_INSERT_PACKAGE_VERSIONS = `
  INSERT INTO idx.package_versions (key, package, version)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
  ON CONFLICT (key) DO NOTHING`;
const Q_INSERT_SIGNERS = `
  INSERT INTO idx.signers (signer_id, kind, key_id, key_algorithm, identity, san_type, issuer,
    ci_repository, ci_workflow, ci_ref, ci_revision, ci_trigger, ci_runner_environment,
    ci_build_signer, ci_run_invocation, claims, not_before, not_after)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
    $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
    $14::text[], $15::text[], $16::jsonb[], $17::timestamptz[], $18::timestamptz[])
  ON CONFLICT (signer_id) DO NOTHING`;
const Q_INSERT_SIGNATURES = `
  INSERT INTO idx.signatures (log_index, signer_id, digest, integrated_time, kind, key_id, identity, issuer,
    ci_repository, ci_workflow)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[],
    $7::text[], $8::text[], $9::text[], $10::text[])
  ON CONFLICT DO NOTHING`;
const Q_INSERT_STATEMENTS = `
  INSERT INTO idx.statements (log_index, statement_type, predicate_type, predicate_kind, integrated_time,
    attestation_hash, subjects, unsupported)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bytea[],
    $7::jsonb[], $8::text[])
  ON CONFLICT (log_index) DO NOTHING`;
const Q_INSERT_SUBJECTS = `
  INSERT INTO idx.statement_subjects (log_index, digest)
  SELECT * FROM unnest($1::bigint[], $2::text[])
  ON CONFLICT DO NOTHING`;
const Q_INSERT_SBOMS = `
  INSERT INTO idx.sboms (log_index, format, spec_version, document_id, name, component_count)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[])
  ON CONFLICT (log_index) DO NOTHING`;
const Q_INSERT_COMPONENTS = `
  INSERT INTO idx.sbom_components (log_index, ref, name, version, type, purl, package_version, digest,
    digests, scope, is_root)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
    $8::text[], $9::jsonb[], $10::text[], $11::boolean[])
  ON CONFLICT DO NOTHING`;
const Q_INSERT_EDGES = `
  INSERT INTO idx.edges (log_index, ordinal, from_kind, from_ref, to_kind, to_ref, relationship, scope, source)
  SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
    $8::text[], $9::text[])
  ON CONFLICT DO NOTHING`;
const Q_INSERT_PROVENANCE = `
  INSERT INTO idx.provenance (log_index, slsa_version, builder_id, build_type, source_repository, source_ref,
    source_revision, entry_point, invocation_id, started_on, finished_on, external_parameters)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
    $8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[], $12::jsonb[])
  ON CONFLICT (log_index) DO NOTHING`;
const Q_INSERT_MATERIALS = `
  INSERT INTO idx.provenance_materials (log_index, ordinal, uri, name, purl, package_version, digest, digests)
  SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
    $8::jsonb[])
  ON CONFLICT DO NOTHING`;
// levels is text[] per row: carried as one jsonb array per row (unnest would flatten a 2-D array).
const Q_INSERT_VERIFICATIONS = `
  INSERT INTO idx.verifications (log_index, vsa_version, verifier_id, time_verified, result, resource_uri,
    policy_uri, levels)
  SELECT v.log_index, v.vsa_version, v.verifier_id, v.time_verified, v.result, v.resource_uri, v.policy_uri,
         ARRAY(SELECT jsonb_array_elements_text(v.levels))
    FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[],
      $8::jsonb[]) AS v(log_index, vsa_version, verifier_id, time_verified, result, resource_uri, policy_uri, levels)
  ON CONFLICT (log_index) DO NOTHING`;
const Q_INSERT_PUBLICATIONS = `
  INSERT INTO idx.publications (log_index, registry, name, version, package_version)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])
  ON CONFLICT (log_index) DO NOTHING`;
const Q_INSERT_UNPARSED = `
  INSERT INTO idx.unparsed_statements (log_index, stage, reason_code, reason, payload_type, predicate_type)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
  ON CONFLICT (log_index) DO NOTHING`;

// Integer adjacency (schema/sql/0005_idx_adjacency.sql): node numbers for digests and package
// versions, edges between nodes, purls as nodes. Pure functions of the facts, written like them.
/** A number for every ref not numbered yet, in ref order (one lock order); a digest is its own artifact. */
const Q_INSERT_NODE_IDS = `
  INSERT INTO idx.node_ids (ref, id, artifact)
  SELECT x.ref, x.id, CASE WHEN x.is_digest THEN x.id END
    FROM (SELECT r.ref, r.is_digest, nextval('idx.node_id_seq')::int AS id
            FROM unnest($1::text[], $2::boolean[]) WITH ORDINALITY AS r(ref, is_digest, n)
           WHERE NOT EXISTS (SELECT 1 FROM idx.node_ids o WHERE o.ref = r.ref)
           ORDER BY r.n) x
  ON CONFLICT (ref) DO NOTHING`;
const Q_INSERT_NODE_PURLS = `
  INSERT INTO idx.node_purls (package, digest)
  SELECT DISTINCT p.id, d.id
    FROM unnest($1::text[], $2::text[]) AS x(digest, package_version)
    JOIN idx.node_ids p ON p.ref = x.package_version
    JOIN idx.node_ids d ON d.ref = x.digest
   ORDER BY 1, 2
  ON CONFLICT DO NOTHING`;
/** An edge's `from` is its statement's subject digests (from the same batch: the same entry) or its ref. */
const Q_INSERT_NODE_EDGES = `
  WITH e AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS e(log_index, from_kind, from_ref, to_ref)
  ), pairs AS (
    SELECT e.log_index, e.to_ref, e.from_ref AS dependent_ref FROM e WHERE e.from_kind <> 'subject'
    UNION ALL
    SELECT e.log_index, e.to_ref, s.digest
      FROM e JOIN unnest($5::bigint[], $6::text[]) AS s(log_index, digest) ON s.log_index = e.log_index
     WHERE e.from_kind = 'subject'
  )
  INSERT INTO idx.node_edges (dependency, dependent, log_index)
  SELECT DISTINCT t.id, f.id, p.log_index
    FROM pairs p
    JOIN idx.node_ids t ON t.ref = p.to_ref
    JOIN idx.node_ids f ON f.ref = p.dependent_ref
   ORDER BY 1, 2, 3
  ON CONFLICT DO NOTHING`;

const DIGEST_REF = /^sha(256|384|512):/;

/** Any of these alias pairs whose ends belong to different artifacts (needs the merge). */
const Q_ALIASES_SPLIT = `
  SELECT EXISTS (
    SELECT 1 FROM unnest($1::text[], $2::text[]) AS p(digest, alias)
      JOIN idx.artifacts a ON a.digest = p.digest
      JOIN idx.artifacts b ON b.digest = p.alias
     WHERE a.artifact <> b.artifact) AS split`;
/** Arbitrary constant naming the transaction-scoped lock that serialises artifact merges. */
export const ARTIFACT_MERGE_LOCK_KEY = 7406114153;
const Q_MERGE_LOCK = 'SELECT pg_advisory_xact_lock($1)';
/**
 * Joins the artifacts that the given alias pairs connect, under the merge lock (a fresh READ
 * COMMITTED snapshot: every earlier merger's commit is seen). By the invariant of 0004 every
 * committed alias already joins two digests with the same representative, the minimum of their
 * component, so the components to join are found on the representatives alone: `e` maps each pair
 * this transaction states to the representatives of its two ends, as they are now; `reach` closes
 * those links (both directions are stated); each component's new representative is the minimum of
 * its members' (the minimum of the union). Then every digest of a joined artifact (index
 * artifacts_artifact) gets the new representative and its node row the new representative's number.
 * The cost is the size of the artifacts joined, not the number of alias facts stating them (a
 * popular artifact is restated by thousands of entries: walking their evidence made the merge most
 * of a replay's time, docs/design/0009-replay.md).
 */
const Q_MERGE_ARTIFACTS = `
  WITH RECURSIVE e AS (
    SELECT DISTINCT a.artifact COLLATE "C" AS x, b.artifact COLLATE "C" AS y
      FROM unnest($1::text[], $2::text[]) AS p(digest, alias)
      JOIN idx.artifacts a ON a.digest = p.digest
      JOIN idx.artifacts b ON b.digest = p.alias
     WHERE a.artifact <> b.artifact
  ), reach(seed, rep) AS (
    SELECT x, x FROM e
    UNION
    SELECT r.seed, e.y FROM reach r JOIN e ON e.x = r.rep
  ), target AS (
    SELECT seed AS old, min(rep) AS rep FROM reach GROUP BY seed
  ), moved AS (
    -- "= ANY (ARRAY(...))" keeps these index probes: joined with the CTE alone, the planner (which
    -- guesses 200 rows for it) may scan the whole table instead.
    UPDATE idx.artifacts t SET artifact = target.rep
      FROM target
     WHERE t.artifact = ANY (ARRAY(SELECT old FROM target WHERE old <> rep)) AND t.artifact = target.old
    RETURNING t.digest, t.artifact AS rep
  ), renumbered AS (
    -- idx.node_ids.artifact follows idx.artifacts.artifact: the representative's number.
    UPDATE idx.node_ids n SET artifact = r.id
      FROM moved JOIN idx.node_ids r ON r.ref = moved.rep
     WHERE n.ref = ANY (ARRAY(SELECT digest FROM moved)) AND n.ref = moved.digest
       AND n.artifact IS DISTINCT FROM r.id
    RETURNING n.ref
  )
  SELECT (SELECT count(*) FROM moved)::int AS merged, (SELECT count(*) FROM renumbered)::int AS renumbered`;

export interface WriteResult {
  /** Log indexes new to the index (a replayed entry is not among them). */
  inserted: number[];
  /** Digest rows whose artifact changed because of new aliases (0 when no merge was needed). */
  merged: number;
}

/**
 * Writes a batch's rows inside the caller's transaction: tables in one fixed order, rows of the
 * tables keyed without a log index sorted by key, then merges artifacts if new aliases join
 * digests that belonged to different artifacts (under a transaction-scoped advisory lock).
 */
export async function writeRows(
  client: PoolClient,
  rows: IdxRows,
  schema: IdxSchema = 'idx',
): Promise<WriteResult> {
  const run = async (sql: string, params: unknown[], n: number): Promise<void> => {
    if (n > 0) await client.query(inSchema(sql, schema), params);
  };
  const entries = rows.entries;
  let inserted: number[] = [];
  if (entries.length > 0) {
    const r = await client.query<{ log_index: number }>(inSchema(Q_INSERT_ENTRIES, schema), [
      entries.map((e) => e.logIndex),
      entries.map((e) => e.leafHash),
      entries.map((e) => e.kind),
      entries.map((e) => seconds(e.integratedTime)),
      entries.map((e) => e.attestationHash),
      entries.map((e) => e.outcome),
    ]);
    inserted = r.rows.map((x) => x.log_index);
  }

  const artifacts = uniqueSorted(rows.artifacts, (r) => r.digest);
  await run(Q_INSERT_ARTIFACTS, [artifacts.map((a) => a.digest)], artifacts.length);

  const aliases = rows.aliases;
  await run(
    Q_INSERT_ALIASES,
    [aliases.map((a) => a.digest), aliases.map((a) => a.alias), aliases.map((a) => a.logIndex)],
    aliases.length,
  );

  const names = rows.names;
  await run(
    Q_INSERT_NAMES,
    [
      names.map((r) => r.digest),
      names.map((r) => r.kind),
      names.map((r) => boundedText(r.name)),
      names.map((r) => r.logIndex),
    ],
    names.length,
  );

  const purls = rows.purls;
  await run(
    Q_INSERT_PURLS,
    [
      purls.map((r) => r.digest),
      purls.map((r) => boundedText(r.purl)),
      purls.map((r) => boundedText(r.packageVersion)),
      purls.map((r) => r.logIndex),
    ],
    purls.length,
  );

  const packages = uniqueSorted(
    rows.packages.map((p) => ({ purl: boundedText(p.purl), type: boundedText(p.type) })),
    (p) => p.purl,
  );
  await run(Q_INSERT_PACKAGES, [packages.map((p) => p.purl), packages.map((p) => p.type)], packages.length);

  const versions = uniqueSorted(
    rows.packageVersions.map((v) => ({
      key: boundedText(v.key),
      package: boundedText(v.package),
      version: key(v.version),
    })),
    (v) => v.key,
  );
  await run(
    Q_INSERT_PACKAGE_VERSIONS,
    [versions.map((v) => v.key), versions.map((v) => v.package), versions.map((v) => v.version)],
    versions.length,
  );

  // Node numbers for every digest and package version this batch names, before anything refers to them.
  const nodeRefs = new Set<string>();
  for (const a of artifacts) nodeRefs.add(a.digest);
  for (const s of rows.subjects) nodeRefs.add(s.digest);
  for (const v of versions) nodeRefs.add(v.key);
  for (const p of rows.purls) {
    nodeRefs.add(p.digest);
    nodeRefs.add(boundedText(p.packageVersion));
  }
  const graphEdges = rows.edges.filter(
    (e) =>
      (e.toKind === 'artifact' || e.toKind === 'package') &&
      e.toRef !== null &&
      e.fromKind !== 'component' &&
      (e.fromKind === 'subject' || e.fromRef !== null),
  );
  for (const e of graphEdges) {
    nodeRefs.add(boundedText(e.toRef as string));
    if (e.fromKind !== 'subject') nodeRefs.add(boundedText(e.fromRef as string));
  }
  const nodes = [...nodeRefs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  await run(Q_INSERT_NODE_IDS, [nodes, nodes.map((r) => DIGEST_REF.test(r))], nodes.length);
  await run(
    Q_INSERT_NODE_PURLS,
    [rows.purls.map((p) => p.digest), rows.purls.map((p) => boundedText(p.packageVersion))],
    rows.purls.length,
  );

  const signers = uniqueSorted(rows.signers, (s) => s.signerId);
  await run(
    Q_INSERT_SIGNERS,
    [
      signers.map((s) => s.signerId),
      signers.map((s) => s.kind),
      signers.map((s) => s.keyId),
      signers.map((s) => s.keyAlgorithm),
      signers.map((s) => key(s.identity)),
      signers.map((s) => s.sanType),
      signers.map((s) => key(s.issuer)),
      signers.map((s) => key(s.ciRepository)),
      signers.map((s) => key(s.ciWorkflow)),
      signers.map((s) => key(s.ciRef)),
      signers.map((s) => key(s.ciRevision)),
      signers.map((s) => key(s.ciTrigger)),
      signers.map((s) => key(s.ciRunnerEnvironment)),
      signers.map((s) => key(s.ciBuildSigner)),
      signers.map((s) => key(s.ciRunInvocation)),
      signers.map((s) => jsonForDb(s.claims)),
      signers.map((s) => s.notBefore),
      signers.map((s) => s.notAfter),
    ],
    signers.length,
  );

  const signatures = rows.signatures;
  await run(
    Q_INSERT_SIGNATURES,
    [
      signatures.map((s) => s.logIndex),
      signatures.map((s) => s.signerId),
      signatures.map((s) => s.digest),
      signatures.map((s) => seconds(s.integratedTime)),
      signatures.map((s) => s.kind),
      signatures.map((s) => s.keyId),
      signatures.map((s) => key(s.identity)),
      signatures.map((s) => key(s.issuer)),
      signatures.map((s) => key(s.ciRepository)),
      signatures.map((s) => key(s.ciWorkflow)),
    ],
    signatures.length,
  );

  const statements = rows.statements;
  await run(
    Q_INSERT_STATEMENTS,
    [
      statements.map((s) => s.logIndex),
      statements.map((s) => cleanText(s.statementType)),
      statements.map((s) => boundedText(s.predicateType)),
      statements.map((s) => s.predicateKind),
      statements.map((s) => seconds(s.integratedTime)),
      statements.map((s) => s.attestationHash),
      statements.map((s) => jsonForDb(s.subjects)),
      statements.map((s) => free(s.unsupported)),
    ],
    statements.length,
  );

  const subjects = rows.subjects;
  await run(
    Q_INSERT_SUBJECTS,
    [subjects.map((s) => s.logIndex), subjects.map((s) => s.digest)],
    subjects.length,
  );

  const sboms = rows.sboms;
  await run(
    Q_INSERT_SBOMS,
    [
      sboms.map((s) => s.logIndex),
      sboms.map((s) => s.format),
      sboms.map((s) => cleanText(s.specVersion)),
      sboms.map((s) => free(s.documentId)),
      sboms.map((s) => free(s.name)),
      sboms.map((s) => s.componentCount),
    ],
    sboms.length,
  );

  const components = rows.components;
  await run(
    Q_INSERT_COMPONENTS,
    [
      components.map((c) => c.logIndex),
      components.map((c) => boundedText(c.ref)),
      components.map((c) => free(c.name)),
      components.map((c) => free(c.version)),
      components.map((c) => free(c.type)),
      components.map((c) => key(c.purl)),
      components.map((c) => key(c.packageVersion)),
      components.map((c) => c.digest),
      components.map((c) => jsonForDb(c.digests)),
      components.map((c) => free(c.scope)),
      components.map((c) => c.isRoot),
    ],
    components.length,
  );

  const edges = rows.edges;
  await run(
    Q_INSERT_EDGES,
    [
      edges.map((e) => e.logIndex),
      edges.map((e) => e.ordinal),
      edges.map((e) => e.fromKind),
      edges.map((e) => key(e.fromRef)),
      edges.map((e) => e.toKind),
      edges.map((e) => key(e.toRef)),
      edges.map((e) => free(e.relationship)),
      edges.map((e) => free(e.scope)),
      edges.map((e) => e.source),
    ],
    edges.length,
  );

  await run(
    Q_INSERT_NODE_EDGES,
    [
      graphEdges.map((e) => e.logIndex),
      graphEdges.map((e) => e.fromKind),
      graphEdges.map((e) => key(e.fromRef)),
      graphEdges.map((e) => key(e.toRef)),
      subjects.map((s) => s.logIndex),
      subjects.map((s) => s.digest),
    ],
    graphEdges.length,
  );

  const provenance = rows.provenance;
  await run(
    Q_INSERT_PROVENANCE,
    [
      provenance.map((p) => p.logIndex),
      provenance.map((p) => p.slsaVersion),
      provenance.map((p) => boundedText(p.builderId)),
      provenance.map((p) => free(p.buildType)),
      provenance.map((p) => key(p.sourceRepository)),
      provenance.map((p) => key(p.sourceRef)),
      provenance.map((p) => key(p.sourceRevision)),
      provenance.map((p) => free(p.entryPoint)),
      provenance.map((p) => free(p.invocationId)),
      provenance.map((p) => timestampOrNull(p.startedOn)),
      provenance.map((p) => timestampOrNull(p.finishedOn)),
      provenance.map((p) => (p.externalParameters === undefined ? null : jsonForDb(p.externalParameters))),
    ],
    provenance.length,
  );

  const materials = rows.materials;
  await run(
    Q_INSERT_MATERIALS,
    [
      materials.map((m) => m.logIndex),
      materials.map((m) => m.ordinal),
      materials.map((m) => free(m.uri)),
      materials.map((m) => free(m.name)),
      materials.map((m) => free(m.purl)),
      materials.map((m) => key(m.packageVersion)),
      materials.map((m) => m.digest),
      materials.map((m) => jsonForDb(m.digests)),
    ],
    materials.length,
  );

  const verifications = rows.verifications;
  await run(
    Q_INSERT_VERIFICATIONS,
    [
      verifications.map((v) => v.logIndex),
      verifications.map((v) => v.vsaVersion),
      verifications.map((v) => free(v.verifierId)),
      verifications.map((v) => timestampOrNull(v.timeVerified)),
      verifications.map((v) => v.result),
      verifications.map((v) => free(v.resourceUri)),
      verifications.map((v) => free(v.policyUri)),
      verifications.map((v) => jsonForDb(v.levels)),
    ],
    verifications.length,
  );

  const publications = rows.publications;
  await run(
    Q_INSERT_PUBLICATIONS,
    [
      publications.map((p) => p.logIndex),
      publications.map((p) => free(p.registry)),
      publications.map((p) => free(p.name)),
      publications.map((p) => free(p.version)),
      publications.map((p) => boundedText(p.packageVersion)),
    ],
    publications.length,
  );

  const unparsed = rows.unparsed;
  await run(
    Q_INSERT_UNPARSED,
    [
      unparsed.map((u) => u.logIndex),
      unparsed.map((u) => u.stage),
      unparsed.map((u) => free(u.reasonCode)),
      unparsed.map((u) => free(u.reason)),
      unparsed.map((u) => free(u.payloadType)),
      unparsed.map((u) => free(u.predicateType)),
    ],
    unparsed.length,
  );

  return { inserted, merged: await mergeArtifacts(client, aliases, schema) };
}

/**
 * Unifies the artifacts the given alias rows connect. Without new information (every pair
 * already in one artifact: a replay, a re-statement) it takes no lock. Equal representatives
 * read in one snapshot mean one component then, and components only ever grow, so skipping is
 * safe; when a pair is split (or involves a digest this transaction inserted, whose row starts as
 * its own artifact), it takes the merge lock and joins the artifacts its pairs connect, read
 * again after the lock (Q_MERGE_ARTIFACTS).
 */
export async function mergeArtifacts(
  client: PoolClient,
  aliases: readonly AliasRow[],
  schema: IdxSchema = 'idx',
): Promise<number> {
  if (aliases.length === 0) return 0;
  const pairs = uniqueSorted(aliases, (a) => `${a.digest} ${a.alias}`);
  const params = [pairs.map((p) => p.digest), pairs.map((p) => p.alias)];
  const split = (await client.query<{ split: boolean }>(inSchema(Q_ALIASES_SPLIT, schema), params)).rows[0]
    ?.split;
  if (split !== true) return 0;
  await client.query(Q_MERGE_LOCK, [ARTIFACT_MERGE_LOCK_KEY]);
  return (
    (await client.query<{ merged: number }>(inSchema(Q_MERGE_ARTIFACTS, schema), params)).rows[0]?.merged ?? 0
  );
}

// ---- the log, read to check what Kafka carried ----------------------------------------------

export interface LoggedEntryRef {
  logIndex: number;
  leafHash: Buffer;
  integratedTime: number;
  attestationHash: Buffer | null;
}

const Q_LOGGED_ENTRIES = `
  SELECT log_index, leaf_hash, integrated_time, attestation_hash FROM tlog.entries
   WHERE log_index = ANY($1::bigint[])`;

/** The log's own record of these entries (the indexer role reads tlog). */
export async function readLoggedEntries(db: Db, logIndexes: number[]): Promise<Map<number, LoggedEntryRef>> {
  if (logIndexes.length === 0) return new Map();
  const rows = (
    await db.query<{
      log_index: number;
      leaf_hash: Buffer;
      integrated_time: number;
      attestation_hash: Buffer | null;
    }>(Q_LOGGED_ENTRIES, [logIndexes])
  ).rows;
  return new Map(
    rows.map((r) => [
      r.log_index,
      {
        logIndex: r.log_index,
        leafHash: r.leaf_hash,
        integratedTime: r.integrated_time,
        attestationHash: r.attestation_hash,
      },
    ]),
  );
}

// ---- progress --------------------------------------------------------------------------------

const Q_PROGRESS = `
  SELECT (SELECT tree_size FROM tlog.tree_head WHERE id = 1) AS tree_size,
         (SELECT count(*) FROM idx.entries) AS indexed`;

/** The log's size and how many of its entries the index holds (lag = the difference). */
export async function readProgress(db: Db): Promise<{ treeSize: number; indexed: number }> {
  const r = (await db.query<{ tree_size: number | null; indexed: number }>(Q_PROGRESS)).rows[0];
  return { treeSize: r?.tree_size ?? 0, indexed: r?.indexed ?? 0 };
}

// ---- consumer offsets (exactly-once effect) -----------------------------------------------

const offsets = offsetStore('idx.consumer_offsets');
export const loadOffsets = offsets.load;
export const lockOffset = offsets.lock;
export const advanceOffset = offsets.advance;
export const advanceAndCommit = offsets.advanceAndCommit;
