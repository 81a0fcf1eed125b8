/**
 * SQL for the tlog schema: named queries with $n parameters, one typed mapper each.
 * Writes run inside the sequencer's batch transaction on its leader connection; reads (gateway,
 * api, relay) run on their own pools, never inside the write transaction.
 */
import { AttestryError } from '../core/index.js';
import type { Pool, PoolClient } from './pool.js';
import { offsetStore } from './offsets.js';

type Db = Pool | PoolClient;

export interface StoredTile {
  level: number;
  index: number;
  width: number;
  hashes: Buffer;
}

export interface StoredEntry {
  logIndex: number;
  leafHash: Buffer;
  kind: 'hashedrekord' | 'dsse';
  body: Buffer;
  integratedTime: number;
  setSignature: Buffer;
  attestationHash: Buffer | null;
}

export interface StoredAttestation {
  hash: Buffer;
  mediaType: string;
  content: Buffer;
}

export interface StoredCheckpoint {
  treeSize: number;
  rootHash: Buffer;
  note: string;
  createdAt: Date;
}

export interface TreeHead {
  treeSize: number;
  rootHash: Buffer;
}

// ---- leadership and fencing -------------------------------------------------------------

/** Arbitrary constant naming the sequencer's session advisory lock. */
export const SEQUENCER_LOCK_KEY = 7406114152;

const Q_TRY_LOCK = 'SELECT pg_try_advisory_lock($1) AS locked';
const Q_TAKE_LEADERSHIP = `
  UPDATE tlog.leader SET epoch = epoch + 1, holder = $1, backend_pid = pg_backend_pid(), heartbeat_at = now()
   WHERE id = 1 RETURNING epoch`;
const Q_HEARTBEAT = 'UPDATE tlog.leader SET heartbeat_at = now() WHERE id = 1 AND epoch = $1';
const Q_LEADER = `
  SELECT epoch, holder, backend_pid, extract(epoch FROM now() - heartbeat_at) * 1000 AS silent_ms FROM tlog.leader WHERE id = 1`;
const Q_TERMINATE = 'SELECT pg_terminate_backend($1) AS terminated';
const Q_CHECK_EPOCH = 'SELECT epoch FROM tlog.leader WHERE id = 1 FOR UPDATE';

export async function tryAdvisoryLock(client: PoolClient): Promise<boolean> {
  return (await client.query<{ locked: boolean }>(Q_TRY_LOCK, [SEQUENCER_LOCK_KEY])).rows[0]?.locked === true;
}

/** Called by the new leader once it holds the lock: bumps the epoch, records its backend pid. */
export async function takeLeadership(client: PoolClient, holder: string): Promise<number> {
  const row = (await client.query<{ epoch: number }>(Q_TAKE_LEADERSHIP, [holder])).rows[0];
  if (!row) throw new Error('tlog.leader row is missing: run the migrations');
  return row.epoch;
}

/** False when another leader took over (our epoch is gone). */
export async function heartbeat(client: PoolClient, epoch: number): Promise<boolean> {
  return (await client.query(Q_HEARTBEAT, [epoch])).rowCount === 1;
}

export interface LeaderInfo {
  epoch: number;
  holder: string;
  backendPid: number | null;
  silentMs: number;
}

export async function readLeader(db: Db): Promise<LeaderInfo> {
  const r = (
    await db.query<{ epoch: number; holder: string; backend_pid: number | null; silent_ms: string }>(Q_LEADER)
  ).rows[0];
  if (!r) throw new Error('tlog.leader row is missing: run the migrations');
  return { epoch: r.epoch, holder: r.holder, backendPid: r.backend_pid, silentMs: Number(r.silent_ms) };
}

/** Ends a stale leader's session so its advisory lock is released (same role: allowed). */
export async function terminateBackend(db: Db, pid: number): Promise<boolean> {
  return (await db.query<{ terminated: boolean }>(Q_TERMINATE, [pid])).rows[0]?.terminated === true;
}

/** Inside the batch transaction: the current epoch, row-locked until commit. */
export async function lockEpoch(client: PoolClient): Promise<number> {
  const r = (await client.query<{ epoch: number }>(Q_CHECK_EPOCH)).rows[0];
  return r?.epoch ?? -1;
}

// ---- consumer offsets (exactly-once effect) -----------------------------------------------

