-- The transparency log (schema tlog), written only by the active sequencer, one transaction per
-- batch: entries, tiles, tree head, checkpoint and consumer offsets commit together.

CREATE TABLE tlog.entries (
  log_index        bigint PRIMARY KEY,
  leaf_hash        bytea NOT NULL UNIQUE,
  kind             text NOT NULL,
  body             bytea NOT NULL,
  integrated_time  bigint NOT NULL,
  set_signature    bytea NOT NULL,
  attestation_hash bytea,
  CONSTRAINT entries_leaf_hash_len CHECK (octet_length(leaf_hash) = 32),
  CONSTRAINT entries_body_fits_bundle CHECK (octet_length(body) BETWEEN 1 AND 65535),
  CONSTRAINT entries_kind CHECK (kind IN ('hashedrekord', 'dsse'))
);
COMMENT ON TABLE tlog.entries IS 'Every log entry, dense indexes from 0; also the outbox the relay publishes to attestry.entries.';
COMMENT ON COLUMN tlog.entries.log_index IS 'Position in the log (0-based, dense, never reused).';
COMMENT ON COLUMN tlog.entries.leaf_hash IS 'RFC 6962 leaf hash SHA-256(0x00 || body): the entry id; unique, so a submission is logged once.';
COMMENT ON COLUMN tlog.entries.kind IS 'Rekor v1 entry kind of the body: hashedrekord (0.0.1) or dsse (0.0.1).';
COMMENT ON COLUMN tlog.entries.body IS 'The canonical (RFC 8785) Rekor v1 entry body: the bytes the leaf hash commits to.';
COMMENT ON COLUMN tlog.entries.integrated_time IS 'When the log accepted the entry, Unix seconds (covered by the signed entry timestamp).';
COMMENT ON COLUMN tlog.entries.set_signature IS 'Signed entry timestamp: ECDSA P-256 (DER) over canonical JSON {body, integratedTime, logID, logIndex}.';
COMMENT ON COLUMN tlog.entries.attestation_hash IS 'SHA-256 of the stored attestation (tlog.attestations) this entry commits to, if any.';
CREATE INDEX entries_integrated_time ON tlog.entries (integrated_time);

CREATE TABLE tlog.attestations (
  hash       bytea PRIMARY KEY,
  media_type text NOT NULL,
  content    bytea NOT NULL,
  CONSTRAINT attestations_hash_len CHECK (octet_length(hash) = 32)
);
COMMENT ON TABLE tlog.attestations IS 'Attestations (DSSE envelopes with their payload) stored content-addressed beside the log; entries commit to their hashes.';
COMMENT ON COLUMN tlog.attestations.hash IS 'SHA-256 of content.';
COMMENT ON COLUMN tlog.attestations.media_type IS 'Media type of content, e.g. application/vnd.dsse.envelope.v1+json.';
COMMENT ON COLUMN tlog.attestations.content IS 'The attestation bytes exactly as hashed.';

CREATE TABLE tlog.tiles (
  level  smallint NOT NULL,
  idx    bigint NOT NULL,
  width  smallint NOT NULL,
  hashes bytea NOT NULL,
  PRIMARY KEY (level, idx),
  CONSTRAINT tiles_width CHECK (width BETWEEN 1 AND 256),
  CONSTRAINT tiles_hashes_len CHECK (octet_length(hashes) = 32 * width)
);
COMMENT ON TABLE tlog.tiles IS 'C2SP tlog-tiles hash tiles (height 8). A partial tile grows in place; a partial tile of width W is the prefix of its later self.';
COMMENT ON COLUMN tlog.tiles.level IS 'Tile level L (holds Merkle nodes of level 8L).';
COMMENT ON COLUMN tlog.tiles.idx IS 'Tile index N at its level.';
COMMENT ON COLUMN tlog.tiles.width IS 'Number of hashes the tile holds (256 = full, immutable).';
COMMENT ON COLUMN tlog.tiles.hashes IS 'Concatenated 32-byte hashes.';

