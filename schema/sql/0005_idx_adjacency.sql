-- Integer adjacency for the transitive questions (docs/design/0004-index.md, "Integer adjacency").
--
-- idx.dependents at the issue's scale spent its time in text joins: per level, edges by
-- (to_ref, to_kind), statement subjects by log index, artifacts by digest, artifact purls by
-- package version, and text arrays for the visited set. This migration adds a node-level adjacency
-- keyed by small integers, a pure function of the facts, so the indexer maintains it with the same
-- INSERT ... ON CONFLICT DO NOTHING as every other fact (idempotent, commutative, no lock):
--
--   idx.node_ids    a number for every digest and package version that a fact names; for a digest,
--                   also the number of its artifact (the representative's digest), kept equal to
--                   idx.artifacts.artifact by the artifact merge (the one derived column, as before);
--   idx.node_edges  (dependency node, dependent node, evidence) for every edge that reaches an
--                   artifact or package version from a subject, artifact or package version: the
--                   edge's `from` expanded to the statement's subject digests;
--   idx.node_purls  (package version node, digest node) for every purl a statement gives a digest.
--
-- Nothing in them is keyed by an artifact: aliases and purls are resolved at query time (one
-- index probe on integers each), so an artifact merge re-points nothing but idx.node_ids.artifact,
-- and a purl or an alias stated after the edges that need it changes no edge row.
-- The traversal functions are rewritten on these tables with the same signatures and results.

-- ---- tables -------------------------------------------------------------------------------------

CREATE SEQUENCE idx.node_id_seq AS integer;
COMMENT ON SEQUENCE idx.node_id_seq IS 'Numbers of idx.node_ids. Internal: no answer depends on them (a rebuild numbers nodes differently).';

CREATE TABLE idx.node_ids (
  ref      text COLLATE "C" NOT NULL,
  id       integer NOT NULL,
  artifact integer,
  CONSTRAINT node_ids_pkey PRIMARY KEY (ref)
);
COMMENT ON TABLE idx.node_ids IS 'A small integer for every identity digest and package version key that facts name, so that idx.node_edges and the traversals work on integers. Entity rows (pure existence, inserted with ON CONFLICT DO NOTHING); the numbers are internal and differ between rebuilds, the rows do not otherwise.';
COMMENT ON COLUMN idx.node_ids.ref IS 'A digest <alg>:<hex> (as idx.artifacts.digest) or a package version key (as idx.package_versions.key).';
COMMENT ON COLUMN idx.node_ids.id IS 'Its number (idx.node_id_seq).';
COMMENT ON COLUMN idx.node_ids.artifact IS 'For a digest: the id of its artifact''s representative digest, i.e. of idx.artifacts.artifact; maintained with it by the artifact merge. NULL for a package version.';

CREATE TABLE idx.node_edges (
  dependency integer NOT NULL,
  dependent  integer NOT NULL,
  log_index  bigint NOT NULL
);
COMMENT ON TABLE idx.node_edges IS 'Dependency edges between nodes (idx.node_ids): an edge of idx.edges from a subject, artifact or package version to an artifact or package version, its subject end expanded to every identity digest of the statement''s subjects. A pure function of the entry (written with the edges, ON CONFLICT DO NOTHING).';
COMMENT ON COLUMN idx.node_edges.dependency IS 'The node depended on (the edge''s to_ref): a digest or a package version.';
COMMENT ON COLUMN idx.node_edges.dependent IS 'The node that depends on it: a subject digest of the statement, or the edge''s from_ref (digest or package version).';
COMMENT ON COLUMN idx.node_edges.log_index IS 'Evidence: the statement that states the edge.';

CREATE TABLE idx.node_purls (
  package integer NOT NULL,
  digest  integer NOT NULL
);
COMMENT ON TABLE idx.node_purls IS 'A statement gives this digest this package version (idx.artifact_purls, as node numbers; the evidence is there): an edge to the package version reaches the digest''s artifact.';
COMMENT ON COLUMN idx.node_purls.package IS 'The package version node (idx.node_ids.id).';
COMMENT ON COLUMN idx.node_purls.digest IS 'The digest node that carries it (idx.node_ids.id).';

-- ---- backfill from the facts already indexed ----------------------------------------------------

-- Every digest and package version the facts name, numbered in ref order; digests first get their
-- own number as artifact, then the representative's.
INSERT INTO idx.node_ids (ref, id, artifact)
SELECT ref, nextval('idx.node_id_seq'), NULL
  FROM (
    SELECT DISTINCT ON (ref) ref FROM (
      SELECT digest AS ref FROM idx.artifacts
      UNION ALL SELECT digest FROM idx.statement_subjects
      UNION ALL SELECT to_ref FROM idx.edges WHERE to_kind IN ('artifact', 'package')
      UNION ALL SELECT from_ref FROM idx.edges WHERE from_kind IN ('artifact', 'package')
      UNION ALL SELECT key FROM idx.package_versions
      UNION ALL SELECT package_version FROM idx.artifact_purls
      UNION ALL SELECT digest FROM idx.artifact_purls
    ) r
    ORDER BY ref
  ) s;
ALTER TABLE idx.node_ids ADD CONSTRAINT node_ids_id UNIQUE (id) INCLUDE (artifact, ref);
UPDATE idx.node_ids n SET artifact = n.id
  WHERE n.ref ~ '^sha(256|384|512):';
UPDATE idx.node_ids n SET artifact = r.id
  FROM idx.artifacts a JOIN idx.node_ids r ON r.ref = a.artifact
 WHERE a.digest = n.ref AND a.artifact <> a.digest;
CREATE INDEX node_ids_artifact ON idx.node_ids (artifact) INCLUDE (id) WHERE artifact IS NOT NULL;

INSERT INTO idx.node_purls (package, digest)
SELECT DISTINCT p.id, d.id
  FROM idx.artifact_purls ap
  JOIN idx.node_ids p ON p.ref = ap.package_version
  JOIN idx.node_ids d ON d.ref = ap.digest;
ALTER TABLE idx.node_purls ADD CONSTRAINT node_purls_pkey PRIMARY KEY (package, digest);
CREATE INDEX node_purls_digest ON idx.node_purls (digest, package);

INSERT INTO idx.node_edges (dependency, dependent, log_index)
SELECT t.id, f.id, e.log_index
  FROM idx.edges e
  JOIN idx.node_ids t ON t.ref = e.to_ref
  JOIN idx.node_ids f ON f.ref = e.from_ref
 WHERE e.to_kind IN ('artifact', 'package') AND e.from_kind IN ('artifact', 'package')
UNION
SELECT t.id, f.id, e.log_index
  FROM idx.edges e
  JOIN idx.node_ids t ON t.ref = e.to_ref
  JOIN idx.statement_subjects s ON s.log_index = e.log_index
  JOIN idx.node_ids f ON f.ref = s.digest
 WHERE e.to_kind IN ('artifact', 'package') AND e.from_kind = 'subject';
ALTER TABLE idx.node_edges ADD CONSTRAINT node_edges_pkey PRIMARY KEY (dependency, dependent, log_index);
-- Forward direction (lineage upstream).
CREATE INDEX node_edges_dependent ON idx.node_edges (dependent, dependency, log_index);
-- Replay and rebuild need the evidence to be found by entry, as for every other fact.
CREATE INDEX node_edges_log_index ON idx.node_edges (log_index);

-- ---- traversals ----------------------------------------------------------------------------------
--
-- One level of the reverse search, shared by the functions below, as SQL text run with EXECUTE
-- (planned with the level's actual arrays). $1: the frontier's artifact numbers, sorted by artifact
-- digest (C collation), so that a frontier position orders parents as the digests do; $2: package
-- version numbers to use as extra targets (the seed packages, on the first level); $3: visited
-- artifact numbers. Returns, per artifact reached that is not visited: its number, its digest, and
-- k = position of its parent * 2^42 + the smallest log index stating the hop from that parent.
-- The parent is the first frontier artifact (smallest digest) that reaches it; position 0 is a seed
-- package. Log indexes are below 2^42 and frontiers below 2^21 artifacts (an overflow is an error,
-- never a wrong answer).

CREATE FUNCTION idx.dependents_level_sql() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $body$ SELECT $q$
  WITH f AS (
    SELECT f.id, f.pos FROM unnest($1::int[]) WITH ORDINALITY AS f(id, pos)
  ), members AS MATERIALIZED (
    -- The frontier's digests (an artifact is every digest whose artifact it is).
    SELECT f.pos, m.id FROM f JOIN idx.node_ids m ON m.artifact = f.id
  ), targets AS (
    SELECT pos, id FROM members
    UNION ALL
    -- ... and the package versions they carry.
    SELECT m.pos, p.package FROM members m JOIN idx.node_purls p ON p.digest = m.id
    UNION ALL
    SELECT 0, s FROM unnest($2::int[]) AS s
  ), hits AS MATERIALIZED (
    SELECT e.dependent, min(t.pos * 4398046511104 + e.log_index) AS k
      FROM targets t JOIN idx.node_edges e ON e.dependency = t.id
     GROUP BY e.dependent
  ), reached AS (
    -- A dependent digest is its artifact; a dependent package version, every artifact carrying it.
    SELECT n.artifact, h.k FROM hits h JOIN idx.node_ids n ON n.id = h.dependent
     WHERE n.artifact IS NOT NULL
    UNION ALL
    SELECT n.artifact, h.k FROM hits h JOIN idx.node_purls p ON p.package = h.dependent
      JOIN idx.node_ids n ON n.id = p.digest
  ), fresh AS (
    SELECT r.artifact, min(r.k) AS k
      FROM reached r LEFT JOIN unnest($3::int[]) AS v(id) ON v.id = r.artifact
     WHERE v.id IS NULL
     GROUP BY r.artifact
  )
  SELECT x.artifact, a.ref, x.k FROM fresh x JOIN idx.node_ids a ON a.id = x.artifact
$q$ $body$;
COMMENT ON FUNCTION idx.dependents_level_sql() IS 'Internal: one level of the reverse breadth-first search of idx.dependents, idx.dependents_page and idx.dependents_count (see 0005_idx_adjacency.sql).';

CREATE OR REPLACE FUNCTION idx.dependents(
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
  level_sql text := idx.dependents_level_sql();
  visited int[];
  frontier int[];
  frontier_paths text[];
  packages int[];
  next_ids int[];
  next_refs text[];
  next_paths text[];
  next_evidence bigint[];
  level integer := 0;
BEGIN
  SELECT coalesce(array_agg(s.id ORDER BY s.ref), '{}'), coalesce(array_agg(s.ref ORDER BY s.ref), '{}')
    INTO frontier, frontier_paths
    FROM (SELECT DISTINCT a.id, a.ref
            FROM idx.node_ids d JOIN idx.node_ids a ON a.id = d.artifact
           WHERE d.ref = ANY (seed_digests)) s;
  SELECT coalesce(array_agg(DISTINCT p.id), '{}') INTO packages
    FROM idx.node_ids p WHERE p.ref = ANY (seed_packages) AND p.artifact IS NULL;
  visited := frontier;
  RETURN QUERY SELECT f, 0, ARRAY[f], NULL::bigint FROM unnest(frontier_paths) AS f;

  WHILE level < max_depth AND (cardinality(frontier) > 0 OR (level = 0 AND cardinality(packages) > 0))
        AND cardinality(visited) < max_nodes LOOP
    level := level + 1;
    EXECUTE format($q$
      WITH lvl AS (%s)
      SELECT coalesce(array_agg(x.artifact ORDER BY x.ref), '{}'), coalesce(array_agg(x.ref ORDER BY x.ref), '{}'),
             coalesce(array_agg(ltrim(coalesce(fp.path, '') || ' ' || x.ref) ORDER BY x.ref), '{}'),
             coalesce(array_agg(x.k & 4398046511103 ORDER BY x.ref), '{}')
        FROM lvl x
        LEFT JOIN unnest($4::text[]) WITH ORDINALITY AS fp(path, pos) ON fp.pos = x.k >> 42
    $q$, level_sql)
    INTO next_ids, next_refs, next_paths, next_evidence
    USING frontier, CASE WHEN level = 1 THEN packages ELSE '{}'::int[] END, visited, frontier_paths;
    EXIT WHEN cardinality(next_ids) = 0;
    RETURN QUERY
      SELECT n.a, level, string_to_array(n.p, ' '), n.l
        FROM unnest(next_refs, next_paths, next_evidence) AS n(a, p, l);
    visited := visited || next_ids;
    frontier := next_ids;
    frontier_paths := next_paths;
  END LOOP;
END;
$fn$;
COMMENT ON FUNCTION idx.dependents(text[], text[], integer, integer) IS
  'Artifacts that depend on the seeds (digests, and package versions by exact purl@version key), directly or transitively through SBOM and provenance edges: breadth-first over idx.node_edges, a visited set (cycles end), a depth and a node bound. Returns the seeds'' artifacts at depth 0, then each dependent once with its depth (artifact hops), a path (artifacts from a seed to it; a package seed is not in the path) and the log index of the statement that states its last hop; the parent is the smallest artifact (C collation) of the previous level that reaches it, the evidence the smallest log index of that hop. Stops after max_depth levels or once max_nodes artifacts are visited.';

CREATE FUNCTION idx.node_bitmap(ids integer[], top integer) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT decode(string_agg(lpad(to_hex(coalesce(x.b, 0)), 2, '0'), '' ORDER BY g.g), 'hex')
    FROM generate_series(0, top / 8) AS g(g)
    LEFT JOIN (SELECT i / 8 AS g, bit_or(1 << (i % 8)) AS b FROM unnest(ids) AS i GROUP BY 1) x ON x.g = g.g
$$;
COMMENT ON FUNCTION idx.node_bitmap(integer[], integer) IS 'Internal: a set of node numbers 0..top as a bytea of bits (get_bit(b, id) = 1 for a member), for O(1) membership tests in idx.dependents_count.';

CREATE FUNCTION idx.dependents_count(
  seed_digests text[],
  seed_packages text[],
  max_depth integer,
  max_nodes integer DEFAULT 1000000
)
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET work_mem = '64MB'
SET jit = off
AS $fn$
DECLARE
  visited int[];
  frontier int[];
  packages int[];
  targets int[];
  next_ids int[];
  artifacts bigint;
  top integer;
  unvisited int[];
  level integer := 0;
  total bigint := 0;
BEGIN
  SELECT coalesce(array_agg(DISTINCT d.artifact), '{}') INTO frontier
    FROM idx.node_ids d WHERE d.ref = ANY (seed_digests) AND d.artifact IS NOT NULL;
  SELECT coalesce(array_agg(DISTINCT p.id), '{}') INTO packages
    FROM idx.node_ids p WHERE p.ref = ANY (seed_packages) AND p.artifact IS NULL;
  visited := frontier;
  WHILE level < max_depth AND (cardinality(frontier) > 0 OR (level = 0 AND cardinality(packages) > 0))
        AND cardinality(visited) < max_nodes LOOP
    level := level + 1;
    -- The nodes an edge may point at to reach the frontier: its digests, the package versions they
    -- carry, and on the first level the seed package versions.
    EXECUTE $q$
      SELECT coalesce(array_agg(t.id), '{}') FROM (
        SELECT m.id FROM unnest($1::int[]) AS f(id) JOIN idx.node_ids m ON m.artifact = f.id
        UNION ALL
        SELECT p.package FROM unnest($1::int[]) AS f(id) JOIN idx.node_ids m ON m.artifact = f.id
          JOIN idx.node_purls p ON p.digest = m.id
        UNION ALL
        SELECT s FROM unnest($2::int[]) AS s
      ) t
    $q$ INTO targets
    USING frontier, CASE WHEN level = 1 THEN packages ELSE '{}'::int[] END;
    IF artifacts IS NULL AND cardinality(targets) > 1000 THEN
      SELECT count(*) INTO artifacts FROM idx.node_ids n WHERE n.artifact = n.id;
      SELECT max(n.id) INTO top FROM idx.node_ids n;
    END IF;
    IF cardinality(targets) > 1000 AND 4 * cardinality(targets) > artifacts - cardinality(visited) THEN
      -- Bottom-up (direction-optimizing breadth-first search): when the frontier is a large part of
      -- what is left, ask of each artifact not visited yet whether one of its dependencies is a
      -- target, stopping at the first; top-down would read every edge of the frontier. Same set.
      -- Target membership is a bit test (a bytea of one bit per node number); the artifacts not
      -- visited yet are listed once, then only shrink.
      IF unvisited IS NULL THEN
        SELECT coalesce(array_agg(n.id), '{}') INTO unvisited
          FROM idx.node_ids n LEFT JOIN unnest(visited) AS v(id) ON v.id = n.id
         WHERE n.artifact = n.id AND v.id IS NULL;
      END IF;
      EXECUTE $q$
        WITH tbits AS MATERIALIZED (SELECT idx.node_bitmap($1::int[], $3) AS b), tested AS (
          SELECT u.id,
                 EXISTS (SELECT 1 FROM idx.node_ids m JOIN idx.node_edges e ON e.dependent = m.id
                          WHERE m.artifact = u.id AND get_bit(t.b, e.dependency) = 1)
                 OR EXISTS (SELECT 1 FROM idx.node_ids m JOIN idx.node_purls p ON p.digest = m.id
                              JOIN idx.node_edges e ON e.dependent = p.package
                             WHERE m.artifact = u.id AND get_bit(t.b, e.dependency) = 1) AS hit
            FROM tbits t, unnest($2::int[]) AS u(id)
        )
        SELECT coalesce(array_agg(id) FILTER (WHERE hit), '{}'), coalesce(array_agg(id) FILTER (WHERE NOT hit), '{}')
          FROM tested
      $q$ INTO next_ids, unvisited
      USING targets, unvisited, top;
    ELSE
      -- Top-down: the distinct dependents of the targets, as artifacts, not visited yet.
      EXECUTE $q$
        WITH hits AS MATERIALIZED (
          SELECT DISTINCT e.dependent FROM unnest($1::int[]) AS t(id) JOIN idx.node_edges e ON e.dependency = t.id
        ), reached AS (
          SELECT n.artifact FROM hits h JOIN idx.node_ids n ON n.id = h.dependent WHERE n.artifact IS NOT NULL
          UNION
          SELECT n.artifact FROM hits h JOIN idx.node_purls p ON p.package = h.dependent
            JOIN idx.node_ids n ON n.id = p.digest
        )
        SELECT coalesce(array_agg(r.artifact), '{}')
          FROM reached r LEFT JOIN unnest($2::int[]) AS v(id) ON v.id = r.artifact
         WHERE v.id IS NULL
      $q$ INTO next_ids
      USING targets, visited;
      IF unvisited IS NOT NULL THEN
        SELECT coalesce(array_agg(u.id), '{}') INTO unvisited
          FROM unnest(unvisited) AS u(id) LEFT JOIN unnest(next_ids) AS x(id) ON x.id = u.id WHERE x.id IS NULL;
      END IF;
    END IF;
    EXIT WHEN cardinality(next_ids) = 0;
    total := total + cardinality(next_ids);
    visited := visited || next_ids;
    frontier := next_ids;
  END LOOP;
  RETURN total;
END;
$fn$;
COMMENT ON FUNCTION idx.dependents_count(text[], text[], integer, integer) IS
  'The number of rows of depth > 0 that idx.dependents returns for the same arguments (the affected count of blastRadius and dependents), computed without parents, paths, evidence or order, and bottom-up on levels whose frontier is a large part of the artifacts not yet visited (direction-optimizing breadth-first search: the same levels, fewer edges read).';

CREATE FUNCTION idx.dependents_page(
  seed_digests text[],
  seed_packages text[],
  max_depth integer,
  first integer,
  after_depth integer DEFAULT NULL,
  after_artifact text DEFAULT NULL,
  max_nodes integer DEFAULT 1000000
)
RETURNS TABLE (artifact text, depth integer, path text[], log_index bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET work_mem = '64MB'
SET jit = off
AS $fn$
DECLARE
  level_sql text := idx.dependents_level_sql();
  visited int[];
  frontier int[];
  frontier_refs text[];
  packages int[];
  -- Every node found so far, in (depth, artifact) order: number and position of its parent
  -- (0: none, a seed or reached from a seed package).
  all_ids int[] := '{}';
  all_parent int[] := '{}';
  frontier_start integer := 1;
  next_ids int[];
  next_refs text[];
  next_parent int[];
  next_evidence bigint[];
  page_pos int[] := '{}';
  page_depth int[] := '{}';
  page_evidence bigint[] := '{}';
  remaining integer := first;
  level integer := 0;
  lo integer;
  i integer;
BEGIN
  IF first IS NULL OR first < 0 THEN
    RAISE EXCEPTION 'first must be a non-negative integer' USING ERRCODE = '22023';
  END IF;
  SELECT coalesce(array_agg(s.id ORDER BY s.ref), '{}'), coalesce(array_agg(s.ref ORDER BY s.ref), '{}')
    INTO frontier, frontier_refs
    FROM (SELECT DISTINCT a.id, a.ref
            FROM idx.node_ids d JOIN idx.node_ids a ON a.id = d.artifact
           WHERE d.ref = ANY (seed_digests)) s;
  SELECT coalesce(array_agg(DISTINCT p.id), '{}') INTO packages
    FROM idx.node_ids p WHERE p.ref = ANY (seed_packages) AND p.artifact IS NULL;
  visited := frontier;
  all_ids := frontier;
  all_parent := array_fill(0, ARRAY[cardinality(frontier)]);
  next_refs := frontier_refs;
  next_evidence := array_fill(NULL::bigint, ARRAY[cardinality(frontier)]);

  LOOP
    -- The nodes of this level (all_ids[frontier_start ..], next_refs, next_evidence) after the cursor.
    IF after_depth IS NULL OR level >= after_depth THEN
      FOR i IN 1 .. cardinality(next_refs) LOOP
        EXIT WHEN remaining <= 0;
        CONTINUE WHEN level = after_depth AND after_artifact IS NOT NULL AND next_refs[i] COLLATE "C" <= after_artifact COLLATE "C";
        page_pos := page_pos || (frontier_start + i - 1);
        page_depth := page_depth || level;
        page_evidence := page_evidence || next_evidence[i];
        remaining := remaining - 1;
      END LOOP;
    END IF;
    EXIT WHEN remaining <= 0 OR level >= max_depth
      OR NOT (cardinality(frontier) > 0 OR (level = 0 AND cardinality(packages) > 0))
      OR cardinality(visited) >= max_nodes;
    level := level + 1;
    EXECUTE format($q$
      WITH lvl AS (%s)
      SELECT coalesce(array_agg(x.artifact ORDER BY x.ref), '{}'), coalesce(array_agg(x.ref ORDER BY x.ref), '{}'),
             coalesce(array_agg((x.k >> 42)::int ORDER BY x.ref), '{}'),
             coalesce(array_agg(x.k & 4398046511103 ORDER BY x.ref), '{}')
        FROM lvl x
    $q$, level_sql)
    INTO next_ids, next_refs, next_parent, next_evidence
    USING frontier, CASE WHEN level = 1 THEN packages ELSE '{}'::int[] END, visited;
    EXIT WHEN cardinality(next_ids) = 0;
    lo := frontier_start - 1;
    frontier_start := cardinality(all_ids) + 1;
    all_ids := all_ids || next_ids;
    -- Parent positions: frontier positions made global (0 stays 0: a seed package).
    all_parent := all_parent || ARRAY(SELECT CASE WHEN p = 0 THEN 0 ELSE lo + p END FROM unnest(next_parent) AS p);
    visited := visited || next_ids;
    frontier := next_ids;
  END LOOP;

  -- Paths of the page's rows: follow parent positions back to depth 0 (or a seed package).
  RETURN QUERY
    WITH RECURSIVE up(n, pos, step) AS (
      SELECT n, pos, 0 FROM unnest(page_pos) WITH ORDINALITY AS p(pos, n)
      UNION ALL
      SELECT u.n, all_parent[u.pos], u.step + 1 FROM up u WHERE all_parent[u.pos] > 0
    ), named AS (
      SELECT u.n, u.pos, u.step, a.ref FROM up u JOIN idx.node_ids a ON a.id = all_ids[u.pos]
    )
    SELECT (array_agg(x.ref ORDER BY x.step))[1], page_depth[x.n], array_agg(x.ref ORDER BY x.step DESC),
           page_evidence[x.n]
      FROM named x
     GROUP BY x.n
     ORDER BY x.n;
END;
$fn$;
COMMENT ON FUNCTION idx.dependents_page(text[], text[], integer, integer, integer, text, integer) IS
  'A page of idx.dependents: its rows in (depth, artifact) order (C collation) after the cursor (after_depth, after_artifact; NULL: from the start; after_artifact NULL with after_depth d: from the start of depth d), at most `first`, each row as idx.dependents gives it (same parent, path and evidence). Runs the search only as deep as the page needs: a first page is cheap even when the whole answer is large (count it with idx.dependents_count).';