const offsets = offsetStore('tlog.consumer_offsets');
export const loadOffsets = offsets.load;
export const lockOffset = offsets.lock;
export const advanceOffset = offsets.advance;
export const advanceAndCommit = offsets.advanceAndCommit;

// ---- the tree ------------------------------------------------------------------------------

const Q_HEAD_FOR_UPDATE = 'SELECT tree_size, root_hash FROM tlog.tree_head WHERE id = 1 FOR UPDATE';
const Q_HEAD = 'SELECT tree_size, root_hash FROM tlog.tree_head WHERE id = 1';
const Q_SET_HEAD =
  'UPDATE tlog.tree_head SET tree_size = $2, root_hash = $3, updated_at = now() WHERE id = 1 AND tree_size = $1';
const Q_EXISTING_LEAVES = 'SELECT leaf_hash, log_index FROM tlog.entries WHERE leaf_hash = ANY($1::bytea[])';
const Q_TILES = `
  SELECT t.level, t.idx, t.width, t.hashes
    FROM unnest($1::smallint[], $2::bigint[]) AS k(level, idx)
    JOIN tlog.tiles t ON t.level = k.level AND t.idx = k.idx`;
const Q_UPSERT_TILES = `
  INSERT INTO tlog.tiles (level, idx, width, hashes)
  SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::smallint[], $4::bytea[])
  ON CONFLICT (level, idx) DO UPDATE SET width = EXCLUDED.width, hashes = EXCLUDED.hashes
   WHERE tlog.tiles.width < EXCLUDED.width`;
const Q_INSERT_ENTRIES = `
  INSERT INTO tlog.entries (log_index, leaf_hash, kind, body, integrated_time, set_signature, attestation_hash)
  SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::text[], $4::bytea[], $5::bigint[], $6::bytea[], $7::bytea[])`;
const Q_INSERT_ATTESTATIONS = `
  INSERT INTO tlog.attestations (hash, media_type, content)
  SELECT * FROM unnest($1::bytea[], $2::text[], $3::bytea[])
  ON CONFLICT (hash) DO NOTHING`;
const Q_INSERT_CHECKPOINT =
  'INSERT INTO tlog.checkpoints (tree_size, root_hash, note) VALUES ($1, $2, $3) ON CONFLICT (tree_size) DO NOTHING';

function toHead(r: { tree_size: number; root_hash: Buffer } | undefined): TreeHead {
  if (!r) throw new Error('tlog.tree_head row is missing: run the migrations');
  return { treeSize: r.tree_size, rootHash: r.root_hash };
}

export async function lockTreeHead(client: PoolClient): Promise<TreeHead> {
  return toHead((await client.query<{ tree_size: number; root_hash: Buffer }>(Q_HEAD_FOR_UPDATE)).rows[0]);
}

export async function readTreeHead(db: Db): Promise<TreeHead> {
  return toHead((await db.query<{ tree_size: number; root_hash: Buffer }>(Q_HEAD)).rows[0]);
}

export async function setTreeHead(client: PoolClient, fromSize: number, head: TreeHead): Promise<boolean> {
  return (await client.query(Q_SET_HEAD, [fromSize, head.treeSize, head.rootHash])).rowCount === 1;
}

/** Map from hex leaf hash to the existing entry's log index. */
export async function existingLeaves(db: Db, leafHashes: Buffer[]): Promise<Map<string, number>> {
  if (leafHashes.length === 0) return new Map();
  const rows = (await db.query<{ leaf_hash: Buffer; log_index: number }>(Q_EXISTING_LEAVES, [leafHashes]))
    .rows;
  return new Map(rows.map((r) => [r.leaf_hash.toString('hex'), r.log_index]));
}

export async function readTiles(
  db: Db,
  coords: Array<{ level: number; index: number }>,
): Promise<StoredTile[]> {
  if (coords.length === 0) return [];
  const rows = (
    await db.query<{ level: number; idx: number; width: number; hashes: Buffer }>(Q_TILES, [
      coords.map((c) => c.level),
      coords.map((c) => c.index),
    ])
  ).rows;
  return rows.map((r) => ({ level: r.level, index: r.idx, width: r.width, hashes: r.hashes }));
}

