/**
 * Kafka consumer offsets kept in PostgreSQL beside the data they produced (exactly-once effect):
 * loaded on group join, locked for a batch, advanced only from their stored value in the batch's
 * own transaction. One implementation for every owning schema; the table name comes from a
 * closed set, never from input, so each query is still a fixed string.
 */
import { AttestryError } from '../core/index.js';
import type { Pool, PoolClient } from './pool.js';

export type OffsetsTable = 'tlog.consumer_offsets' | 'idx.consumer_offsets';

export interface OffsetStore {
  load(
    db: Pool | PoolClient,
    consumer: string,
    topic: string,
    partitions: number[],
  ): Promise<Map<number, number>>;
  /** Locks the partition's offset row for the batch (creating it at 0 on first use); returns it. */
  lock(client: PoolClient, consumer: string, topic: string, partition: number): Promise<number>;
  /** Advances only from the expected stored value; false means someone else moved it. */
  advance(
    client: PoolClient,
    consumer: string,
    topic: string,
    partition: number,
    expected: number,
    next: number,
  ): Promise<boolean>;
  /**
   * The end of a batch transaction: advances the offset from its stored value (DB_CONFLICT if it
   * moved), then COMMITs only if the partition is still assigned to this member (`isActive`),
   * else ROLLs BACK: a batch from a revoked partition never commits. Returns whether it committed.
   */
  advanceAndCommit(
    client: PoolClient,
    consumer: string,
    topic: string,
    partition: number,
    expected: number,
    next: number,
    isActive: () => boolean,
  ): Promise<boolean>;
}

export function offsetStore(table: OffsetsTable): OffsetStore {
  const qLoad = `SELECT partition, next_offset FROM ${table} WHERE consumer = $1 AND topic = $2 AND partition = ANY($3::int[])`;
  const qInsert = `INSERT INTO ${table} (consumer, topic, partition, next_offset) VALUES ($1, $2, $3, 0) ON CONFLICT (consumer, topic, partition) DO NOTHING`;
  const qLock = `SELECT next_offset FROM ${table} WHERE consumer = $1 AND topic = $2 AND partition = $3 FOR UPDATE`;
  const qAdvance = `UPDATE ${table} SET next_offset = $5, updated_at = now() WHERE consumer = $1 AND topic = $2 AND partition = $3 AND next_offset = $4`;
  const advance = async (
    client: PoolClient,
    consumer: string,
    topic: string,
    partition: number,
    expected: number,
    next: number,
  ) => (await client.query(qAdvance, [consumer, topic, partition, expected, next])).rowCount === 1;
  return {
    async load(db, consumer, topic, partitions) {
      const rows = (
        await db.query<{ partition: number; next_offset: number }>(qLoad, [consumer, topic, partitions])
      ).rows;
      return new Map(rows.map((r) => [r.partition, r.next_offset]));
    },
    async lock(client, consumer, topic, partition) {
      await client.query(qInsert, [consumer, topic, partition]);
      return (
        (await client.query<{ next_offset: number }>(qLock, [consumer, topic, partition])).rows[0]
          ?.next_offset ?? 0
      );
    },
    advance,
    async advanceAndCommit(client, consumer, topic, partition, expected, next, isActive) {
      if (!(await advance(client, consumer, topic, partition, expected, next))) {
        throw new AttestryError('DB_CONFLICT', `offset of ${topic}/${partition} moved from ${expected}`);
      }
      if (!isActive()) {
        await client.query('ROLLBACK');
        return false;
      }
      await client.query('COMMIT');
      return true;
    },
  };
}
