-- Transitive questions over the index, answered inside PostgreSQL (docs/design/0004-index.md):
-- breadth-first searches over idx.edges, two set-based queries per level (never one round trip
-- per node), with a visited set (cycles terminate), a depth bound and a node bound. Read-only
-- (STABLE, no temporary tables), so they also run on a hot-standby replica under the api's
-- read-only role.
--
-- Nodes are artifacts (idx.artifacts.artifact). An edge reaches an artifact through any of its
-- digests (to_kind artifact) or through a package version it carries (to_kind package, matched
-- by exact purl@version in idx.artifact_purls); a package version no artifact carries is still a
-- target (an SBOM that lists log4j by purl only). An edge's `from` is the statement's subjects
-- (from_kind subject), an artifact by digest, or the artifacts carrying a package version.
-- Depth counts artifact hops. A node's parent is the smallest artifact of the previous level
-- that reaches it, its evidence the smallest log index stating that hop: answers are
-- deterministic.
--
-- Each level runs through EXECUTE, so it is planned with the level's actual arrays (a cached
-- generic plan would assume ten-element arrays); edge lookups are forced to be index probes
-- (OFFSET 0), because the planner cannot estimate how many edges point at a set of refs and a
-- misestimate sorts the whole edge table. Measurements: docs/design/0004-index.md.

