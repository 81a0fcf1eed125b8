/**
 * `attestry replay`: rebuilds the index from the log itself (tlog.entries and tlog.attestations,
 * in log order, in ranges), with the live indexer's own code (project.ts, idxStore.writeRows and
 * the entry-by-entry fallback of write.ts), into the build schema idx_next while idx keeps
 * answering; then switches in one short transaction that also carries the live indexers' offsets
 * over. `from` instead re-projects entries >= from in place. See docs/design/0009-replay.md.
 */
import path from 'node:path';
import { AttestryError } from '../../libs/core/index.js';
import {
  idxStore,
  readMigrations,
  replayStore,
  tlogStore,
  type Pool,
  type PoolClient,
} from '../../libs/db/index.js';
import { batchRows, projectEntry, type EntryProjection, type EntryToProject } from './project.js';
import { MAX_ATTEMPTS, REFUSED_VALUE, TRANSIENT, sqlState, writeEntryByEntry } from './write.js';

/** Where the replay reports (a pino logger fits). */
export interface Logger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Attestations up to this size are read with their range; larger ones one at a time. */
const INLINE_ATTESTATION_MAX = 256 * 1024;
/** A batch ends early once its projection holds this many rows (large SBOMs). */
const MAX_ROWS_PER_BATCH = 50_000;
/**
 * Batch transactions in flight at once (over disjoint segments of the log), and entries per batch,
 * by default. Measured on the idle 2-core machine (docs/BENCHMARKS.md, "Index replay on the idle
 * machine", 102,000 entries): 1 writer 1,271 entries/s; 2 writers of 500 entries 1,564-1,825/s but
 * 307-312 MB peak RSS, of 250 entries 1,777/s at 288 MB (the 300 MB budget of a process); 3
 * writers of 500 1,840/s at 333 MB. With 2 writers node's projection already fills one core.
 */
export const DEFAULT_CONCURRENCY = 2;
export const DEFAULT_BATCH = 250;
/** The switch waits this long for a lock before it gives up and tries again. */
const SWITCH_LOCK_TIMEOUT_MS = 5_000;
const SWITCH_ATTEMPTS = 5;

export type ReplayPhase = 'build' | 'catch-up' | 'switch' | 'in-place';

export interface ReplayProgress {
  phase: ReplayPhase;
  /** Next log index to project. */
  next: number;
  /** First log index of this replay. */
  from: number;
  /** Log size the replay is heading for (grows while the log grows). */
  target: number;
  /** Entries projected so far. */
  entries: number;
}

export interface ReplayOptions {
  /** Admin pool (the migrations' owner). */
  pool: Pool;
  /** schema/sql. */
  migrationsDir: string;
  /** Re-project entries >= from in place instead of rebuilding everything. */
  from?: number;
  /** Entries per transaction (fewer when their projection is large). */
  batchEntries?: number;
  /**
   * Batch transactions in flight at once, over disjoint ranges (default DEFAULT_CONCURRENCY). The
   * pool needs one connection per transaction plus the one holding the replay lock; with fewer,
   * the extra transactions wait for a connection.
   */
  concurrency?: number;
  /** Drop idx_old after the switch (else it is kept until the next replay). */
  dropOld?: boolean;
  logger: Logger;
  onProgress?: (p: ReplayProgress) => void;
  /**
   * Called inside the switch transaction just before the renames: indexers are held, the final
   * catch-up is written and the offsets are carried (tests: entries logged now reach a held indexer).
   */
  duringSwitch?: () => Promise<void>;
}

export interface ReplayResult {
  mode: 'rebuild' | 'from';
  from: number;
  /** Log size projected up to (exclusive). */
  to: number;
  entries: number;
  /** Entries indexed as unparsed (statement, predicate, ... or refused by the database). */
  unparsed: number;
  seconds: number;
  /** For a rebuild: entries projected inside the switch transaction, offsets carried, its duration. */
  switch?: { entries: number; offsets: number; ms: number };
}

interface Projected {
  /** Next log index. */
  next: number;
  entries: number;
  unparsed: number;
}

/** A range of the log read and projected, not written yet. */
interface ProjectedRange {
  from: number;
  /** Next log index (below `to` when the projection got large). */
  next: number;
  projections: EntryProjection[];
  /** The entries, without attestations (the entry-by-entry fallback records refused ones). */
  entries: Map<number, EntryToProject>;
  /** batchRows(projections), once computed. */
  rows?: idxStore.IdxRows;
}

/** Entries projected between two yields to the event loop (about 5 ms of CPU). */
const PROJECT_SLICE = 16;