CREATE TABLE tlog.tree_head (
  id         smallint PRIMARY KEY DEFAULT 1,
  tree_size  bigint NOT NULL,
  root_hash  bytea NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tree_head_singleton CHECK (id = 1)
);
COMMENT ON TABLE tlog.tree_head IS 'The current tree size and root (one row), advanced in the batch transaction.';
COMMENT ON COLUMN tlog.tree_head.tree_size IS 'Number of entries in the log.';
COMMENT ON COLUMN tlog.tree_head.root_hash IS 'RFC 6962 root hash at tree_size.';
COMMENT ON COLUMN tlog.tree_head.updated_at IS 'When the last batch committed.';
INSERT INTO tlog.tree_head (id, tree_size, root_hash) VALUES (1, 0, sha256(''::bytea));

CREATE TABLE tlog.checkpoints (
  tree_size  bigint PRIMARY KEY,
  root_hash  bytea NOT NULL,
  note       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE tlog.checkpoints IS 'Every signed checkpoint (C2SP tlog-checkpoint in a signed note with Ed25519 and ECDSA signatures), one per batch.';
COMMENT ON COLUMN tlog.checkpoints.tree_size IS 'Tree size the checkpoint commits to.';
COMMENT ON COLUMN tlog.checkpoints.root_hash IS 'Root hash at tree_size.';
COMMENT ON COLUMN tlog.checkpoints.note IS 'The signed note, verbatim.';
COMMENT ON COLUMN tlog.checkpoints.created_at IS 'When it was written (clock time inside the batch transaction, just before commit).';

CREATE TABLE tlog.consumer_offsets (
  consumer    text NOT NULL,
  topic       text NOT NULL,
  partition   integer NOT NULL,
  next_offset bigint NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, topic, partition)
);
COMMENT ON TABLE tlog.consumer_offsets IS 'Kafka offsets of the sequencer, committed in the batch transaction (exactly-once effect); advanced only from their stored value.';
COMMENT ON COLUMN tlog.consumer_offsets.consumer IS 'Consumer group id.';
COMMENT ON COLUMN tlog.consumer_offsets.topic IS 'Kafka topic.';
COMMENT ON COLUMN tlog.consumer_offsets.partition IS 'Kafka partition.';
COMMENT ON COLUMN tlog.consumer_offsets.next_offset IS 'The next offset to read.';
COMMENT ON COLUMN tlog.consumer_offsets.updated_at IS 'When it last advanced.';

CREATE TABLE tlog.relay_positions (
  stream     text PRIMARY KEY,
  next_value bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE tlog.relay_positions IS 'How far the outbox relay has published: next log index for attestry.entries, next tree size for attestry.checkpoints.';
COMMENT ON COLUMN tlog.relay_positions.stream IS 'entries or checkpoints.';
COMMENT ON COLUMN tlog.relay_positions.next_value IS 'First log index (or checkpoint tree size above which) not yet published.';
COMMENT ON COLUMN tlog.relay_positions.updated_at IS 'When it last advanced.';
INSERT INTO tlog.relay_positions (stream, next_value) VALUES ('entries', 0), ('checkpoints', 0);

CREATE TABLE tlog.leader (
  id           smallint PRIMARY KEY DEFAULT 1,
  epoch        bigint NOT NULL,
  holder       text NOT NULL,
  backend_pid  integer,
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT leader_singleton CHECK (id = 1)
);
COMMENT ON TABLE tlog.leader IS 'Fencing for the single active sequencer: a new leader bumps epoch; a batch commits only under its own epoch.';
COMMENT ON COLUMN tlog.leader.epoch IS 'Incremented by each new leader.';
COMMENT ON COLUMN tlog.leader.holder IS 'Host and pid of the leader, for operators.';
COMMENT ON COLUMN tlog.leader.backend_pid IS 'PostgreSQL backend pid of the leader''s locked session (a standby terminates it when the lease lapses).';
COMMENT ON COLUMN tlog.leader.heartbeat_at IS 'Last heartbeat of the leader; older than the lease means the leader is gone or stopped.';
INSERT INTO tlog.leader (id, epoch, holder) VALUES (1, 0, 'none');
