/**
 * One active sequencer at a time, fenced (DESIGN.md; issue "sequencer: the single writer").
 *
 * The leader holds a session advisory lock on a dedicated connection and runs every batch
 * transaction on that same connection; it records its epoch and backend pid in tlog.leader and
 * heartbeats there. A standby polls: when the leader's heartbeat is older than the lease
 * (the leader is dead, partitioned, or SIGSTOPped: a stopped process still ACKs TCP keepalives,
 * so keepalives alone cannot free its lock), it terminates the leader's backend, which releases
 * the lock, takes the lock and bumps the epoch. Every batch transaction re-reads the epoch under
 * a row lock and commits only if it is still its own, so an old leader that wakes up fails its
 * next statement (its session is gone) or its epoch check, and steps down.
 */
import os from 'node:os';
import { AttestryError } from '../../libs/core/index.js';
import { tlogStore, type Pool, type PoolClient } from '../../libs/db/index.js';
import type { Logger } from '../../libs/observe/index.js';

export interface Lease {
  client: PoolClient;
  epoch: number;
  /** Runs fn with exclusive use of the leader connection (batches and heartbeats never interleave). */
  exclusive<T>(fn: (client: PoolClient) => Promise<T>): Promise<T>;
  /** Resolves when leadership is lost (heartbeat failed, connection died, fenced). */
  lost: Promise<string>;
  release(): Promise<void>;
}

export interface LeadershipOptions {
  leaseMs: number;
  pollMs: number;
  logger: Logger;
  /** Called while waiting as a standby (for the ready/metrics state). */
  onStandby?: () => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function acquireLeadership(
  pool: Pool,
  opts: LeadershipOptions,
  stopped: () => boolean,
): Promise<Lease | undefined> {
  const holder = `${os.hostname()}:${process.pid}`;
  let announced = false;
  while (!stopped()) {
    const client = await pool.connect();
    let keep = false;
    try {
      // Server-side keepalives too, so a dead peer's session (and lock) goes within seconds.
      await client.query(
        "SET tcp_keepalives_idle = 2; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 3; SET idle_in_transaction_session_timeout = '10s'",
      );
      if (await tlogStore.tryAdvisoryLock(client)) {
        const epoch = await tlogStore.takeLeadership(client, holder);
        keep = true;
        opts.logger.info({ epoch, holder }, 'became the active sequencer');
        return makeLease(client, epoch, opts);
      }
      const leader = await tlogStore.readLeader(client);
      if (!announced) {
        opts.logger.info(
          { leader: leader.holder, epoch: leader.epoch },
          'standing by: another sequencer is active',
        );
        announced = true;
        opts.onStandby?.();
      }
      if (leader.silentMs > opts.leaseMs && leader.backendPid !== null) {
        opts.logger.warn(
          { leader: leader.holder, silentMs: Math.round(leader.silentMs) },
          'the active sequencer missed its lease: fencing it',
        );
        await tlogStore.terminateBackend(client, leader.backendPid);
      }
    } finally {
      if (!keep) client.release();
    }
    await sleep(opts.pollMs);
  }
  return undefined;
}

function makeLease(client: PoolClient, epoch: number, opts: LeadershipOptions): Lease {
  let chain: Promise<unknown> = Promise.resolve();
  let resolveLost!: (why: string) => void;
  const lost = new Promise<string>((r) => (resolveLost = r));
  let done = false;
  const lose = (why: string) => {
    if (!done) {
      done = true;
      clearInterval(timer);
      resolveLost(why);
    }
  };
  const exclusive = <T>(fn: (c: PoolClient) => Promise<T>): Promise<T> => {
    if (done) return Promise.reject(new AttestryError('SEQUENCER_FENCED', 'leadership was lost'));
    const run = chain.then(() => fn(client));
    chain = run.catch(() => undefined);
    return run;
  };
  client.on('error', (e) => lose(`leader connection failed: ${e.message}`));
  const timer = setInterval(
    () => {
      exclusive((c) => tlogStore.heartbeat(c, epoch))
        .then((ok) => {
          if (!ok) lose('another sequencer took over (epoch changed)');
        })
        .catch((e: unknown) => lose(`heartbeat failed: ${e instanceof Error ? e.message : String(e)}`));
    },
    Math.max(200, Math.floor(opts.leaseMs / 5)),
  );
  return {
    client,
    epoch,
    exclusive,
    lost,
    release: async () => {
      lose('released');
      // Destroying the session releases the advisory lock even if a statement is stuck.
      client.release(true);
    },
  };
}
