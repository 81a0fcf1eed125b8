/**
 * `attestry replay [--from INDEX]`: rebuilds the index from the log (services/indexer/replay.ts,
 * docs/design/0009-replay.md) with a progress bar on a terminal, plain progress lines otherwise,
 * and a one-line summary. Needs the admin database URL (DATABASE_URL, else the local cluster's).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isAttestryError } from '../../libs/core/index.js';
import { createPool } from '../../libs/db/index.js';
import {
  DEFAULT_BATCH,
  DEFAULT_CONCURRENCY,
  replay,
  type ReplayProgress,
  type ReplayResult,
} from '../../services/indexer/replay.js';
import { adminDatabaseUrl, settingsFromEnv } from '../stack.js';
import { CliError, guarded, say } from './cli-common.js';

export const REPLAY_HELP = `attestry replay [--from INDEX] [--batch N] [--concurrency K] [--drop-old]
               [--database-url URL]
  Rebuilds the index (schema idx) from the log itself (tlog.entries and tlog.attestations, in log
  order), with the indexer's own projection code.

  Without --from: builds a fresh projection in the schema idx_next while idx keeps answering the
  api and the running indexers keep writing it, catches up with the log, then switches in one
  short transaction: idx becomes idx_old, idx_next becomes idx, and the indexers' Kafka offsets
  are carried over, so running indexers continue in the new index without losing an entry. The
  previous idx_old is dropped at the switch; --drop-old also drops the new one right after.
  Use it after a change of libs/formats or of the projection, or to repair the index.

  --from INDEX  re-projects only the entries with log index >= INDEX, in place in idx, up to the
                log's size when it starts: per batch, one transaction deletes those entries' facts
                (every idx table with a log_index) and writes them again, so the api never sees an
                entry half-written. Entity rows (artifacts, packages, signers, node numbers) and
                artifact merges are only ever added, never removed: when a fix can retract an
                alias or an entity, run a full replay. Deploy the fix to the indexers first.
  --batch N     entries per transaction (default 250; fewer when their rows are many)
  --concurrency K
                batch transactions in flight at once, over disjoint ranges of the log (default
                ${DEFAULT_CONCURRENCY}: node projects one batch while PostgreSQL writes the others;
                the result does not depend on K). Uses K + 2 database connections.
  --drop-old    drop idx_old after the switch (default: keep it until the next replay)
  --database-url URL
                admin URL of the database (default DATABASE_URL, else the local cluster's
                <db>_admin as \`attestry up\` uses it; ATTESTRY_HOME, ATTESTRY_DB_NAME)

  Progress: a bar with entries/s and ETA on a terminal (stderr), else a line every 5 s.`;

const int = (name: string, v: string | undefined, min: number): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min)
    throw new CliError(`${name} must be an integer >= ${min}`);
  return Number(v);
};

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function duration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const ss = String(Math.floor(s % 60)).padStart(2, '0');
  return h > 0 ? `${h}:${String(m % 60).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Renders progress: a redrawn bar on a TTY (at most 5 times a second), else a line every 5 s. */
export function progressReporter(
  stream: NodeJS.WriteStream,
  now: () => number = () => Date.now(),
): { update(p: ReplayProgress): void; end(): void } {
  const tty = stream.isTTY === true;
  const t0 = now();
  let last = 0;
  let drawn = false;
  const line = (p: ReplayProgress) => {
    const elapsed = (now() - t0) / 1000;
    const rate = elapsed > 0 ? p.entries / elapsed : 0;
    const total = Math.max(p.target - p.from, 1);
    // Entries projected, not the low-water mark: concurrent writers fill the range segment by segment.
    const done = Math.min(Math.max(p.entries, 0), total);
    const eta = rate > 0 ? (total - done) / rate : Number.NaN;
    const pct = (100 * done) / total;
    const text = `${fmt(done)}/${fmt(total)} entries  ${fmt(rate)}/s  ETA ${duration(eta)}  (${p.phase})`;
    if (!tty) return `replay: ${pct.toFixed(1)}%  ${text}`;
    const width = 30;
    const filled = Math.round((width * done) / total);
    return `replay [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct.toFixed(1).padStart(5)}%  ${text}`;
  };
  return {
    update(p) {
      const t = now();
      const finished = p.next >= p.target;
      if (tty) {
        if (t - last < 200 && !finished) return;
        stream.write(`\r${line(p)}\x1b[K`);
        drawn = true;
      } else {
        if (t - last < 5000 && !(finished && p.phase === 'in-place')) return;
        stream.write(`${line(p)}\n`);
      }
      last = t;
    },
    end() {
      if (tty && drawn) stream.write('\n');
    },
  };
}

