-- Privilege groups and one schema per owning service (least privilege).
-- Groups are NOLOGIN and cluster-wide; each service logs in with its own role (<db>_<service>,
-- created by libs/db/roles.ts) that is a member of the groups it needs:
--   sequencer: attestry_rw_tlog          gateway: attestry_ro_tlog
--   indexer:   attestry_rw_idx + ro_tlog  api:     ro_tlog + ro_idx + ro_mon (read only)
--   monitor:   attestry_rw_mon + ro_tlog
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['attestry_rw_tlog', 'attestry_ro_tlog', 'attestry_rw_idx', 'attestry_ro_idx',
                           'attestry_rw_mon', 'attestry_ro_mon'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
    END IF;
  END LOOP;
END $$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;

CREATE SCHEMA tlog;
COMMENT ON SCHEMA tlog IS 'The transparency log, written only by the sequencer: entries, tiles, checkpoints, consumer offsets.';
GRANT USAGE ON SCHEMA tlog TO attestry_rw_tlog, attestry_ro_tlog;
ALTER DEFAULT PRIVILEGES IN SCHEMA tlog GRANT SELECT ON TABLES TO attestry_ro_tlog;
ALTER DEFAULT PRIVILEGES IN SCHEMA tlog GRANT SELECT, INSERT, UPDATE ON TABLES TO attestry_rw_tlog;
ALTER DEFAULT PRIVILEGES IN SCHEMA tlog GRANT USAGE, SELECT ON SEQUENCES TO attestry_rw_tlog;

CREATE SCHEMA idx;
COMMENT ON SCHEMA idx IS 'The index: a replayable projection of the log (artifacts, signers, packages, edges), written only by the indexer.';
GRANT USAGE ON SCHEMA idx TO attestry_rw_idx, attestry_ro_idx;
ALTER DEFAULT PRIVILEGES IN SCHEMA idx GRANT SELECT ON TABLES TO attestry_ro_idx;
ALTER DEFAULT PRIVILEGES IN SCHEMA idx GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO attestry_rw_idx;
ALTER DEFAULT PRIVILEGES IN SCHEMA idx GRANT USAGE, SELECT ON SEQUENCES TO attestry_rw_idx;

CREATE SCHEMA mon;
COMMENT ON SCHEMA mon IS 'The monitor: verified checkpoints, watch list of keys and identities, written only by the monitor.';
GRANT USAGE ON SCHEMA mon TO attestry_rw_mon, attestry_ro_mon;
ALTER DEFAULT PRIVILEGES IN SCHEMA mon GRANT SELECT ON TABLES TO attestry_ro_mon;
ALTER DEFAULT PRIVILEGES IN SCHEMA mon GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO attestry_rw_mon;
ALTER DEFAULT PRIVILEGES IN SCHEMA mon GRANT USAGE, SELECT ON SEQUENCES TO attestry_rw_mon;
