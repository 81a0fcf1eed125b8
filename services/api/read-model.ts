/**
 * The api's read model: every SQL statement the GraphQL API runs against idx (and tlog through
 * libs/db's TlogReader). Each function reads a set (by a list of keys, for DataLoader) or one
 * page (keyset pagination on an indexed order), so no resolver queries per row. The plans are
 * in docs/design/0004-index.md and docs/design/0008-graphql-api.md.
 */
import type { Pool } from '../../libs/db/index.js';
import type {
  DependencyModel,
  MaterialModel,
  PackageModel,
  PackageVersionModel,
  ProvenanceModel,
  ReachedModel,
  SbomComponentModel,
  SignatureModel,
  SignerModel,
  StatementModel,
} from './models.js';

/** A validated signer selector (services/api/inputs.ts). */
export interface SignerFilter {
  keyId?: string;
  identity?: string;
  identityPrefix?: string;
  issuer?: string;
  repository?: string;
  workflow?: string;
}

export interface Window {
  since?: Date;
  until?: Date;
}

/** The position after which a signatures page starts (integrated time, log index, signer). */
export interface SignatureKey {
  time: Date;
  logIndex: number;
  signerId: string;
}

/** Greater than every UTF-8 text starting with a prefix: the exclusive end of a prefix range. */
const PREFIX_END = String.fromCodePoint(0x10ffff);

const SIGNATURE_COLUMNS = `s.log_index AS "logIndex", s.signer_id AS "signerId", s.digest,
  s.integrated_time AS "integratedTime", s.kind`;

/**
 * WHERE conditions on idx.signatures (alias s) for a signer and a window, each one an indexed
 * column: prefixes become a range the text_pattern_ops indexes can scan.
 */
function signerConditions(f: SignerFilter, w: Window, params: unknown[]): string[] {
  const conds: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const prefix = (column: string, value: string) => {
    const lo = p(value);
    conds.push(
      `${column} ~>=~ ${lo}`,
      `${column} ~<~ ${p(value + PREFIX_END)}`,
      `starts_with(${column}, ${lo})`,
    );
  };
  if (f.keyId !== undefined) conds.push(`s.key_id = ${p(f.keyId)}`);
  if (f.identity !== undefined) conds.push(`s.identity = ${p(f.identity)}`);
  if (f.identityPrefix !== undefined) prefix('s.identity', f.identityPrefix);
  if (f.issuer !== undefined) conds.push(`s.issuer = ${p(f.issuer)}`);
  if (f.repository !== undefined) conds.push(`s.ci_repository = ${p(f.repository)}`);
  if (f.workflow !== undefined) prefix('s.ci_workflow', f.workflow);
  if (w.since !== undefined) conds.push(`s.integrated_time >= ${p(w.since)}`);
  if (w.until !== undefined) conds.push(`s.integrated_time < ${p(w.until)}`);
  return conds;
}

export class ReadModel {
  constructor(private readonly pool: Pool) {}

  private async rows<T>(sql: string, params: unknown[]): Promise<T[]> {
    return (await this.pool.query(sql, params)).rows as T[];
  }

  // ---- artifacts ---------------------------------------------------------------------------

  /** The artifact (representative digest) of each digest the index knows. */
  async artifactsOf(digests: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.rows<{ digest: string; artifact: string }>(
      'SELECT digest, artifact FROM idx.artifacts WHERE digest = ANY($1::text[])',
      [digests],
    );
    return new Map(rows.map((r) => [r.digest, r.artifact]));
  }

  /** Every digest of each artifact, sorted. */
  async digestsOf(artifacts: readonly string[]): Promise<Map<string, string[]>> {
    const rows = await this.rows<{ artifact: string; digests: string[] }>(
      `SELECT artifact, array_agg(digest ORDER BY digest) AS digests
         FROM idx.artifacts WHERE artifact = ANY($1::text[]) GROUP BY artifact`,
      [artifacts],
    );
    return new Map(rows.map((r) => [r.artifact, r.digests]));
  }

