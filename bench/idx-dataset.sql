-- A synthetic index with the benchmark dataset's shape (issue 6), written straight into a migrated,
-- empty idx schema: no Kafka, no indexer, so that the traversal queries can be measured at scale in
-- minutes. Deterministic (hash-based pseudo-random numbers, no random()): every run builds the same
-- rows. Run through bench/idx-dataset.ts, which migrates the database first and, after this file,
-- fills the adjacency tables of later migrations from these facts.
--
--   1,000,000 entries: log index i, kind by i % 20: 0-15 hashedrekord (80 %), 16-18 SLSA provenance
--   (15 %), 19 CycloneDX SBOM (5 %); 30 s apart.
--   200,000 artifacts, sha256 of 'artifact <a>'; every twentieth also has a sha512 (an alias, both
--   digests the subject of its statement). Each artifact is the subject of exactly one DSSE
--   statement (the j-th DSSE entry is about artifact (j * 7919) % 200000, a bijection).
--   Provenance: 1-20 BUILT_FROM materials, uniformly random artifacts by digest.
--   SBOMs: component counts Pareto (x_m 11, alpha 1.2, capped at 2,000: median ~20, mean ~43);
--   70 % by purl, package version 1 + floor(50000 * u^4) (popular ones first), 30 % by digest.
--   50,000 package versions pkg:npm/p<n>@1.0.0; artifact a < 50,000 carries p<a+1> (its statement
--   names the purl), the others none: most purl edges point at a package version an artifact carries.
--   Signers: 1,000 keys sign round robin; one more key (sha256:<sha256 of 'key special'>) signed
--   the 10,000 hashedrekords i = 100 k + 1, over 10,000 distinct artifacts (19 k) % 200000.
--
-- Not generated (not on the traversal's path): certificates and their CI claims, names, VSAs.

\set ON_ERROR_STOP on
-- Scale (psql -v entries=N, a multiple of 100; default 1,000,000): artifacts are entries / 5 and
-- package versions entries / 20, as above; keys, the special key's share and the distributions
-- stay the same.
\if :{?entries}
\else
  \set entries 1000000
\endif
SELECT (:entries)::bigint / 5 AS artifacts, (:entries)::bigint / 20 AS packages \gset
SET synchronous_commit = off;
SET work_mem = '256MB';
SET maintenance_work_mem = '512MB';

-- u(x, seed): a uniform float in [0, 1) from a 64-bit hash.
CREATE FUNCTION pg_temp.u(x bigint, seed bigint) RETURNS float8
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT ((hashint8extended(x, seed) >> 11) & ((1::bigint << 53) - 1))::float8 / (1::bigint << 53)::float8 $$;

CREATE TEMP TABLE art AS
  SELECT a, 'sha256:' || encode(sha256(convert_to('artifact ' || a, 'UTF8')), 'hex') AS digest,
         CASE WHEN a % 20 = 0 THEN 'sha512:' || encode(sha512(convert_to('artifact ' || a, 'UTF8')), 'hex') END AS digest512
    FROM generate_series(0, :artifacts - 1) AS a;
ALTER TABLE art ADD PRIMARY KEY (a);

CREATE TEMP TABLE ent AS
  SELECT i::bigint AS log_index,
         CASE WHEN i % 20 < 16 THEN 'hashedrekord' WHEN i % 20 < 19 THEN 'provenance' ELSE 'sbom' END AS what,
         CASE WHEN i % 20 >= 16 THEN ((4 * (i / 20) + (i % 20 - 16)) * 7919) % :artifacts END AS subject,
         timestamptz '2024-01-01 00:00:00+00' + i * interval '30 seconds' AS t
    FROM generate_series(0, :entries - 1) AS i;
ALTER TABLE ent ADD PRIMARY KEY (log_index);

INSERT INTO idx.entries (log_index, leaf_hash, kind, integrated_time, attestation_hash, outcome)
SELECT log_index, sha256(int8send(log_index)), CASE WHEN what = 'hashedrekord' THEN 'hashedrekord' ELSE 'dsse' END,
       t, CASE WHEN what = 'hashedrekord' THEN NULL ELSE sha256(int8send(-1 - log_index)) END, 'indexed'
  FROM ent;

INSERT INTO idx.artifacts (digest, algorithm, artifact)
SELECT digest, 'sha256', digest FROM art
UNION ALL
SELECT digest512, 'sha512', digest FROM art WHERE digest512 IS NOT NULL;

INSERT INTO idx.artifact_aliases (digest, alias, log_index)
SELECT x.d, x.o, e.log_index
  FROM ent e JOIN art a ON a.a = e.subject
  CROSS JOIN LATERAL (VALUES (a.digest, a.digest512), (a.digest512, a.digest)) AS x(d, o)
 WHERE a.digest512 IS NOT NULL;

-- ---- packages ---------------------------------------------------------------------------------
INSERT INTO idx.packages (purl, type) SELECT 'pkg:npm/p' || n, 'npm' FROM generate_series(1, :packages) AS n;
INSERT INTO idx.package_versions (key, package, version)
SELECT 'pkg:npm/p' || n || '@1.0.0', 'pkg:npm/p' || n, '1.0.0' FROM generate_series(1, :packages) AS n;
INSERT INTO idx.artifact_purls (digest, purl, package_version, log_index)
SELECT a.digest, 'pkg:npm/p' || (a.a + 1) || '@1.0.0', 'pkg:npm/p' || (a.a + 1) || '@1.0.0', e.log_index
  FROM ent e JOIN art a ON a.a = e.subject
 WHERE a.a < :packages;

-- ---- signers and signatures -------------------------------------------------------------------
INSERT INTO idx.signers (signer_id, kind, key_id, key_algorithm, claims)
SELECT id, 'key', id, 'ecdsa-p256', '{}'::jsonb
  FROM (SELECT 'sha256:' || encode(sha256(convert_to('key ' || k, 'UTF8')), 'hex') AS id FROM generate_series(0, 999) AS k
        UNION ALL SELECT 'sha256:' || encode(sha256(convert_to('key special', 'UTF8')), 'hex')) s;

INSERT INTO idx.signatures (log_index, signer_id, digest, integrated_time, kind, key_id)
SELECT e.log_index, k.id, s.digest, e.t, 'key', k.id
  FROM ent e
  CROSS JOIN LATERAL (SELECT CASE WHEN e.log_index % 100 = 1 THEN 'special' ELSE (e.log_index % 1000)::text END AS k) kk
  CROSS JOIN LATERAL (SELECT 'sha256:' || encode(sha256(convert_to('key ' || kk.k, 'UTF8')), 'hex') AS id) k
  LEFT JOIN LATERAL (
    SELECT a.digest FROM art a
     WHERE e.what = 'hashedrekord'
       AND a.a = CASE WHEN e.log_index % 100 = 1 THEN ((e.log_index / 100) * 19) % :artifacts
                      ELSE floor(pg_temp.u(e.log_index, 1) * :artifacts)::int END
  ) s ON true;

-- ---- statements and subjects --------------------------------------------------------------------
INSERT INTO idx.statements (log_index, statement_type, predicate_type, predicate_kind, integrated_time,
  attestation_hash, subjects)
SELECT e.log_index, 'https://in-toto.io/Statement/v1',
       CASE WHEN e.what = 'provenance' THEN 'https://slsa.dev/provenance/v1' ELSE 'https://cyclonedx.org/bom' END,
       CASE WHEN e.what = 'provenance' THEN 'slsa-provenance' ELSE 'cyclonedx' END,
       e.t, sha256(int8send(-1 - e.log_index)),
       jsonb_build_array(jsonb_build_object('name', 'artifact ' || a.a,
         'digest', jsonb_strip_nulls(jsonb_build_object('sha256', substr(a.digest, 8), 'sha512', substr(a.digest512, 8)))))
  FROM ent e JOIN art a ON a.a = e.subject;

INSERT INTO idx.statement_subjects (log_index, digest)
SELECT e.log_index, d FROM ent e JOIN art a ON a.a = e.subject
 CROSS JOIN LATERAL unnest(ARRAY[a.digest, a.digest512]) AS d
 WHERE d IS NOT NULL;

-- ---- provenance ---------------------------------------------------------------------------------
INSERT INTO idx.provenance (log_index, slsa_version, builder_id, build_type)
SELECT log_index, '1', 'https://github.com/actions/runner/github-hosted', 'https://example.com/build/v1'
  FROM ent WHERE what = 'provenance';

CREATE TEMP TABLE mat AS
  SELECT e.log_index, m.ordinal, floor(pg_temp.u(e.log_index * 32 + m.ordinal, 3) * :artifacts)::int AS target
    FROM ent e
    CROSS JOIN LATERAL generate_series(0, floor(pg_temp.u(e.log_index, 2) * 20)::int) AS m(ordinal)
   WHERE e.what = 'provenance';

INSERT INTO idx.provenance_materials (log_index, ordinal, uri, digest, digests)
SELECT m.log_index, m.ordinal, 'oci://example/artifact-' || m.target, a.digest,
       jsonb_build_object('sha256', substr(a.digest, 8))
  FROM mat m JOIN art a ON a.a = m.target;

INSERT INTO idx.edges (log_index, ordinal, from_kind, from_ref, to_kind, to_ref, relationship, scope, source)
SELECT m.log_index, m.ordinal, 'subject', NULL, 'artifact', a.digest, 'BUILT_FROM', NULL, 'provenance'
  FROM mat m JOIN art a ON a.a = m.target;

-- ---- SBOMs --------------------------------------------------------------------------------------
CREATE TEMP TABLE comp AS
  WITH raw AS (
    SELECT e.log_index, c.n,
           pg_temp.u(e.log_index * 4096 + c.n, 5) < 0.7 AS by_purl,
           1 + floor(:packages * power(pg_temp.u(e.log_index * 4096 + c.n, 6), 4))::int AS pv,
           floor(pg_temp.u(e.log_index * 4096 + c.n, 7) * :artifacts)::int AS target
      FROM ent e
      CROSS JOIN LATERAL generate_series(
        0, least(2000, floor(11 / power(1 - pg_temp.u(e.log_index, 4), 1 / 1.2)))::int - 1) AS c(n)
     WHERE e.what = 'sbom'
  ), refs AS (
    SELECT DISTINCT ON (r.log_index, ref) r.log_index, r.n, r.by_purl, r.pv, r.target,
           CASE WHEN r.by_purl THEN 'pkg:npm/p' || r.pv || '@1.0.0' ELSE a.digest END AS ref
      FROM raw r JOIN art a ON a.a = r.target
     ORDER BY r.log_index, ref, r.n
  )
  SELECT log_index, (row_number() OVER (PARTITION BY log_index ORDER BY n) - 1)::int AS ordinal, by_purl, pv, target, ref
    FROM refs;

INSERT INTO idx.sboms (log_index, format, spec_version, component_count)
SELECT log_index, 'cyclonedx', '1.5', count(*) FROM comp GROUP BY log_index;

INSERT INTO idx.sbom_components (log_index, ref, name, version, type, purl, package_version, digest, digests,
  scope, is_root)
SELECT c.log_index, 'c' || c.ordinal,
       CASE WHEN c.by_purl THEN 'p' || c.pv ELSE 'artifact ' || c.target END,
       CASE WHEN c.by_purl THEN '1.0.0' END, 'library',
       CASE WHEN c.by_purl THEN c.ref END, CASE WHEN c.by_purl THEN c.ref END,
       CASE WHEN NOT c.by_purl THEN c.ref END,
       CASE WHEN c.by_purl THEN '{}'::jsonb ELSE jsonb_build_object('sha256', substr(c.ref, 8)) END,
       NULL, false
  FROM comp c;

INSERT INTO idx.edges (log_index, ordinal, from_kind, from_ref, to_kind, to_ref, relationship, scope, source)
SELECT c.log_index, c.ordinal, 'subject', NULL, CASE WHEN c.by_purl THEN 'package' ELSE 'artifact' END, c.ref,
       'INCLUDES', NULL, 'sbom'
  FROM comp c;

-- (bench/idx-dataset.ts vacuums and analyzes idx after the later migrations.)
