/**
 * Writing projections, shared by the live indexer (indexer.ts, per Kafka batch) and the replay
 * (replay.ts, per range of the log): the same rows, the same fallback when the database refuses a
 * value, so that both build the same index (docs/design/0004-index.md, 0009-replay.md).
 */
import { idxStore, type PoolClient } from '../../libs/db/index.js';
import { refusedEntryRows, type EntryProjection, type EntryToProject } from './project.js';

/** SQLSTATE classes of a value the database refuses (data exception, integrity, program limit). */
export const REFUSED_VALUE = /^(22|23|54)/;
/** SQLSTATEs worth retrying the whole transaction for. */
export const TRANSIENT = new Set(['40001', '40P01']);
export const MAX_ATTEMPTS = 5;

export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Where a refused entry is reported (the indexer's pino logger, or the replay's). */
export interface WarnLog {
  warn(obj: object, msg: string): void;
}

/** What a batch transaction wrote. */
export interface Written {
  /** Log indexes new to the index. */
  inserted: Set<number>;
  /** Digest rows moved to another artifact by new aliases. */
  merged: number;
  /** Entries the database refused, indexed as unparsed with stage `index`. */
  refused: Map<number, 'index'>;
}

/**
 * Writes the projections one entry at a time under savepoints (after the batch as a whole was
 * refused): an entry whose rows the database refuses is indexed as unparsed with stage `index`
 * and the SQLSTATE, so that one entry never blocks the rest.
 */
export async function writeEntryByEntry(
  client: PoolClient,
  projections: readonly EntryProjection[],
  entries: ReadonlyMap<number, EntryToProject>,
  log: WarnLog,
  schema: idxStore.IdxSchema = 'idx',
): Promise<Written> {
  const written: Written = { inserted: new Set(), merged: 0, refused: new Map() };
  for (const p of projections) {
    await client.query('SAVEPOINT entry');
    try {
      const r = await idxStore.writeRows(client, p.rows, schema);
      for (const i of r.inserted) written.inserted.add(i);
      written.merged += r.merged;
      await client.query('RELEASE SAVEPOINT entry');
    } catch (e) {
      const state = sqlState(e);
      const entry = entries.get(p.logIndex);
      if (state === undefined || !REFUSED_VALUE.test(state) || !entry) throw e;
      await client.query('ROLLBACK TO SAVEPOINT entry');
      const message = e instanceof Error ? e.message : String(e);
      log.warn({ logIndex: p.logIndex, sqlState: state }, `entry refused by the database: ${message}`);
      const r = await idxStore.writeRows(client, refusedEntryRows(entry, state, message), schema);
      for (const i of r.inserted) {
        written.inserted.add(i);
        written.refused.set(i, 'index');
      }
    }
  }
  return written;
}