  /** Names, URIs and purls statements gave each artifact (through any of its digests). */
  async labelsOf(
    artifacts: readonly string[],
  ): Promise<Map<string, { names: string[]; uris: string[]; purls: string[] }>> {
    const rows = await this.rows<{ artifact: string; kind: string; value: string }>(
      `SELECT a.artifact, n.kind, n.name AS value
         FROM idx.artifacts a JOIN idx.artifact_names n ON n.digest = a.digest
        WHERE a.artifact = ANY($1::text[])
       UNION
       SELECT a.artifact, 'purl', p.purl
         FROM idx.artifacts a JOIN idx.artifact_purls p ON p.digest = a.digest
        WHERE a.artifact = ANY($1::text[])
       ORDER BY 1, 2, 3`,
      [artifacts],
    );
    const out = new Map<string, { names: string[]; uris: string[]; purls: string[] }>();
    for (const a of artifacts) out.set(a, { names: [], uris: [], purls: [] });
    for (const r of rows) {
      const l = out.get(r.artifact);
      if (!l) continue;
      (r.kind === 'name' ? l.names : r.kind === 'uri' ? l.uris : l.purls).push(r.value);
    }
    return out;
  }

  // ---- signatures --------------------------------------------------------------------------

  /**
   * Signatures over an artifact (any of its digests): hashedrekords of a digest and statements
   * naming one as a subject; ordered by (integrated time, log index, signer), after `after`.
   */
  async signaturesOfArtifact(
    artifact: string,
    limit: number,
    after?: SignatureKey,
  ): Promise<SignatureModel[]> {
    const params: unknown[] = [artifact, limit];
    let cond = '';
    if (after) {
      params.push(after.time, after.logIndex, after.signerId);
      cond = 'WHERE (s."integratedTime", s."logIndex", s."signerId") > ($3, $4, $5)';
    }
    return this.rows<SignatureModel>(
      `WITH d AS (SELECT digest FROM idx.artifacts WHERE artifact = $1),
       s AS (
         SELECT ${SIGNATURE_COLUMNS} FROM d JOIN idx.signatures s ON s.digest = d.digest
         UNION
         SELECT ${SIGNATURE_COLUMNS}
           FROM d JOIN idx.statement_subjects ss ON ss.digest = d.digest
           JOIN idx.signatures s ON s.log_index = ss.log_index
       )
       SELECT * FROM s ${cond} ORDER BY "integratedTime", "logIndex", "signerId" LIMIT $2`,
      params,
    );
  }

  async countSignaturesOfArtifact(artifact: string): Promise<number> {
    const [r] = await this.rows<{ n: number }>(
      `WITH d AS (SELECT digest FROM idx.artifacts WHERE artifact = $1)
       SELECT count(*)::int AS n FROM (
         SELECT s.log_index, s.signer_id FROM d JOIN idx.signatures s ON s.digest = d.digest
         UNION
         SELECT s.log_index, s.signer_id
           FROM d JOIN idx.statement_subjects ss ON ss.digest = d.digest
           JOIN idx.signatures s ON s.log_index = ss.log_index
       ) x`,
      [artifact],
    );
    return r?.n ?? 0;
  }

  /** A page of what a signer signed in a window, in (integrated time, log index, signer) order. */
  async signaturesBySigner(
    f: SignerFilter,
    w: Window,
    limit: number,
    after?: SignatureKey,
  ): Promise<SignatureModel[]> {
    const params: unknown[] = [];
    const conds = signerConditions(f, w, params);
    if (after) {
      params.push(after.time, after.logIndex, after.signerId);
      const n = params.length;
      conds.push(`(s.integrated_time, s.log_index, s.signer_id) > ($${n - 2}, $${n - 1}, $${n})`);
    }
    params.push(limit);
    return this.rows<SignatureModel>(
      `SELECT ${SIGNATURE_COLUMNS} FROM idx.signatures s WHERE ${conds.join(' AND ')}
        ORDER BY s.integrated_time, s.log_index, s.signer_id LIMIT $${params.length}`,
      params,
    );
  }