/**
 * Reads [from, to) from the log (which never changes below its size, so no transaction is
 * needed) and projects it. Ends early when the projection gets large. Yields to the event loop
 * every PROJECT_SLICE entries: with several writers, another writer's open transaction must not
 * wait for a whole batch's projection before it can send its next statement (its new rows would
 * hold up every writer that names the same digests).
 */
async function readAndProject(db: Pool | PoolClient, from: number, to: number): Promise<ProjectedRange> {
  const logged = await replayStore.readLogRange(db, from, to, INLINE_ATTESTATION_MAX);
  const projections: EntryProjection[] = [];
  const entries = new Map<number, EntryToProject>();
  let rows = 0;
  let next = from;
  for (const e of logged) {
    if (e.logIndex !== next)
      throw new AttestryError('INTERNAL', `the log has no entry ${next} below its tree size`);
    let attestation: Buffer | undefined;
    if (e.kind === 'dsse' && e.attestationHash !== null) {
      attestation =
        e.attestation ??
        (e.attestationStored ? (await tlogStore.readAttestation(db, e.attestationHash))?.content : undefined);
    }
    const entry: EntryToProject = {
      logIndex: e.logIndex,
      leafHash: e.leafHash,
      kind: e.kind,
      body: e.body,
      integratedTime: e.integratedTime,
      attestationHash: e.attestationHash,
      attestation,
    };
    const p = projectEntry(entry);
    entries.set(e.logIndex, { ...entry, attestation: undefined });
    projections.push(p);
    next = e.logIndex + 1;
    rows += Object.values(p.rows).reduce((n, r: unknown[]) => n + r.length, 0);
    if (rows >= MAX_ROWS_PER_BATCH) break;
    if (projections.length % PROJECT_SLICE === 0) await new Promise((r) => setImmediate(r));
  }
  if (next < to && rows < MAX_ROWS_PER_BATCH)
    throw new AttestryError('INTERNAL', `the log has no entry ${next} below its tree size`);
  return { from, next, projections, entries };
}

/**
 * Writes a projected range to `schema` inside the caller's transaction (a savepoint around the
 * batch write, so that a refused value falls back to entry-by-entry writes as in the indexer).
 * `beforeWrite` runs first, with the range.
 */
async function writeProjected(
  client: PoolClient,
  schema: idxStore.IdxSchema,
  range: ProjectedRange,
  log: Logger,
  beforeWrite?: (from: number, to: number) => Promise<void>,
): Promise<Projected> {
  const { from, next, projections, entries } = range;
  await beforeWrite?.(from, next);
  let refused = new Set<number>();
  await client.query('SAVEPOINT replay_batch');
  try {
    await idxStore.writeRows(client, range.rows ?? batchRows(projections), schema);
    await client.query('RELEASE SAVEPOINT replay_batch');
  } catch (e) {
    const state = sqlState(e);
    if (state === undefined || !REFUSED_VALUE.test(state)) throw e;
    await client.query('ROLLBACK TO SAVEPOINT replay_batch');
    log.warn({ sqlState: state, from, to: next }, 'the database refused a value: writing entry by entry');
    refused = new Set((await writeEntryByEntry(client, projections, entries, log, schema)).refused.keys());
  }
  return {
    next,
    entries: projections.length,
    unparsed: projections.filter((p) => p.unparsed !== undefined || refused.has(p.logIndex)).length,
  };
}

/** Reads, projects and writes [from, to) inside the caller's transaction (the switch's catch-up). */
async function projectRange(
  client: PoolClient,
  schema: idxStore.IdxSchema,
  from: number,
  to: number,
  log: Logger,
): Promise<Projected> {
  return writeProjected(client, schema, await readAndProject(client, from, to), log);
}

/** One transaction, retried on deadlock and serialization failures (the merge lock is shared with the indexers). */
async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const r = await fn(client);
      await client.query('COMMIT');
      return r;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      const state = sqlState(e);
      if (state !== undefined && TRANSIENT.has(state) && attempt < MAX_ATTEMPTS) {
        await new Promise((r) => setTimeout(r, 20 * attempt));
        continue;
      }
      throw e;
    } finally {
      client.release(broken);
    }
  }
}

/** How the build and in-place loops cut the log: entries per transaction, transactions at once. */
interface Run {
  batch: number;
  concurrency: number;
}