/** Upserts tiles; a stored tile only ever grows (a partial tile is a prefix of its later self). */
export async function writeTiles(client: PoolClient, tiles: StoredTile[]): Promise<void> {
  if (tiles.length === 0) return;
  await client.query(Q_UPSERT_TILES, [
    tiles.map((t) => t.level),
    tiles.map((t) => t.index),
    tiles.map((t) => t.width),
    tiles.map((t) => t.hashes),
  ]);
}

export async function insertEntries(client: PoolClient, entries: StoredEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await client.query(Q_INSERT_ENTRIES, [
    entries.map((e) => e.logIndex),
    entries.map((e) => e.leafHash),
    entries.map((e) => e.kind),
    entries.map((e) => e.body),
    entries.map((e) => e.integratedTime),
    entries.map((e) => e.setSignature),
    entries.map((e) => e.attestationHash),
  ]);
}

export async function insertAttestations(
  client: PoolClient,
  attestations: StoredAttestation[],
): Promise<void> {
  if (attestations.length === 0) return;
  await client.query(Q_INSERT_ATTESTATIONS, [
    attestations.map((a) => a.hash),
    attestations.map((a) => a.mediaType),
    attestations.map((a) => a.content),
  ]);
}

export async function insertCheckpoint(
  client: PoolClient,
  treeSize: number,
  rootHash: Buffer,
  note: string,
): Promise<void> {
  await client.query(Q_INSERT_CHECKPOINT, [treeSize, rootHash, note]);
}

// ---- reads ---------------------------------------------------------------------------------

const ENTRY_COLUMNS = 'log_index, leaf_hash, kind, body, integrated_time, set_signature, attestation_hash';
const Q_ENTRIES_RANGE = `SELECT ${ENTRY_COLUMNS} FROM tlog.entries WHERE log_index >= $1 AND log_index < $2 ORDER BY log_index`;
const Q_ENTRY_BY_INDEX = `SELECT ${ENTRY_COLUMNS} FROM tlog.entries WHERE log_index = $1`;
const Q_ENTRIES_BY_INDEXES = `SELECT ${ENTRY_COLUMNS} FROM tlog.entries WHERE log_index = ANY($1::bigint[])`;
const Q_ENTRY_BY_LEAF = `SELECT ${ENTRY_COLUMNS} FROM tlog.entries WHERE leaf_hash = $1`;
const Q_ENTRIES_BY_LEAVES = `SELECT ${ENTRY_COLUMNS} FROM tlog.entries WHERE leaf_hash = ANY($1::bytea[])`;
const Q_BODIES_RANGE =
  'SELECT body FROM tlog.entries WHERE log_index >= $1 AND log_index < $2 ORDER BY log_index';
const Q_LATEST_CHECKPOINT =
  'SELECT tree_size, root_hash, note, created_at FROM tlog.checkpoints ORDER BY tree_size DESC LIMIT 1';
const Q_CHECKPOINT_AT =
  'SELECT tree_size, root_hash, note, created_at FROM tlog.checkpoints WHERE tree_size = $1';
const Q_CHECKPOINTS_AFTER =
  'SELECT tree_size, root_hash, note, created_at FROM tlog.checkpoints WHERE tree_size > $1 ORDER BY tree_size LIMIT $2';
const Q_ATTESTATION = 'SELECT hash, media_type, content FROM tlog.attestations WHERE hash = $1';
const Q_ATTESTATIONS =
  'SELECT hash, media_type, content FROM tlog.attestations WHERE hash = ANY($1::bytea[])';

interface EntryRow {
  log_index: number;
  leaf_hash: Buffer;
  kind: 'hashedrekord' | 'dsse';
  body: Buffer;
  integrated_time: number;
  set_signature: Buffer;
  attestation_hash: Buffer | null;
}

function toEntry(r: EntryRow): StoredEntry {
  return {
    logIndex: r.log_index,
    leafHash: r.leaf_hash,
    kind: r.kind,
    body: r.body,
    integratedTime: r.integrated_time,
    setSignature: r.set_signature,
    attestationHash: r.attestation_hash,
  };
}

interface CheckpointRow {
  tree_size: number;
  root_hash: Buffer;
  note: string;
  created_at: Date;
}

function toCheckpoint(r: CheckpointRow): StoredCheckpoint {
  return { treeSize: r.tree_size, rootHash: r.root_hash, note: r.note, createdAt: r.created_at };
}

