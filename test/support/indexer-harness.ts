/**
 * Indexer processes over a log under test (test/support/log-harness.ts), and what tests ask of the
 * index: how many entries it holds, a canonical dump of every idx table, a fresh projection.
 */
import type { Pool } from '../../libs/db/index.js';
import type { LogHarness } from './log-harness.js';
import { eventually, startServiceProcess, type RunningService } from './services.js';
import { kafkaBrokers } from './stack.js';

export interface Indexers {
  start(extra?: Record<string, string>): RunningService;
  /** Stops every indexer this runner started (SIGTERM, then SIGKILL after 15 s). */
  stopAll(): Promise<void>;
}

export function indexers(h: LogHarness): Indexers {
  const running: RunningService[] = [];
  return {
    start(extra = {}) {
      const s = startServiceProcess(
        'indexer',
        {
          KAFKA_BROKERS: kafkaBrokers().join(','),
          DATABASE_URL: h.db.serviceUrls.indexer,
          TOPIC_PREFIX: h.prefix,
          INDEXER_LAG_INTERVAL_MS: '500',
          ...extra,
        },
        { logName: 'indexer' },
      );
      running.push(s);
      return s;
    },
    async stopAll() {
      await Promise.all(running.map((s) => s.stop()));
      running.length = 0;
    },
  };
}

export async function indexedCount(admin: Pool): Promise<number> {
  return (await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM idx.entries')).rows[0]?.n ?? -1;
}

export async function waitIndexed(admin: Pool, n: number, timeoutMs = 180_000): Promise<void> {
  await eventually(
    async () => ((await indexedCount(admin)) === n ? true : undefined),
    timeoutMs,
    `${n} entries in the index`,
  );
}

/** The idx tables that hold the projection (the consumer offsets are bookkeeping, not facts). */
export async function projectionTables(admin: Pool): Promise<string[]> {
  return (
    await admin.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'idx' AND table_type = 'BASE TABLE' AND table_name <> 'consumer_offsets'
        ORDER BY table_name`,
    )
  ).rows.map((r) => r.table_name);
}

/**
 * Tables keyed by node numbers (0005_idx_adjacency.sql): the numbers depend on arrival order, so
 * they are dumped with every number replaced by the digest or package version it stands for.
 */
const CANONICAL: Record<string, string> = {
  node_ids: `SELECT jsonb_build_object('ref', n.ref, 'artifact', a.ref)::text AS row
               FROM idx.node_ids n LEFT JOIN idx.node_ids a ON a.id = n.artifact`,
  node_edges: `SELECT jsonb_build_object('dependency', t.ref, 'dependent', f.ref, 'log_index', e.log_index)::text AS row
                 FROM idx.node_edges e JOIN idx.node_ids t ON t.id = e.dependency JOIN idx.node_ids f ON f.id = e.dependent`,
  node_purls: `SELECT jsonb_build_object('package', p.ref, 'digest', d.ref)::text AS row
                 FROM idx.node_purls x JOIN idx.node_ids p ON p.id = x.package JOIN idx.node_ids d ON d.id = x.digest`,
};

/** Every row of every projection table as JSON text, sorted: equal dumps mean equal indexes. */
export async function dumpIndex(admin: Pool): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of await projectionTables(admin)) {
    // Table names come from the catalog, quoted as identifiers.
    const rows = (
      await admin.query<{ row: string }>(
        CANONICAL[table] ?? `SELECT to_jsonb(t)::text AS row FROM idx."${table.replace(/"/g, '""')}" t`,
      )
    ).rows;
    out[table] = rows.map((r) => r.row).sort();
  }
  return out;
}

/** Empties the projection and its offsets: the next indexer rebuilds it from the first entry. */
export async function truncateIndex(admin: Pool): Promise<void> {
  const tables = [...(await projectionTables(admin)), 'consumer_offsets'];
  await admin.query(`TRUNCATE ${tables.map((t) => `idx."${t.replace(/"/g, '""')}"`).join(', ')}`);
}

/** Reads a metric's value (first sample whose labels contain `labels`) from a service's /metrics. */
export async function metricValue(url: string, name: string, labels = ''): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels !== '' && !line.includes(labels)) continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isNaN(v)) return v;
  }
  return undefined;
}