/**
 * Projects the log range [from, to) into `schema` with up to `run.concurrency` batch transactions
 * at once. The range is cut into that many contiguous segments of equal length; each segment is
 * projected in log order by its own worker, one transaction per `run.batch` entries (several when
 * projectRange ends early on a large projection). While one worker projects in node, the others'
 * statements run in PostgreSQL.
 *
 * Segments rather than interleaved batches: a new artifact is usually named by several entries
 * close together in the log (its signature, provenance, SBOM, VSA), and a transaction that inserts
 * a digest another open transaction has just inserted waits for that one to commit (unique index),
 * so adjacent batches in flight together ran one after the other (measured: 45 % of the writers'
 * time waiting in `INSERT INTO idx_next.artifacts`). Batches far apart in the log rarely share a
 * new digest.
 *
 * Why this is the same projection as one writer in log order: every row is a pure function of
 * its entry, written ON CONFLICT DO NOTHING; entity rows are inserted in one global key order, so
 * concurrent writers cannot deadlock on each other's new rows (a deadlock or serialization failure
 * is retried anyway, by inTransaction); the artifact merge is order-independent and serialised by
 * its lock (docs/design/0004-index.md); node numbers differ, which nothing observes (0007).
 *
 * `onCommitted(next)` runs after every commit with the low-water mark: every entry below `next` is
 * committed (the catch-up loop and the switch continue from it). On the first failure the workers
 * stop after their transaction in flight and the error is thrown. `beforeWrite` runs inside each
 * transaction, before the write, with the range projected (--from deletes the old facts there).
 */
async function projectConcurrently(
  o: ReplayOptions,
  schema: idxStore.IdxSchema,
  from: number,
  to: number,
  run: Run,
  counter: { entries: number; unparsed: number },
  onCommitted: (next: number) => void,
  beforeWrite?: (client: PoolClient, from: number, to: number) => Promise<void>,
): Promise<void> {
  const n = Math.min(run.concurrency, Math.ceil((to - from) / run.batch));
  // Segment i is [ends[i - 1] ?? from, ends[i]); pos[i] is its next uncommitted log index.
  const ends = Array.from({ length: n }, (_, i) => from + Math.round(((i + 1) * (to - from)) / n));
  const pos = Array.from({ length: n }, (_, i) => (i === 0 ? from : (ends[i - 1] as number)));
  const lowWater = () => {
    for (let i = 0; i < n; i++) if ((pos[i] as number) < (ends[i] as number)) return pos[i] as number;
    return to;
  };
  let failure: { error: unknown } | undefined;
  const worker = async (i: number): Promise<void> => {
    const end = ends[i] as number;
    while (failure === undefined && (pos[i] as number) < end) {
      const at = pos[i] as number;
      try {
        // Read and project before the transaction begins: it then lasts only for the writes.
        const range = await readAndProject(o.pool, at, Math.min(at + run.batch, end));
        range.rows = batchRows(range.projections);
        const r = await inTransaction(o.pool, (client) =>
          writeProjected(
            client,
            schema,
            range,
            o.logger,
            beforeWrite && ((x, y) => beforeWrite(client, x, y)),
          ),
        );
        pos[i] = r.next;
        counter.entries += r.entries;
        counter.unparsed += r.unparsed;
      } catch (e) {
        failure ??= { error: e };
        return;
      }
      onCommitted(lowWater());
    }
  };
  await Promise.all(Array.from({ length: n }, (_, i) => worker(i)));
  if (failure !== undefined) throw failure.error;
}

async function withReplayLock<T>(pool: Pool, fn: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    const got = (
      await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
        replayStore.REPLAY_LOCK_KEY,
      ])
    ).rows[0]?.ok;
    if (got !== true) throw new AttestryError('DB_CONFLICT', 'another replay is running on this database');
    try {
      return await fn();
    } finally {
      await client
        .query('SELECT pg_advisory_unlock($1)', [replayStore.REPLAY_LOCK_KEY])
        .catch(() => undefined);
    }
  } finally {
    client.release();
  }
}

export async function replay(o: ReplayOptions): Promise<ReplayResult> {
  const batch = o.batchEntries ?? DEFAULT_BATCH;
  if (!Number.isInteger(batch) || batch < 1) throw new AttestryError('CONFIG_INVALID', 'batch must be >= 1');
  const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new AttestryError('CONFIG_INVALID', 'concurrency must be >= 1');
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  const migrations = readMigrations(o.migrationsDir);
  return withReplayLock(o.pool, async () => {
    await replayStore.checkMigrationsApplied(o.pool, migrations);
    const run = { batch, concurrency };
    return o.from === undefined ? rebuild(o, run, migrations, seconds) : inPlace(o, o.from, run, seconds);
  });
}

