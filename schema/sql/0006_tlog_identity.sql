-- The log's identity, recorded by its first sequencer: the origin and the two public keys every
-- checkpoint and signed entry timestamp is signed with. A sequencer with other keys or another
-- origin refuses to append (LOG_KEY_MISMATCH), and the gateway and the api read the log id here,
-- so the log's private keys live only where the sequencer runs.

CREATE TABLE tlog.log_identity (
  singleton    boolean PRIMARY KEY DEFAULT true,
  origin       text NOT NULL,
  log_id       text NOT NULL,
  ed25519_spki bytea NOT NULL,
  ecdsa_spki   bytea NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT log_identity_one_row CHECK (singleton),
  CONSTRAINT log_identity_log_id CHECK (log_id ~ '^[0-9a-f]{64}$')
);
COMMENT ON TABLE tlog.log_identity IS 'The log''s identity (one row, written once by the first sequencer, never updated): origin and public keys.';
COMMENT ON COLUMN tlog.log_identity.singleton IS 'Always true: the table holds at most one row.';
COMMENT ON COLUMN tlog.log_identity.origin IS 'Checkpoint origin line and note key name (LOG_ORIGIN).';
COMMENT ON COLUMN tlog.log_identity.log_id IS 'Rekor v1 log id: hex SHA-256 of the ECDSA key''s DER SPKI.';
COMMENT ON COLUMN tlog.log_identity.ed25519_spki IS 'DER SubjectPublicKeyInfo of the Ed25519 checkpoint key.';
COMMENT ON COLUMN tlog.log_identity.ecdsa_spki IS 'DER SubjectPublicKeyInfo of the ECDSA P-256 key (checkpoints and signed entry timestamps).';
COMMENT ON COLUMN tlog.log_identity.recorded_at IS 'When the first sequencer recorded it.';