CREATE FUNCTION idx.dependents(
  seed_digests text[],
  seed_packages text[],
  max_depth integer,
  max_nodes integer DEFAULT 1000000
)
RETURNS TABLE (artifact text, depth integer, path text[], log_index bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET work_mem = '64MB'
SET jit = off
AS $fn$
DECLARE
  visited text[];
  frontier text[];
  frontier_paths text[];
  -- Edges found at a level, one set of arrays per kind of `from` end (no filter on unnest
  -- output, whose selectivity the planner cannot know).
  sub_src text[];
  sub_log bigint[];
  art_src text[];
  art_log bigint[];
  art_ref text[];
  pkg_src text[];
  pkg_log bigint[];
  pkg_ref text[];
  next_artifacts text[];
  next_paths text[];
  next_evidence bigint[];
  level integer := 0;
BEGIN
  SELECT coalesce(array_agg(DISTINCT a.artifact ORDER BY a.artifact), '{}')
    INTO frontier
    FROM idx.artifacts a
   WHERE a.digest = ANY (seed_digests);
  visited := frontier;
  frontier_paths := frontier;
  RETURN QUERY SELECT f, 0, ARRAY[f], NULL::bigint FROM unnest(frontier) AS f;

  WHILE level < max_depth AND (cardinality(frontier) > 0 OR (level = 0 AND cardinality(seed_packages) > 0))
        AND cardinality(visited) < max_nodes LOOP
    level := level + 1;
    -- Edges pointing at the frontier (and, on the first level, at the package versions asked for).
    EXECUTE $q$
      WITH targets AS (
        SELECT d.artifact AS src, 'artifact'::text AS kind, d.digest AS ref
          FROM unnest($1::text[]) AS f(artifact) JOIN idx.artifacts d ON d.artifact = f.artifact
        UNION ALL
        SELECT d.artifact, 'package', p.package_version
          FROM unnest($1::text[]) AS f(artifact) JOIN idx.artifacts d ON d.artifact = f.artifact
          JOIN idx.artifact_purls p ON p.digest = d.digest
        UNION ALL
        SELECT '', 'package', s FROM unnest($2::text[]) AS s
      ), hits AS MATERIALIZED (
        SELECT t.src, e.log_index, e.from_kind, e.from_ref
          FROM targets t
          CROSS JOIN LATERAL (
            SELECT e.log_index, e.from_kind, e.from_ref FROM idx.edges e
             WHERE e.to_ref = t.ref AND e.to_kind = t.kind AND e.from_kind <> 'component'
               AND e.to_kind IN ('artifact', 'package') -- implies edges_to's predicate: the probe can use it
            OFFSET 0
          ) e
      ), subjects AS (
        -- Every hit of a statement leads to the same subjects: keep one per statement, its
        -- smallest source (the parent the search would choose anyway).
        SELECT h.log_index, min(h.src) AS src FROM hits h WHERE h.from_kind = 'subject' GROUP BY h.log_index
      )
      SELECT s.src, s.log_index, o.art_src, o.art_log, o.art_ref, o.pkg_src, o.pkg_log, o.pkg_ref
        FROM (SELECT coalesce(array_agg(src), '{}') AS src, coalesce(array_agg(log_index), '{}') AS log_index
                FROM subjects) s,
             (SELECT coalesce(array_agg(src) FILTER (WHERE from_kind = 'artifact'), '{}') AS art_src,
                     coalesce(array_agg(log_index) FILTER (WHERE from_kind = 'artifact'), '{}') AS art_log,
                     coalesce(array_agg(from_ref) FILTER (WHERE from_kind = 'artifact'), '{}') AS art_ref,
                     coalesce(array_agg(src) FILTER (WHERE from_kind = 'package'), '{}') AS pkg_src,
                     coalesce(array_agg(log_index) FILTER (WHERE from_kind = 'package'), '{}') AS pkg_log,
                     coalesce(array_agg(from_ref) FILTER (WHERE from_kind = 'package'), '{}') AS pkg_ref
                FROM hits WHERE from_kind <> 'subject') o
    $q$ INTO sub_src, sub_log, art_src, art_log, art_ref, pkg_src, pkg_log, pkg_ref
    USING frontier, CASE WHEN level = 1 THEN seed_packages ELSE '{}'::text[] END;
    -- Their `from` ends as artifacts not visited yet: one parent each, with the evidence.
    EXECUTE $q$
      WITH froms AS MATERIALIZED (
        SELECT h.src, h.log_index, a.artifact
          FROM unnest($1::text[], $2::bigint[]) AS h(src, log_index)
          JOIN idx.statement_subjects ss ON ss.log_index = h.log_index
          JOIN idx.artifacts a ON a.digest = ss.digest
        UNION ALL
        SELECT h.src, h.log_index, a.artifact
          FROM unnest($3::text[], $4::bigint[], $5::text[]) AS h(src, log_index, ref)
          JOIN idx.artifacts a ON a.digest = h.ref
        UNION ALL
        SELECT h.src, h.log_index, a.artifact
          FROM unnest($6::text[], $7::bigint[], $8::text[]) AS h(src, log_index, ref)
          JOIN idx.artifact_purls p ON p.package_version = h.ref
          JOIN idx.artifacts a ON a.digest = p.digest
      ), cand AS (
        SELECT fr.artifact, min(fr.src) AS parent
          FROM froms fr
          LEFT JOIN unnest($9::text[]) AS v(artifact) ON v.artifact = fr.artifact
         WHERE v.artifact IS NULL
         GROUP BY fr.artifact
      ), fresh AS (
        SELECT c.artifact, c.parent, min(fr.log_index) AS log_index
          FROM cand c JOIN froms fr ON fr.artifact = c.artifact AND fr.src = c.parent
         GROUP BY c.artifact, c.parent
      )
      SELECT coalesce(array_agg(x.artifact ORDER BY x.artifact), '{}'),
             coalesce(array_agg(ltrim(coalesce(fp.path, '') || ' ' || x.artifact) ORDER BY x.artifact), '{}'),
             coalesce(array_agg(x.log_index ORDER BY x.artifact), '{}')
        FROM fresh x
        LEFT JOIN unnest($10::text[], $11::text[]) AS fp(artifact, path) ON fp.artifact = x.parent
    $q$ INTO next_artifacts, next_paths, next_evidence
    USING sub_src, sub_log, art_src, art_log, art_ref, pkg_src, pkg_log, pkg_ref, visited, frontier, frontier_paths;
    EXIT WHEN cardinality(next_artifacts) = 0;
    RETURN QUERY
      SELECT n.a, level, string_to_array(n.p, ' '), n.l
        FROM unnest(next_artifacts, next_paths, next_evidence) AS n(a, p, l);
    visited := visited || next_artifacts;
    frontier := next_artifacts;
    frontier_paths := next_paths;
  END LOOP;
END;
$fn$;
COMMENT ON FUNCTION idx.dependents(text[], text[], integer, integer) IS
  'Artifacts that depend on the seeds (digests, and package versions by exact purl@version key), directly or transitively through SBOM and provenance edges: breadth-first, a visited set (cycles end), a depth and a node bound. Returns the seeds'' artifacts at depth 0, then each dependent once with its depth (artifact hops), a path (artifacts from a seed to it; a package seed is not in the path) and the log index of the statement that states its last hop. Stops after max_depth levels or once max_nodes artifacts are visited.';

CREATE FUNCTION idx.dependencies(
  seed_digests text[],
  max_depth integer,
  max_nodes integer DEFAULT 1000000
)
RETURNS TABLE (artifact text, package_version text, depth integer, path text[], log_index bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET work_mem = '64MB'
SET jit = off
AS $fn$
DECLARE
  visited text[];
  visited_packages text[] := '{}';
  frontier text[];
  frontier_paths text[];
  out_src text[];
  out_log bigint[];
  out_kind text[];
  out_ref text[];
  leaf_keys text[];
  leaf_paths text[];
  leaf_evidence bigint[];
  next_artifacts text[];
  next_paths text[];
  next_evidence bigint[];
  level integer := 0;
BEGIN
  SELECT coalesce(array_agg(DISTINCT a.artifact ORDER BY a.artifact), '{}')
    INTO frontier
    FROM idx.artifacts a
   WHERE a.digest = ANY (seed_digests);
  visited := frontier;
  frontier_paths := frontier;
  RETURN QUERY SELECT f, NULL::text, 0, ARRAY[f], NULL::bigint FROM unnest(frontier) AS f;

  WHILE level < max_depth AND cardinality(frontier) > 0 AND cardinality(visited) < max_nodes LOOP
    level := level + 1;
    -- Edges from the frontier: as a statement's subject, or named by one of its digests.
    EXECUTE $q$
      WITH digests AS (
        SELECT d.artifact AS src, d.digest
          FROM unnest($1::text[]) AS f(artifact) JOIN idx.artifacts d ON d.artifact = f.artifact
      ), outs AS (
        SELECT x.src, e.log_index, e.to_kind, e.to_ref
          FROM digests x
          JOIN idx.statement_subjects ss ON ss.digest = x.digest
          CROSS JOIN LATERAL (
            SELECT e.log_index, e.to_kind, e.to_ref FROM idx.edges e
             WHERE e.log_index = ss.log_index AND e.from_kind = 'subject' AND e.to_kind IN ('artifact', 'package')
            OFFSET 0
          ) e
        UNION ALL
        SELECT x.src, e.log_index, e.to_kind, e.to_ref
          FROM digests x
          CROSS JOIN LATERAL (
            SELECT e.log_index, e.to_kind, e.to_ref FROM idx.edges e
             WHERE e.from_ref = x.digest AND e.from_kind = 'artifact' AND e.to_kind IN ('artifact', 'package')
            OFFSET 0
          ) e
      )
      SELECT coalesce(array_agg(o.src), '{}'), coalesce(array_agg(o.log_index), '{}'),
             coalesce(array_agg(o.to_kind), '{}'), coalesce(array_agg(o.to_ref), '{}')
        FROM outs o
    $q$ INTO out_src, out_log, out_kind, out_ref
    USING frontier;
    -- Package versions no artifact carries are leaves: reported once, at the first level they appear.
    EXECUTE $q$
      WITH outs AS (
        SELECT ($1::text[])[o.i] AS src, o.log_index, ($4::text[])[o.i] AS to_ref
          FROM unnest($2::bigint[]) WITH ORDINALITY AS o(log_index, i)
         WHERE ($3::text[])[o.i] = 'package'
      ), leaves AS (
        SELECT o.to_ref, min(o.src) AS parent
          FROM outs o
          LEFT JOIN unnest($5::text[]) AS v(key) ON v.key = o.to_ref
         WHERE v.key IS NULL
           AND NOT EXISTS (SELECT 1 FROM idx.artifact_purls p WHERE p.package_version = o.to_ref)
         GROUP BY o.to_ref
      ), fresh AS (
        SELECT l.to_ref, l.parent, min(o.log_index) AS log_index
          FROM leaves l JOIN outs o ON o.to_ref = l.to_ref AND o.src = l.parent
         GROUP BY l.to_ref, l.parent
      )
      SELECT coalesce(array_agg(x.to_ref ORDER BY x.to_ref), '{}'),
             coalesce(array_agg(fp.path ORDER BY x.to_ref), '{}'),
             coalesce(array_agg(x.log_index ORDER BY x.to_ref), '{}')
        FROM fresh x
        JOIN unnest($6::text[], $7::text[]) AS fp(artifact, path) ON fp.artifact = x.parent
    $q$ INTO leaf_keys, leaf_paths, leaf_evidence
    USING out_src, out_log, out_kind, out_ref, visited_packages, frontier, frontier_paths;
    RETURN QUERY
      SELECT NULL::text, n.k, level, string_to_array(n.p, ' '), n.l
        FROM unnest(leaf_keys, leaf_paths, leaf_evidence) AS n(k, p, l);
    visited_packages := visited_packages || leaf_keys;
    -- Their `to` ends as artifacts not visited yet: one parent each, with the evidence.
    EXECUTE $q$
      WITH outs AS (
        SELECT ($1::text[])[o.i] AS src, o.log_index, ($3::text[])[o.i] AS to_kind, ($4::text[])[o.i] AS to_ref
          FROM unnest($2::bigint[]) WITH ORDINALITY AS o(log_index, i)
      ), tos AS MATERIALIZED (
        SELECT o.src, o.log_index, a.artifact
          FROM outs o JOIN idx.artifacts a ON a.digest = o.to_ref
         WHERE o.to_kind = 'artifact'
        UNION ALL
        SELECT o.src, o.log_index, a.artifact
          FROM outs o
          JOIN idx.artifact_purls p ON p.package_version = o.to_ref
          JOIN idx.artifacts a ON a.digest = p.digest
         WHERE o.to_kind = 'package'
      ), cand AS (
        SELECT t.artifact, min(t.src) AS parent
          FROM tos t
          LEFT JOIN unnest($5::text[]) AS v(artifact) ON v.artifact = t.artifact
         WHERE v.artifact IS NULL
         GROUP BY t.artifact
      ), fresh AS (
        SELECT c.artifact, c.parent, min(t.log_index) AS log_index
          FROM cand c JOIN tos t ON t.artifact = c.artifact AND t.src = c.parent
         GROUP BY c.artifact, c.parent
      )
      SELECT coalesce(array_agg(x.artifact ORDER BY x.artifact), '{}'),
             coalesce(array_agg(fp.path || ' ' || x.artifact ORDER BY x.artifact), '{}'),
             coalesce(array_agg(x.log_index ORDER BY x.artifact), '{}')
        FROM fresh x
        JOIN unnest($6::text[], $7::text[]) AS fp(artifact, path) ON fp.artifact = x.parent
    $q$ INTO next_artifacts, next_paths, next_evidence
    USING out_src, out_log, out_kind, out_ref, visited, frontier, frontier_paths;
    EXIT WHEN cardinality(next_artifacts) = 0;
    RETURN QUERY
      SELECT n.a, NULL::text, level, string_to_array(n.p, ' '), n.l
        FROM unnest(next_artifacts, next_paths, next_evidence) AS n(a, p, l);
    visited := visited || next_artifacts;
    frontier := next_artifacts;
    frontier_paths := next_paths;
  END LOOP;
END;
$fn$;
COMMENT ON FUNCTION idx.dependencies(text[], integer, integer) IS
  'What the seeds depend on (lineage upstream): artifacts their SBOMs and provenance name (by digest, or by a purl an artifact carries), transitively, breadth-first with a visited set, a depth and a node bound; package versions no artifact carries are returned as leaves (artifact NULL, package_version set). Depth 0 rows are the seeds'' artifacts; path runs from a seed to the row; log_index is the statement that states the last hop.';