async function inPlace(
  o: ReplayOptions,
  from: number,
  run: Run,
  seconds: () => number,
): Promise<ReplayResult> {
  if (!Number.isSafeInteger(from) || from < 0)
    throw new AttestryError('CONFIG_INVALID', '--from must be a log index (an integer >= 0)');
  const to = await replayStore.logSize(o.pool);
  if (from > to)
    throw new AttestryError('CONFIG_INVALID', `--from ${from} is beyond the log's ${to} entries`);
  const tables = await replayStore.factTables(o.pool);
  const counter = { entries: 0, unparsed: 0 };
  o.onProgress?.({ phase: 'in-place', next: from, from, target: to, entries: 0 });
  // The facts of exactly the entries projected are replaced (delete, write) in one transaction;
  // concurrent transactions work on disjoint ranges, so none deletes another's rows.
  await projectConcurrently(
    o,
    'idx',
    from,
    to,
    run,
    counter,
    (next) => o.onProgress?.({ phase: 'in-place', next, from, target: to, entries: counter.entries }),
    (client, a, b) => replayStore.deleteFacts(client, tables, a, b),
  );
  return { mode: 'from', from, to, entries: counter.entries, unparsed: counter.unparsed, seconds: seconds() };
}

async function rebuild(
  o: ReplayOptions,
  run: Run,
  migrations: ReturnType<typeof readMigrations>,
  seconds: () => number,
): Promise<ReplayResult> {
  const roles = migrations.find((m) => /^\d{4}_roles_and_schemas\.sql$/.test(m.name));
  if (!roles)
    throw new AttestryError(
      'CONFIG_INVALID',
      `no roles_and_schemas migration in ${path.basename(o.migrationsDir)}`,
    );
  await replayStore.createBuildSchema(o.pool, roles, migrations);
  const counter = { entries: 0, unparsed: 0 };
  let next = 0;
  let target = await replayStore.logSize(o.pool);
  const progress = (phase: ReplayPhase) =>
    o.onProgress?.({ phase, next, from: 0, target, entries: counter.entries });
  progress('build');
  let phase: ReplayPhase = 'build';
  for (;;) {
    await projectConcurrently(o, 'idx_next', next, target, run, counter, (n) => {
      next = n;
      progress(phase);
    });
    next = target;
    // Caught up with the log as it was; the switch projects what is left, holding the indexers.
    const size = await replayStore.logSize(o.pool);
    if (size - next <= run.batch) break;
    target = size;
    phase = 'catch-up';
  }
  await replayStore.analyzeSchema(o.pool, replayStore.BUILD_SCHEMA);
  await replayStore.checkBuildSchema(o.pool);
  const sw = await switchOver(o, counter, next, run.batch, (n, t) => {
    next = n;
    target = t;
    progress('switch');
  });
  if (o.dropOld) await replayStore.dropSchema(o.pool, replayStore.OLD_SCHEMA);
  return {
    mode: 'rebuild',
    from: 0,
    to: sw.to,
    entries: counter.entries,
    unparsed: counter.unparsed,
    seconds: seconds(),
    switch: { entries: sw.entries, offsets: sw.offsets, ms: sw.ms },
  };
}

/**
 * The switch transaction: hold the indexers (lock idx.consumer_offsets), project what the log
 * gained since the build caught up, carry the offsets over, wait for idx's readers, rename. Every
 * entry the live index holds was in the log when its batch committed, and every such batch
 * committed before the hold, so the log size read after the hold covers them all: the new index
 * holds everything the carried offsets say was consumed. Retried when a lock is not granted in
 * time (a long query on idx).
 */
async function switchOver(
  o: ReplayOptions,
  counter: { entries: number; unparsed: number },
  start: number,
  batch: number,
  onProgress: (next: number, target: number) => void,
): Promise<{ to: number; entries: number; offsets: number; ms: number }> {
  for (let attempt = 1; ; attempt++) {
    const t0 = process.hrtime.bigint();
    const before = { entries: counter.entries, unparsed: counter.unparsed };
    const client = await o.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = ${SWITCH_LOCK_TIMEOUT_MS}`);
      await replayStore.holdIndexers(client);
      const to = await replayStore.logSize(client);
      let next = start;
      while (next < to) {
        const r = await projectRange(client, 'idx_next', next, Math.min(next + batch, to), o.logger);
        next = r.next;
        counter.entries += r.entries;
        counter.unparsed += r.unparsed;
        onProgress(next, to);
      }
      const offsets = await replayStore.carryOffsets(client);
      await o.duringSwitch?.();
      await replayStore.switchSchemas(client);
      await client.query('COMMIT');
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      o.logger.info({ to, offsets, ms }, 'switched to the rebuilt index');
      return { to, entries: counter.entries - before.entries, offsets, ms };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      counter.entries = before.entries;
      counter.unparsed = before.unparsed;
      const state = sqlState(e);
      const retry = state === '55P03' || (state !== undefined && TRANSIENT.has(state));
      if (retry && attempt < SWITCH_ATTEMPTS) {
        o.logger.warn({ sqlState: state, attempt }, 'the switch could not get its locks in time: retrying');
        await new Promise((r) => setTimeout(r, 1000 * attempt));
        continue;
      }
      throw e;
    } finally {
      client.release(broken);
    }
  }
}
