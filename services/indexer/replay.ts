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

/**
 * Reads [from, to) from the log, projects it, and writes it to `schema` inside the caller's
 * transaction (a savepoint around the batch write, so that a refused value falls back to
 * entry-by-entry writes as in the indexer). Ends early when the projection gets large; returns
 * the next log index. `beforeWrite` runs after the projection, before the write, with the range
 * actually projected.
 */
async function projectRange(
  client: PoolClient,
  schema: idxStore.IdxSchema,
  from: number,
  to: number,
  log: Logger,
  beforeWrite?: (from: number, to: number) => Promise<void>,
): Promise<Projected> {
  const logged = await replayStore.readLogRange(client, from, to, INLINE_ATTESTATION_MAX);
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
        (e.attestationStored
          ? (await tlogStore.readAttestation(client, e.attestationHash))?.content
          : undefined);
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
  }
  if (next < to && rows < MAX_ROWS_PER_BATCH)
    throw new AttestryError('INTERNAL', `the log has no entry ${next} below its tree size`);
  await beforeWrite?.(from, next);
  let refused = new Set<number>();
  await client.query('SAVEPOINT replay_batch');
  try {
    await idxStore.writeRows(client, batchRows(projections), schema);
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
  const batch = o.batchEntries ?? 500;
  if (!Number.isInteger(batch) || batch < 1) throw new AttestryError('CONFIG_INVALID', 'batch must be >= 1');
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  const migrations = readMigrations(o.migrationsDir);
  return withReplayLock(o.pool, async () => {
    await replayStore.checkMigrationsApplied(o.pool, migrations);
    return o.from === undefined ? rebuild(o, batch, migrations, seconds) : inPlace(o, o.from, batch, seconds);
  });
}

async function inPlace(
  o: ReplayOptions,
  from: number,
  batch: number,
  seconds: () => number,
): Promise<ReplayResult> {
  if (!Number.isSafeInteger(from) || from < 0)
    throw new AttestryError('CONFIG_INVALID', '--from must be a log index (an integer >= 0)');
  const to = await replayStore.logSize(o.pool);
  if (from > to)
    throw new AttestryError('CONFIG_INVALID', `--from ${from} is beyond the log's ${to} entries`);
  const tables = await replayStore.factTables(o.pool);
  let next = from;
  let entries = 0;
  let unparsed = 0;
  o.onProgress?.({ phase: 'in-place', next, from, target: to, entries });
  while (next < to) {
    const at = next;
    // The facts of exactly the entries projected are replaced (delete, write) in one transaction.
    const r = await inTransaction(o.pool, (client) =>
      projectRange(client, 'idx', at, Math.min(at + batch, to), o.logger, (a, b) =>
        replayStore.deleteFacts(client, tables, a, b),
      ),
    );
    next = r.next;
    entries += r.entries;
    unparsed += r.unparsed;
    o.onProgress?.({ phase: 'in-place', next, from, target: to, entries });
  }
  return { mode: 'from', from, to, entries, unparsed, seconds: seconds() };
}

async function rebuild(
  o: ReplayOptions,
  batch: number,
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
    while (next < target) {
      const end = Math.min(next + batch, target);
      const at = next;
      const r = await inTransaction(o.pool, (client) => projectRange(client, 'idx_next', at, end, o.logger));
      next = r.next;
      counter.entries += r.entries;
      counter.unparsed += r.unparsed;
      progress(phase);
    }
    // Caught up with the log as it was; the switch projects what is left, holding the indexers.
    const size = await replayStore.logSize(o.pool);
    if (size - next <= batch) break;
    target = size;
    phase = 'catch-up';
  }
  await replayStore.analyzeSchema(o.pool, replayStore.BUILD_SCHEMA);
  await replayStore.checkBuildSchema(o.pool);
  const sw = await switchOver(o, counter, next, batch, (n, t) => {
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