export function summary(r: ReplayResult, dropOld: boolean): string {
  const rate = r.seconds > 0 ? r.entries / r.seconds : 0;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  const head =
    r.mode === 'rebuild'
      ? `replay: rebuilt the index from ${fmt(r.to)} log entries`
      : `replay: re-projected entries ${fmt(r.from)}..${fmt(r.to - 1)} in place`;
  const parts = [
    `${head}: ${fmt(r.entries)} entries (${fmt(r.unparsed)} unparsed) in ${r.seconds.toFixed(1)} s, ${fmt(rate)} entries/s, peak RSS ${rssMb.toFixed(0)} MB`,
  ];
  if (r.switch)
    parts.push(
      `switched in ${r.switch.ms.toFixed(0)} ms (${fmt(r.switch.entries)} entries caught up inside, ${r.switch.offsets} consumer offsets carried over); ${dropOld ? 'idx_old dropped' : 'the previous index is kept as idx_old'}`,
    );
  return parts.join('; ');
}

export function runReplay(root: string, argv: string[]): Promise<number> {
  return guarded(async () => {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          from: { type: 'string' },
          batch: { type: 'string' },
          concurrency: { type: 'string' },
          'drop-old': { type: 'boolean' },
          'database-url': { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }));
    } catch (e) {
      throw new CliError(e instanceof Error ? e.message : String(e));
    }
    if (values.help) {
      process.stdout.write(`${REPLAY_HELP}\n`);
      return 0;
    }
    const from = int('--from', values.from, 0);
    const batch = int('--batch', values.batch, 1) ?? DEFAULT_BATCH;
    const concurrency = int('--concurrency', values.concurrency, 1) ?? DEFAULT_CONCURRENCY;
    const dropOld = values['drop-old'] === true;
    if (from !== undefined && dropOld) throw new CliError('--drop-old goes with a full replay, not --from');
    let url = values['database-url'];
    if (url === undefined) {
      try {
        url = adminDatabaseUrl(settingsFromEnv(root, process.env));
      } catch (e) {
        throw new CliError(`no database: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    // One connection per batch transaction, one holding the replay lock, one for the log size.
    const pool = createPool(url, { applicationName: 'attestry-replay', max: concurrency + 2 });
    const progress = progressReporter(process.stderr);
    try {
      const result = await replay({
        pool,
        migrationsDir: path.join(root, 'schema/sql'),
        ...(from !== undefined ? { from } : {}),
        batchEntries: batch,
        concurrency,
        dropOld,
        logger: {
          warn: (obj, msg) => {
            progress.end();
            say(`replay: ${msg} ${JSON.stringify(obj)}`);
          },
          info: () => undefined,
        },
        onProgress: (p) => progress.update(p),
      });
      progress.end();
      say(summary(result, dropOld));
      return 0;
    } catch (e) {
      progress.end();
      if (isAttestryError(e)) throw new CliError(`replay: ${e.message}`);
      const code = (e as { code?: unknown }).code;
      if (
        typeof code === 'string' ||
        (e instanceof Error && /ECONNREFUSED|password|does not exist/.test(e.message))
      )
        throw new CliError(
          `replay: ${e instanceof Error ? e.message : String(e)}${typeof code === 'string' ? ` (${code})` : ''}`,
        );
      throw e;
    } finally {
      await pool.end();
    }
  });
}