export async function readEntries(db: Db, start: number, end: number): Promise<StoredEntry[]> {
  return (await db.query<EntryRow>(Q_ENTRIES_RANGE, [start, end])).rows.map(toEntry);
}

export async function readEntryBodies(db: Db, start: number, end: number): Promise<Buffer[]> {
  return (await db.query<{ body: Buffer }>(Q_BODIES_RANGE, [start, end])).rows.map((r) => r.body);
}

export async function readEntryByIndex(db: Db, logIndex: number): Promise<StoredEntry | undefined> {
  const r = (await db.query<EntryRow>(Q_ENTRY_BY_INDEX, [logIndex])).rows[0];
  return r ? toEntry(r) : undefined;
}

/** Entries by log index, in no particular order; indexes beyond the log are absent. */
export async function readEntriesByIndexes(db: Db, logIndexes: readonly number[]): Promise<StoredEntry[]> {
  if (logIndexes.length === 0) return [];
  return (await db.query<EntryRow>(Q_ENTRIES_BY_INDEXES, [logIndexes])).rows.map(toEntry);
}

export async function readEntryByLeafHash(db: Db, leafHash: Buffer): Promise<StoredEntry | undefined> {
  const r = (await db.query<EntryRow>(Q_ENTRY_BY_LEAF, [leafHash])).rows[0];
  return r ? toEntry(r) : undefined;
}

export async function readEntriesByLeafHashes(db: Db, leafHashes: Buffer[]): Promise<StoredEntry[]> {
  if (leafHashes.length === 0) return [];
  return (await db.query<EntryRow>(Q_ENTRIES_BY_LEAVES, [leafHashes])).rows.map(toEntry);
}

const Q_ENTRIES_BY_LEAVES_WITH_CHECKPOINT = `
  SELECT ${ENTRY_COLUMNS}, cp.tree_size AS cp_tree_size, cp.root_hash AS cp_root_hash, cp.note AS cp_note,
         cp.created_at AS cp_created_at
    FROM tlog.entries
   CROSS JOIN LATERAL (
     SELECT tree_size, root_hash, note, created_at FROM tlog.checkpoints ORDER BY tree_size DESC LIMIT 1
   ) cp
   WHERE leaf_hash = ANY($1::bytea[])`;

/**
 * Entries by leaf hash with the latest checkpoint, read in one statement (one snapshot): entries
 * commit with a checkpoint covering them, so the checkpoint covers every entry returned. The
 * checkpoint is undefined when no entry is found.
 */
export async function readEntriesByLeafHashesWithCheckpoint(
  db: Db,
  leafHashes: Buffer[],
): Promise<{ entries: StoredEntry[]; checkpoint: StoredCheckpoint | undefined }> {
  if (leafHashes.length === 0) return { entries: [], checkpoint: undefined };
  const rows = (
    await db.query<
      EntryRow & { cp_tree_size: number; cp_root_hash: Buffer; cp_note: string; cp_created_at: Date }
    >(Q_ENTRIES_BY_LEAVES_WITH_CHECKPOINT, [leafHashes])
  ).rows;
  const first = rows[0];
  return {
    entries: rows.map(toEntry),
    checkpoint: first
      ? toCheckpoint({
          tree_size: first.cp_tree_size,
          root_hash: first.cp_root_hash,
          note: first.cp_note,
          created_at: first.cp_created_at,
        })
      : undefined,
  };
}

export async function readLatestCheckpoint(db: Db): Promise<StoredCheckpoint | undefined> {
  const r = (await db.query<CheckpointRow>(Q_LATEST_CHECKPOINT)).rows[0];
  return r ? toCheckpoint(r) : undefined;
}

export async function readCheckpointAt(db: Db, treeSize: number): Promise<StoredCheckpoint | undefined> {
  const r = (await db.query<CheckpointRow>(Q_CHECKPOINT_AT, [treeSize])).rows[0];
  return r ? toCheckpoint(r) : undefined;
}

export async function readCheckpointsAfter(
  db: Db,
  treeSize: number,
  limit: number,
): Promise<StoredCheckpoint[]> {
  return (await db.query<CheckpointRow>(Q_CHECKPOINTS_AFTER, [treeSize, limit])).rows.map(toCheckpoint);
}