  async countSignaturesBySigner(f: SignerFilter, w: Window): Promise<number> {
    const params: unknown[] = [];
    const conds = signerConditions(f, w, params);
    const [r] = await this.rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM idx.signatures s WHERE ${conds.join(' AND ')}`,
      params,
    );
    return r?.n ?? 0;
  }

  /**
   * The artifacts a signer signed in a window (sorted representatives): hashedrekord digests and
   * the subjects of the statements it signed.
   */
  async signedArtifacts(f: SignerFilter, w: Window): Promise<string[]> {
    const params: unknown[] = [];
    const conds = signerConditions(f, w, params);
    const rows = await this.rows<{ artifact: string }>(
      `WITH s AS MATERIALIZED (
         SELECT s.log_index, s.digest FROM idx.signatures s WHERE ${conds.join(' AND ')}
       ), d AS (
         SELECT digest FROM s WHERE digest IS NOT NULL
         UNION
         SELECT ss.digest FROM s JOIN idx.statement_subjects ss ON ss.log_index = s.log_index
          WHERE s.digest IS NULL
       )
       SELECT DISTINCT a.artifact FROM d JOIN idx.artifacts a ON a.digest = d.digest ORDER BY 1`,
      params,
    );
    return rows.map((r) => r.artifact);
  }

  /** Signatures by their entries (for statements and new entries). */
  async signaturesOfEntries(logIndexes: readonly number[]): Promise<SignatureModel[]> {
    return this.rows<SignatureModel>(
      `SELECT ${SIGNATURE_COLUMNS} FROM idx.signatures s WHERE s.log_index = ANY($1::bigint[])
        ORDER BY s.log_index, s.signer_id`,
      [logIndexes],
    );
  }

  /** Signatures over any of the artifacts, at most `limit`, oldest first. */
  async signaturesOfArtifacts(artifacts: readonly string[], limit: number): Promise<SignatureModel[]> {
    return this.rows<SignatureModel>(
      `WITH d AS (SELECT digest FROM idx.artifacts WHERE artifact = ANY($1::text[])),
       s AS (
         SELECT ${SIGNATURE_COLUMNS} FROM d JOIN idx.signatures s ON s.digest = d.digest
         UNION
         SELECT ${SIGNATURE_COLUMNS}
           FROM d JOIN idx.statement_subjects ss ON ss.digest = d.digest
           JOIN idx.signatures s ON s.log_index = ss.log_index
       )
       SELECT * FROM s ORDER BY "integratedTime", "logIndex", "signerId" LIMIT $2`,
      [artifacts, limit],
    );
  }

  async signers(ids: readonly string[]): Promise<SignerModel[]> {
    return this.rows<SignerModel>(
      `SELECT signer_id AS "signerId", kind, key_id AS "keyId", key_algorithm AS "keyAlgorithm",
              identity, san_type AS "sanType", issuer, ci_repository AS "ciRepository",
              ci_workflow AS "ciWorkflow", ci_ref AS "ciRef", ci_revision AS "ciRevision",
              ci_trigger AS "ciTrigger", ci_runner_environment AS "ciRunnerEnvironment",
              ci_build_signer AS "ciBuildSigner", ci_run_invocation AS "ciRunInvocation",
              not_before AS "notBefore", not_after AS "notAfter"
         FROM idx.signers WHERE signer_id = ANY($1::text[])`,
      [ids],
    );
  }

  /** The artifacts each entry signed or states about: its hashedrekord digest or its subjects. */
  async artifactsOfEntries(logIndexes: readonly number[]): Promise<Map<number, string[]>> {
    const rows = await this.rows<{ logIndex: number; artifacts: string[] }>(
      `SELECT x.log_index AS "logIndex", array_agg(DISTINCT a.artifact ORDER BY a.artifact) AS artifacts
         FROM (SELECT log_index, digest FROM idx.signatures
                WHERE log_index = ANY($1::bigint[]) AND digest IS NOT NULL
               UNION
               SELECT log_index, digest FROM idx.statement_subjects WHERE log_index = ANY($1::bigint[])) x
         JOIN idx.artifacts a ON a.digest = x.digest
        GROUP BY x.log_index`,
      [logIndexes],
    );
    return new Map(rows.map((r) => [r.logIndex, r.artifacts]));
  }

  // ---- statements --------------------------------------------------------------------------

  async statements(logIndexes: readonly number[]): Promise<StatementModel[]> {
    return this.rows<StatementModel>(
      `SELECT s.log_index AS "logIndex", s.predicate_type AS "predicateType",
              s.predicate_kind AS "predicateKind", s.integrated_time AS "integratedTime",
              s.attestation_hash AS "attestationHash",
              coalesce(u.reason, s.unsupported) AS unsupported
         FROM idx.statements s LEFT JOIN idx.unparsed_statements u ON u.log_index = s.log_index
        WHERE s.log_index = ANY($1::bigint[])`,
      [logIndexes],
    );
  }

  /** Log indexes of statements about an artifact, optionally of one predicate type, paged. */
  async statementsAbout(
    artifact: string,
    predicateType: string | undefined,
    limit: number,
    after?: number,
  ): Promise<number[]> {
    const rows = await this.rows<{ logIndex: number }>(
      `SELECT DISTINCT ss.log_index AS "logIndex"
         FROM idx.artifacts a JOIN idx.statement_subjects ss ON ss.digest = a.digest
         JOIN idx.statements st ON st.log_index = ss.log_index
        WHERE a.artifact = $1 AND ($2::text IS NULL OR st.predicate_type = $2)
          AND ss.log_index > $3
        ORDER BY 1 LIMIT $4`,
      [artifact, predicateType ?? null, after ?? -1, limit],
    );
    return rows.map((r) => r.logIndex);
  }

  async countStatementsAbout(artifact: string, predicateType: string | undefined): Promise<number> {
    const [r] = await this.rows<{ n: number }>(
      `SELECT count(DISTINCT ss.log_index)::int AS n
         FROM idx.artifacts a JOIN idx.statement_subjects ss ON ss.digest = a.digest
         JOIN idx.statements st ON st.log_index = ss.log_index
        WHERE a.artifact = $1 AND ($2::text IS NULL OR st.predicate_type = $2)`,
      [artifact, predicateType ?? null],
    );
    return r?.n ?? 0;
  }

  // ---- provenance and SBOMs ----------------------------------------------------------------

  private static readonly PROVENANCE_COLUMNS = `p.log_index AS "logIndex", p.slsa_version AS "slsaVersion",
    p.builder_id AS "builderId", p.build_type AS "buildType", p.source_repository AS "sourceRepository",
    p.source_ref AS "sourceRef", p.source_revision AS "sourceRevision", p.started_on AS "startedOn",
    p.finished_on AS "finishedOn"`;

  /** Provenance of each artifact's builds (statements naming it as a subject), by log index. */
  async provenanceOf(artifacts: readonly string[]): Promise<Map<string, ProvenanceModel[]>> {
    const rows = await this.rows<ProvenanceModel & { artifact: string }>(
      `SELECT DISTINCT a.artifact, ${ReadModel.PROVENANCE_COLUMNS}
         FROM idx.artifacts a JOIN idx.statement_subjects ss ON ss.digest = a.digest
         JOIN idx.provenance p ON p.log_index = ss.log_index
        WHERE a.artifact = ANY($1::text[])
        ORDER BY a.artifact, "logIndex"`,
      [artifacts],
    );
    const out = new Map<string, ProvenanceModel[]>();
    for (const { artifact, ...p } of rows) {
      const list = out.get(artifact) ?? [];
      list.push(p);
      out.set(artifact, list);
    }
    return out;
  }

  async provenanceByEntry(logIndexes: readonly number[]): Promise<ProvenanceModel[]> {
    return this.rows<ProvenanceModel>(
      `SELECT ${ReadModel.PROVENANCE_COLUMNS} FROM idx.provenance p WHERE p.log_index = ANY($1::bigint[])`,
      [logIndexes],
    );
  }

  async materials(logIndexes: readonly number[]): Promise<(MaterialModel & { logIndex: number })[]> {
    return this.rows(
      `SELECT log_index AS "logIndex", uri, name, purl, digest, digests
         FROM idx.provenance_materials WHERE log_index = ANY($1::bigint[]) ORDER BY log_index, ordinal`,
      [logIndexes],
    );
  }

  /** Components of the SBOMs whose subject is the artifact, by (log index, ref), after `after`. */
  async sbomComponents(
    artifact: string,
    limit: number,
    after?: { logIndex: number; ref: string },
  ): Promise<SbomComponentModel[]> {
    return this.rows<SbomComponentModel>(
      `WITH sb AS (
         SELECT DISTINCT ss.log_index FROM idx.artifacts a
           JOIN idx.statement_subjects ss ON ss.digest = a.digest
           JOIN idx.sboms b ON b.log_index = ss.log_index
          WHERE a.artifact = $1
       )
       SELECT c.log_index AS "logIndex", c.ref, c.name, c.version, c.type, c.purl, c.digest, c.scope,
              c.is_root AS "isRoot"
         FROM sb JOIN idx.sbom_components c ON c.log_index = sb.log_index
        WHERE (c.log_index, c.ref) > ($3::bigint, $4::text)
        ORDER BY c.log_index, c.ref LIMIT $2`,
      [artifact, limit, after?.logIndex ?? -1, after?.ref ?? ''],
    );
  }

  async countSbomComponents(artifact: string): Promise<number> {
    const [r] = await this.rows<{ n: number }>(
      `SELECT coalesce(sum(b.component_count), 0)::int AS n
         FROM (SELECT DISTINCT ss.log_index FROM idx.artifacts a
                 JOIN idx.statement_subjects ss ON ss.digest = a.digest WHERE a.artifact = $1) sb
         JOIN idx.sboms b ON b.log_index = sb.log_index`,
      [artifact],
    );
    return r?.n ?? 0;
  }

  // ---- edges -------------------------------------------------------------------------------

  /**
   * Direct dependencies of an artifact: edges from statements whose subject it is, from any of
   * its digests, or from a package version it carries; ordered by (log index, ordinal).
   */
  async dependenciesOf(
    artifact: string,
    limit: number,
    after?: { logIndex: number; ordinal: number },
  ): Promise<DependencyModel[]> {
    return this.rows<DependencyModel>(
      `${DEPENDENCY_EDGES}
       SELECT e.log_index AS "logIndex", e.ordinal, e.to_kind AS "toKind", e.to_ref AS "toRef",
              e.relationship, e.scope, e.source
         FROM e WHERE (e.log_index, e.ordinal) > ($3::bigint, $4::int)
        ORDER BY e.log_index, e.ordinal LIMIT $2`,
      [artifact, limit, after?.logIndex ?? -1, after?.ordinal ?? -1],
    );
  }

  async countDependenciesOf(artifact: string): Promise<number> {
    const [r] = await this.rows<{ n: number }>(`${DEPENDENCY_EDGES} SELECT count(*)::int AS n FROM e`, [
      artifact,
    ]);
    return r?.n ?? 0;
  }

  /** The artifacts carrying each package version (by exact purl@version key). */
  async artifactsOfPackageVersions(keys: readonly string[]): Promise<Map<string, string[]>> {
    const rows = await this.rows<{ key: string; artifacts: string[] }>(
      `SELECT p.package_version AS key, array_agg(DISTINCT a.artifact ORDER BY a.artifact) AS artifacts
         FROM idx.artifact_purls p JOIN idx.artifacts a ON a.digest = p.digest
        WHERE p.package_version = ANY($1::text[]) GROUP BY p.package_version`,
      [keys],
    );
    return new Map(rows.map((r) => [r.key, r.artifacts]));
  }

  // ---- transitive searches (schema/sql/0004_idx_traversal.sql) -------------------------------

  async dependents(
    seedDigests: readonly string[],
    seedPackages: readonly string[],
    maxDepth: number,
    maxNodes: number,
  ): Promise<ReachedModel[]> {
    return this.rows<ReachedModel>(
      `SELECT artifact, depth, path, log_index AS "logIndex"
         FROM idx.dependents($1::text[], $2::text[], $3, $4)`,
      [seedDigests, seedPackages, maxDepth, maxNodes],
    );
  }

  /** How many artifacts depend on the seeds within maxDepth (idx.dependents_count: no paths built). */
  async dependentsCount(
    seedDigests: readonly string[],
    seedPackages: readonly string[],
    maxDepth: number,
    maxNodes: number,
  ): Promise<number> {
    const [r] = await this.rows<{ n: number }>(
      'SELECT idx.dependents_count($1::text[], $2::text[], $3, $4) AS n',
      [seedDigests, seedPackages, maxDepth, maxNodes],
    );
    return r?.n ?? 0;
  }

  /**
   * One page of the dependents in (depth, artifact) order after the cursor (idx.dependents_page:
   * searches only as deep as the page needs); depth-0 seeds are skipped.
   */
  async dependentsPage(
    seedDigests: readonly string[],
    seedPackages: readonly string[],
    maxDepth: number,
    limit: number,
    after: { depth: number; artifact: string } | undefined,
    maxNodes: number,
  ): Promise<ReachedModel[]> {
    return this.rows<ReachedModel>(
      `SELECT artifact, depth, path, log_index AS "logIndex"
         FROM idx.dependents_page($1::text[], $2::text[], $3, $4, $5, $6, $7)
        WHERE depth > 0`,
      // No cursor: start after every depth-0 row ('~' sorts after any digest in the C collation).
      [seedDigests, seedPackages, maxDepth, limit, after?.depth ?? 0, after?.artifact ?? '~', maxNodes],
    );
  }

  async dependencies(
    seedDigests: readonly string[],
    maxDepth: number,
    maxNodes: number,
  ): Promise<(ReachedModel & { packageVersion: string | null })[]> {
    return this.rows(
      `SELECT artifact, package_version AS "packageVersion", depth, path, log_index AS "logIndex"
         FROM idx.dependencies($1::text[], $2, $3)`,
      [seedDigests, maxDepth, maxNodes],
    );
  }

  // ---- packages ----------------------------------------------------------------------------

  async packageByPurl(purl: string): Promise<PackageModel | undefined> {
    const [r] = await this.rows<PackageModel>('SELECT purl, type FROM idx.packages WHERE purl = $1', [purl]);
    return r;
  }

  async packageVersions(purl: string, limit: number, after?: string): Promise<PackageVersionModel[]> {
    return this.rows<PackageVersionModel>(
      `SELECT key, version FROM idx.package_versions WHERE package = $1 AND key > $2 ORDER BY key LIMIT $3`,
      [purl, after ?? '', limit],
    );
  }

  async countPackageVersions(purl: string): Promise<number> {
    const [r] = await this.rows<{ n: number }>(
      'SELECT count(*)::int AS n FROM idx.package_versions WHERE package = $1',
      [purl],
    );
    return r?.n ?? 0;
  }

  // ---- new entries (subscriptions) ---------------------------------------------------------

  /** The highest log index indexed so far, -1 when none. */
  async lastIndexed(): Promise<number> {
    const [r] = await this.rows<{ n: number | null }>('SELECT max(log_index) AS n FROM idx.entries', []);
    return r?.n ?? -1;
  }

  /**
   * Entries indexed after `after`, in log order, at most `limit`, with what subscription filters
   * match on: predicate type, every digest they sign or state about, and their signatures.
   */
  async entriesAfter(after: number, limit: number): Promise<NewEntry[]> {
    const entries = await this.rows<Omit<NewEntry, 'signatures'>>(
      `SELECT e.log_index AS "logIndex", e.kind, e.integrated_time AS "integratedTime",
              st.predicate_type AS "predicateType",
              coalesce((SELECT array_agg(x.digest) FROM (
                  SELECT digest FROM idx.signatures s WHERE s.log_index = e.log_index AND s.digest IS NOT NULL
                  UNION
                  SELECT digest FROM idx.statement_subjects ss WHERE ss.log_index = e.log_index) x), '{}') AS digests
         FROM idx.entries e LEFT JOIN idx.statements st ON st.log_index = e.log_index
        WHERE e.log_index > $1 ORDER BY e.log_index LIMIT $2`,
      [after, limit],
    );
    if (entries.length === 0) return [];
    const sigs = await this.rows<NewEntry['signatures'][number]>(
      `SELECT ${SIGNATURE_COLUMNS}, s.key_id AS "keyId", s.identity, s.issuer,
              s.ci_repository AS "ciRepository", s.ci_workflow AS "ciWorkflow"
         FROM idx.signatures s WHERE s.log_index = ANY($1::bigint[]) ORDER BY s.log_index, s.signer_id`,
      [entries.map((e) => e.logIndex)],
    );
    const byEntry = new Map<number, NewEntry['signatures']>();
    for (const s of sigs) byEntry.set(s.logIndex, [...(byEntry.get(s.logIndex) ?? []), s]);
    return entries.map((e) => ({ ...e, signatures: byEntry.get(e.logIndex) ?? [] }));
  }
}

/** A newly indexed entry, for subscriptions. */
export interface NewEntry {
  logIndex: number;
  kind: 'hashedrekord' | 'dsse';
  integratedTime: Date;
  predicateType: string | null;
  digests: string[];
  signatures: (SignatureModel & {
    keyId: string;
    identity: string | null;
    issuer: string | null;
    ciRepository: string | null;
    ciWorkflow: string | null;
  })[];
}

/** Edges out of an artifact ($1): its statements' subjects, its digests, its package versions. */
const DEPENDENCY_EDGES = `WITH d AS (SELECT digest FROM idx.artifacts WHERE artifact = $1),
  e AS (
    SELECT e.* FROM d JOIN idx.statement_subjects ss ON ss.digest = d.digest
      JOIN idx.edges e ON e.log_index = ss.log_index AND e.from_kind = 'subject'
     WHERE e.to_kind IN ('artifact', 'package')
    UNION
    SELECT e.* FROM d JOIN idx.edges e ON e.from_ref = d.digest AND e.from_kind = 'artifact'
     WHERE e.to_kind IN ('artifact', 'package')
    UNION
    SELECT e.* FROM d JOIN idx.artifact_purls p ON p.digest = d.digest
      JOIN idx.edges e ON e.from_ref = p.package_version AND e.from_kind = 'package'
     WHERE e.to_kind IN ('artifact', 'package')
  )`;
