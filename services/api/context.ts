/**
 * Per-request context of the GraphQL API: one DataLoader per key (so a page of N signatures
 * costs one query per field, not N), the read model, and the log's read path.
 */
import DataLoader from 'dataloader';
import { tlogStore, type Pool, type StoredEntry, type TlogReader } from '../../libs/db/index.js';
import type { ReadModel } from './read-model.js';
import type { EntryFeed } from './subscriptions.js';
import type {
  MaterialModel,
  ProvenanceModel,
  SignatureModel,
  SignerModel,
  StatementModel,
} from './models.js';

/** What every request shares: built once per process by services/api/server.ts. */
export interface ApiDeps {
  pool: Pool;
  model: ReadModel;
  reader: TlogReader;
  /** Hex log id (SHA-256 of the log's ECDSA key), read from tlog.log_identity once. */
  logId: () => Promise<string>;
  /** Public base URL of the gateway, for payloadUrl. */
  gatewayUrl: string;
  /** Node bound of transitive searches (blastRadius, dependents, lineage). */
  maxGraphNodes: number;
  /** New indexed entries, for subscriptions. */
  feed: EntryFeed;
}

function byKey<K, V>(keys: readonly K[], found: Map<K, V>, missing: V): V[] {
  return keys.map((k) => found.get(k) ?? missing);
}

function grouped<K, V>(rows: V[], key: (v: V) => K): Map<K, V[]> {
  const m = new Map<K, V[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

export function createLoaders(d: ApiDeps) {
  const m = d.model;
  return {
    /** digest -> its artifact (representative), null when the index does not know it. */
    artifactOfDigest: new DataLoader<string, string | null>(async (ks) =>
      byKey(ks, await m.artifactsOf(ks), null),
    ),
    digests: new DataLoader<string, string[]>(async (ks) => byKey(ks, await m.digestsOf(ks), [])),
    labels: new DataLoader<string, { names: string[]; uris: string[]; purls: string[] }>(async (ks) =>
      byKey(ks, await m.labelsOf(ks), { names: [], uris: [], purls: [] }),
    ),
    signer: new DataLoader<string, SignerModel | null>(async (ks) =>
      byKey(ks, new Map((await m.signers(ks)).map((s) => [s.signerId, s])), null),
    ),
    statement: new DataLoader<number, StatementModel | null>(async (ks) =>
      byKey(ks, new Map((await m.statements(ks)).map((s) => [s.logIndex, s])), null),
    ),
    signaturesOfEntry: new DataLoader<number, SignatureModel[]>(async (ks) =>
      byKey(
        ks,
        grouped(await m.signaturesOfEntries(ks), (s) => s.logIndex),
        [],
      ),
    ),
    artifactsOfEntry: new DataLoader<number, string[]>(async (ks) =>
      byKey(ks, await m.artifactsOfEntries(ks), []),
    ),
    provenanceOf: new DataLoader<string, ProvenanceModel[]>(async (ks) =>
      byKey(ks, await m.provenanceOf(ks), []),
    ),
    provenanceByEntry: new DataLoader<number, ProvenanceModel | null>(async (ks) =>
      byKey(ks, new Map((await m.provenanceByEntry(ks)).map((p) => [p.logIndex, p])), null),
    ),
    materials: new DataLoader<number, MaterialModel[]>(async (ks) =>
      byKey(
        ks,
        grouped(await m.materials(ks), (r) => r.logIndex),
        [],
      ),
    ),
    artifactsOfPackageVersion: new DataLoader<string, string[]>(async (ks) =>
      byKey(ks, await m.artifactsOfPackageVersions(ks), []),
    ),
    logEntry: new DataLoader<number, StoredEntry | null>(async (ks) =>
      byKey(
        ks,
        new Map((await tlogStore.readEntriesByIndexes(d.pool, ks)).map((e) => [e.logIndex, e])),
        null,
      ),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

export interface ApiContext extends ApiDeps {
  loaders: Loaders;
  /** Results computed once per request (transitive searches shared by several fields). */
  memo: Map<string, Promise<unknown>>;
  /** The latest signed checkpoint, read once per request. */
  latestCheckpoint(): Promise<tlogStore.StoredCheckpoint | undefined>;
}

export function createContext(d: ApiDeps): ApiContext {
  let cp: Promise<tlogStore.StoredCheckpoint | undefined> | undefined;
  return {
    ...d,
    loaders: createLoaders(d),
    memo: new Map(),
    latestCheckpoint: () => (cp ??= d.reader.latestCheckpoint()),
  };
}

/** `fn()` once per request for `key`. */
export function memoized<T>(ctx: ApiContext, key: string, fn: () => Promise<T>): Promise<T> {
  let p = ctx.memo.get(key) as Promise<T> | undefined;
  if (!p) {
    p = fn();
    ctx.memo.set(key, p);
  }
  return p;
}