export async function readAttestation(db: Db, hash: Buffer): Promise<StoredAttestation | undefined> {
  const r = (await db.query<{ hash: Buffer; media_type: string; content: Buffer }>(Q_ATTESTATION, [hash]))
    .rows[0];
  return r ? { hash: r.hash, mediaType: r.media_type, content: r.content } : undefined;
}

export async function readAttestations(db: Db, hashes: Buffer[]): Promise<StoredAttestation[]> {
  if (hashes.length === 0) return [];
  return (
    await db.query<{ hash: Buffer; media_type: string; content: Buffer }>(Q_ATTESTATIONS, [hashes])
  ).rows.map((r) => ({
    hash: r.hash,
    mediaType: r.media_type,
    content: r.content,
  }));
}

// ---- outbox relay --------------------------------------------------------------------------

const Q_RELAY_POSITION = 'SELECT next_value FROM tlog.relay_positions WHERE stream = $1';
const Q_ADVANCE_RELAY =
  'UPDATE tlog.relay_positions SET next_value = $3, updated_at = now() WHERE stream = $1 AND next_value = $2';

export async function readRelayPosition(db: Db, stream: 'entries' | 'checkpoints'): Promise<number> {
  return (await db.query<{ next_value: number }>(Q_RELAY_POSITION, [stream])).rows[0]?.next_value ?? 0;
}

export async function advanceRelayPosition(
  db: Db,
  stream: 'entries' | 'checkpoints',
  expected: number,
  next: number,
): Promise<boolean> {
  return (await db.query(Q_ADVANCE_RELAY, [stream, expected, next])).rowCount === 1;
}

/** The log's identity (tlog.log_identity, migration 0006): origin and public keys. */
export interface LogIdentityRecord {
  origin: string;
  logId: string;
  ed25519Spki: Buffer;
  ecdsaSpki: Buffer;
}

const Q_LOG_IDENTITY = 'SELECT origin, log_id, ed25519_spki, ecdsa_spki FROM tlog.log_identity';
const Q_RECORD_LOG_IDENTITY = `
  INSERT INTO tlog.log_identity (origin, log_id, ed25519_spki, ecdsa_spki) VALUES ($1, $2, $3, $4)
  ON CONFLICT (singleton) DO NOTHING`;

export async function readLogIdentity(db: Db): Promise<LogIdentityRecord | undefined> {
  const r = (
    await db.query<{ origin: string; log_id: string; ed25519_spki: Buffer; ecdsa_spki: Buffer }>(
      Q_LOG_IDENTITY,
    )
  ).rows[0];
  return r
    ? { origin: r.origin, logId: r.log_id, ed25519Spki: r.ed25519_spki, ecdsaSpki: r.ecdsa_spki }
    : undefined;
}

/**
 * Records `identity` when the log has none yet, and returns the one recorded (ours, or the one a
 * sequencer recorded first: the caller compares).
 */
export async function recordLogIdentity(db: Db, identity: LogIdentityRecord): Promise<LogIdentityRecord> {
  await db.query(Q_RECORD_LOG_IDENTITY, [
    identity.origin,
    identity.logId,
    identity.ed25519Spki,
    identity.ecdsaSpki,
  ]);
  const recorded = await readLogIdentity(db);
  if (!recorded) throw new Error('tlog.log_identity is empty right after an insert');
  return recorded;
}

/**
 * The log's identity for the processes that serve entries (gateway, api): read from
 * tlog.log_identity once it is there, so they need none of the log's keys. A sequencer records it
 * before it appends anything, so a log with entries has it (a log from before migration 0006 gets
 * it when its sequencer next starts). Throws LOG_NOT_STARTED until then.
 */
export function logIdentitySource(db: Db): () => Promise<LogIdentityRecord> {
  let cached: LogIdentityRecord | undefined;
  return async () => {
    if (cached !== undefined) return cached;
    const identity = await readLogIdentity(db);
    if (!identity)
      throw new AttestryError(
        'LOG_NOT_STARTED',
        "the log's identity is not recorded yet (tlog.log_identity): its sequencer records it when it starts",
      );
    cached = identity;
    return cached;
  };
}

/** The hex log id, as logIdentitySource reads it. */
export function logIdSource(db: Db): () => Promise<string> {
  const identity = logIdentitySource(db);
  return async () => (await identity()).logId;
}
