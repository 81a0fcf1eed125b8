/**
 * Resolvers of the GraphQL API (schema/graphql/*.graphql): thin, each field one DataLoader call
 * or one read-model query (services/api/read-model.ts). Types come from the SDL through
 * graphql-codegen (services/api/__generated__/resolvers-types.ts).
 */
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { toBase64, toHex } from '../../libs/core/index.js';
import { entryWithProof } from '../../libs/tlog/index.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import { memoized, type ApiContext } from './context.js';
import {
  badInput,
  decodeCursor,
  depthArg,
  digestArg,
  encodeCursor,
  firstArg,
  logIndexArg,
  packageArg,
  packageVersionArg,
  signerArg,
  windowArg,
} from './inputs.js';
import type {
  ArtifactModel,
  TransitiveModel,
  LineageModel,
  LineageNodeModel,
  Page,
  ReachedModel,
  SignatureModel,
} from './models.js';
import type { SignatureKey } from './read-model.js';
import { signatureBySubscription, entryAppendedSubscription } from './subscriptions.js';

// ---- scalars -----------------------------------------------------------------------------------

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function parseDateTime(v: unknown): Date {
  if (typeof v !== 'string' || !ISO_8601.test(v))
    throw badInput(
      `DateTime: expected ISO 8601 with a time zone (2026-01-31T12:00:00Z), got ${JSON.stringify(v)}`,
    );
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw badInput(`DateTime: ${JSON.stringify(v)} is not a valid instant`);
  return d;
}

const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize: (v) => (v instanceof Date ? v : new Date(v as string)).toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (ast: ValueNode) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

function parseInt64(v: unknown): number {
  const n = typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw badInput(`Int64: expected a non-negative integer below 2^53, got ${JSON.stringify(v)}`);
  return n;
}

const Int64 = new GraphQLScalarType<number, number>({
  name: 'Int64',
  serialize: (v) => Number(v),
  parseValue: parseInt64,
  parseLiteral: (ast: ValueNode) =>
    parseInt64(ast.kind === Kind.INT || ast.kind === Kind.STRING ? ast.value : undefined),
});

const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (v) => v,
  parseValue: () => {
    throw badInput('JSON is an output type');
  },
});

// ---- pages -------------------------------------------------------------------------------------

/** A page from `limit + 1` fetched items (the extra one says whether there is more). */
function page<N>(
  fetched: N[],
  limit: number,
  cursorOf: (n: N) => string,
  totalCount: () => Promise<number> | number,
): Page<N> {
  const items = fetched.slice(0, limit);
  // Cursors are encoded only for the edges a query asks them of (a getter GraphQL's default resolver reads).
  const edges = items.map((node) => ({
    node,
    get cursor() {
      return cursorOf(node);
    },
  }));
  return {
    edges,
    pageInfo: {
      hasNextPage: fetched.length > limit,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}

/** A page of a list already in memory, sorted by `key` (cursors name a key, not a position). */
function pageOf<N>(
  all: N[],
  kind: string,
  key: (n: N) => (string | number)[],
  first: number,
  after: string | null | undefined,
): Page<N> {
  const a = decodeCursor(after, kind);
  let start = 0;
  if (a) {
    const cmp = (n: N) => compareKeys(key(n), a as (string | number)[]);
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(all[mid] as N) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  return page(
    all.slice(start, start + first + 1),
    first,
    (n) => encodeCursor(kind, key(n)),
    () => all.length,
  );
}

function compareKeys(x: (string | number)[], y: (string | number)[]): number {
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const a = x[i];
    const b = y[i];
    if (a === b) continue;
    if (a === undefined) return -1;
    if (b === undefined) return 1;
    return a < b ? -1 : 1;
  }
  return 0;
}

const SIG = 'sig';

function signatureCursor(s: SignatureModel): string {
  return encodeCursor(SIG, [s.integratedTime.toISOString(), s.logIndex, s.signerId]);
}

function signatureAfter(after: string | null | undefined): SignatureKey | undefined {
  const k = decodeCursor(after, SIG);
  if (!k) return undefined;
  const [t, i, s] = k;
  if (typeof t !== 'string' || typeof i !== 'number' || typeof s !== 'string')
    throw badInput('after: not a cursor of this list', 'after');
  return { time: new Date(t), logIndex: i, signerId: s };
}

const byDepth = (n: ReachedModel) => [n.depth, n.artifact];

// ---- transitive searches -------------------------------------------------------------------

/**
 * What depends on the seeds: the count (idx.dependents_count) and pages in (depth, artifact)
 * order (idx.dependents_page), each computed once per request whichever fields ask.
 */
function transitive(ctx: ApiContext, seeds: string[], packages: string[], maxDepth: number): TransitiveModel {
  const key = `${maxDepth}:${seeds.join(',')}:${packages.join(',')}`;
  const count = () =>
    memoized(ctx, `count:${key}`, () =>
      ctx.model.dependentsCount(seeds, packages, maxDepth, ctx.maxGraphNodes),
    );
  return {
    count,
    page: (first, after) => {
      const k = decodeCursor(after, 'dep');
      if (k && (typeof k[0] !== 'number' || typeof k[1] !== 'string'))
        throw badInput('after: not a cursor of this list', 'after');
      const from = k ? { depth: k[0] as number, artifact: k[1] as string } : undefined;
      return memoized(ctx, `page:${key}:${first}:${after ?? ''}`, async () => {
        const rows = await ctx.model.dependentsPage(
          seeds,
          packages,
          maxDepth,
          first + 1,
          from,
          ctx.maxGraphNodes,
        );
        return page(rows, first, (n) => encodeCursor('dep', byDepth(n)), count);
      });
    },
  };
}

async function lineage(
  ctx: ApiContext,
  root: string,
  direction: 'UPSTREAM' | 'DOWNSTREAM',
  maxDepth: number,
): Promise<LineageModel> {
  const nodes: LineageNodeModel[] = [];
  const edges: LineageModel['edges'] = [];
  let count = 0;
  if (direction === 'DOWNSTREAM') {
    const rows = await ctx.model.dependents([root], [], maxDepth, ctx.maxGraphNodes);
    count = rows.length;
    rows.sort((a, b) => compareKeys(byDepth(a), byDepth(b)));
    for (const r of rows) {
      nodes.push({
        id: r.artifact,
        artifact: r.artifact,
        purl: null,
        depth: r.depth,
        viaLogIndex: r.logIndex,
      });
      const parent = r.path.at(-2);
      if (r.depth > 0 && parent !== undefined && r.logIndex !== null)
        edges.push({ from: r.artifact, to: parent, logIndex: r.logIndex });
    }
  } else {
    const rows = await ctx.model.dependencies([root], maxDepth, ctx.maxGraphNodes);
    count = rows.length;
    const id = (r: (typeof rows)[number]) => r.artifact ?? r.packageVersion ?? '';
    rows.sort((a, b) => compareKeys([a.depth, id(a)], [b.depth, id(b)]));
    for (const r of rows) {
      nodes.push({
        id: id(r),
        artifact: r.artifact,
        purl: r.packageVersion,
        depth: r.depth,
        viaLogIndex: r.logIndex,
      });
      // An artifact's path ends with itself; a package leaf's path ends with its parent.
      const parent = r.artifact === null ? r.path.at(-1) : r.path.at(-2);
      if (r.depth > 0 && parent !== undefined && r.logIndex !== null)
        edges.push({ from: parent, to: id(r), logIndex: r.logIndex });
    }
  }
  return { root, nodes, edges, truncated: count >= ctx.maxGraphNodes };
}

// ---- helpers -----------------------------------------------------------------------------------

async function artifactByDigest(ctx: ApiContext, digest: string): Promise<string | null> {
  return ctx.loaders.artifactOfDigest.load(digestArg(digest));
}

const artifacts = (list: readonly string[]): ArtifactModel[] => list.map((artifact) => ({ artifact }));

function predicateKind(k: string) {
  const kinds = {
    'slsa-provenance': 'SLSA_PROVENANCE',
    'slsa-vsa': 'SLSA_VSA',
    'npm-publish': 'NPM_PUBLISH',
    spdx: 'SPDX',
    cyclonedx: 'CYCLONEDX',
  } as const;
  return kinds[k as keyof typeof kinds] ?? 'UNKNOWN';
}

function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'NOT_FOUND' } });
}

async function treeSizeArg(ctx: ApiContext, treeSize: number | null | undefined): Promise<number> {
  if (treeSize !== null && treeSize !== undefined) return logIndexArg(treeSize, 'treeSize');
  const cp = await ctx.latestCheckpoint();
  if (!cp) throw notFound('the log has no signed checkpoint yet');
  return cp.treeSize;
}

/** The log read path's errors (a size beyond the log, index beyond size) as input errors. */
async function proofCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code && /^MERKLE_|NOT_FOUND/.test(code)) throw badInput((e as Error).message);
    throw e;
  }
}

// ---- resolvers ---------------------------------------------------------------------------------

export const resolvers: Resolvers = {
  DateTime,
  Int64,
  JSON: JSONScalar,

  Query: {
    async whoSigned(_p, { digest }, ctx) {
      const artifact = await artifactByDigest(ctx, digest);
      return artifact ? ctx.model.signaturesOfArtifact(artifact, 1000) : [];
    },

    async signatures(_p, args, ctx) {
      const f = signerArg(args.signer);
      const w = windowArg(args.since, args.until);
      const first = firstArg(args.first);
      const rows = await ctx.model.signaturesBySigner(f, w, first + 1, signatureAfter(args.after));
      return page(rows, first, signatureCursor, () => ctx.model.countSignaturesBySigner(f, w));
    },

    async blastRadius(_p, args, ctx) {
      const f = signerArg(args.signer);
      const w = windowArg(args.since, args.until);
      const maxDepth = depthArg(args.maxDepth, 10);
      const signed = await ctx.model.signedArtifacts(f, w);
      return { signed, affected: transitive(ctx, signed, [], maxDepth) };
    },

    async dependents(_p, args, ctx) {
      const key = packageVersionArg(args.purl);
      const maxDepth = depthArg(args.maxDepth, 10);
      return transitive(ctx, [], [key], maxDepth).page(firstArg(args.first), args.after);
    },

    async artifact(_p, { digest }, ctx) {
      const artifact = await artifactByDigest(ctx, digest);
      return artifact ? { artifact } : null;
    },

    async lineage(_p, args, ctx) {
      const root = await artifactByDigest(ctx, args.digest);
      if (!root) throw notFound(`no artifact with digest ${digestArg(args.digest)} in the index`);
      return lineage(ctx, root, args.direction, depthArg(args.maxDepth, 5));
    },

    async package(_p, { purl }, ctx) {
      return (await ctx.model.packageByPurl(packageArg(purl))) ?? null;
    },

    async logEntry(_p, { index }, ctx) {
      const e = await ctx.loaders.logEntry.load(logIndexArg(index, 'index'));
      return e ? { logIndex: e.logIndex } : null;
    },

    async checkpoint(_p, _a, ctx) {
      const cp = await ctx.latestCheckpoint();
      if (!cp) return null;
      return {
        origin: cp.note.slice(0, cp.note.indexOf('\n')),
        treeSize: cp.treeSize,
        rootHash: toHex(cp.rootHash),
        note: cp.note,
      };
    },

    async inclusionProof(_p, args, ctx) {
      const index = logIndexArg(args.index, 'index');
      const treeSize = await treeSizeArg(ctx, args.treeSize);
      if (index >= treeSize) throw badInput(`index ${index} is not below treeSize ${treeSize}`, 'index');
      const proof = await proofCall(() => ctx.reader.inclusionProof(index, treeSize));
      const cp = await ctx.reader.checkpointAt(treeSize);
      return {
        logIndex: index,
        treeSize,
        rootHash: toHex(proof.rootHash),
        hashes: proof.hashes.map(toHex),
        checkpoint: cp?.note ?? null,
      };
    },

    async consistencyProof(_p, args, ctx) {
      const from = logIndexArg(args.from, 'from');
      const to = await treeSizeArg(ctx, args.to);
      if (from > to) throw badInput(`from ${from} is above to ${to}`, 'from');
      const proof = await proofCall(() => ctx.reader.consistencyProof(from, to));
      return {
        fromSize: from,
        toSize: to,
        fromRootHash: toHex(proof.firstRootHash),
        toRootHash: toHex(proof.rootHash),
        hashes: proof.hashes.map(toHex),
      };
    },
  },

  Subscription: {
    entryAppended: entryAppendedSubscription,
    signatureBy: signatureBySubscription,
  },

  Signature: {
    async signer(s, _a, ctx) {
      const signer = await ctx.loaders.signer.load(s.signerId);
      if (!signer) throw new GraphQLError(`signer ${s.signerId} is missing from the index`);
      return signer;
    },
    // A hashedrekord signs one digest; a DSSE signature's artifacts are its statement's subjects.
    entryKind: (s) => (s.digest === null ? 'DSSE' : 'HASHEDREKORD'),
    predicateType: async (s, _a, ctx) =>
      (await ctx.loaders.statement.load(s.logIndex))?.predicateType ?? null,
    artifacts: async (s, _a, ctx) =>
      s.digest !== null
        ? artifacts([(await ctx.loaders.artifactOfDigest.load(s.digest)) ?? s.digest])
        : artifacts(await ctx.loaders.artifactsOfEntry.load(s.logIndex)),
    statement: (s, _a, ctx) => ctx.loaders.statement.load(s.logIndex),
    logEntry: (s) => ({ logIndex: s.logIndex }),
  },

  Signer: {
    kind: (s) => (s.kind === 'key' ? 'KEY' : 'CERTIFICATE'),
    ci: (s) =>
      (s.ciRepository ?? s.ciWorkflow ?? s.ciBuildSigner ?? s.ciRunInvocation ?? s.ciRef ?? s.ciRevision)
        ? s
        : null,
  },

  CiClaims: {
    repository: (s) => s.ciRepository,
    workflow: (s) => s.ciWorkflow,
    ref: (s) => s.ciRef,
    revision: (s) => s.ciRevision,
    trigger: (s) => s.ciTrigger,
    runnerEnvironment: (s) => s.ciRunnerEnvironment,
    buildSigner: (s) => s.ciBuildSigner,
    runInvocation: (s) => s.ciRunInvocation,
  },

  Artifact: {
    digest: (a) => a.artifact,
    digests: (a, _x, ctx) => ctx.loaders.digests.load(a.artifact),
    names: async (a, _x, ctx) => (await ctx.loaders.labels.load(a.artifact)).names,
    uris: async (a, _x, ctx) => (await ctx.loaders.labels.load(a.artifact)).uris,
    purls: async (a, _x, ctx) => (await ctx.loaders.labels.load(a.artifact)).purls,
    async signatures(a, args, ctx) {
      const first = firstArg(args.first);
      const rows = await ctx.model.signaturesOfArtifact(a.artifact, first + 1, signatureAfter(args.after));
      return page(rows, first, signatureCursor, () => ctx.model.countSignaturesOfArtifact(a.artifact));
    },
    async statements(a, args, ctx) {
      const first = firstArg(args.first);
      const after = decodeCursor(args.after, 'st')?.[0];
      if (after !== undefined && typeof after !== 'number')
        throw badInput('after: not a cursor of this list');
      const type = args.predicateType ?? undefined;
      const ids = await ctx.model.statementsAbout(a.artifact, type, first + 1, after);
      const rows = (await ctx.loaders.statement.loadMany(ids)).filter(
        (s): s is Exclude<typeof s, Error | null> => s !== null && !(s instanceof Error),
      );
      return page(
        rows,
        first,
        (s) => encodeCursor('st', [s.logIndex]),
        () => ctx.model.countStatementsAbout(a.artifact, type),
      );
    },
    provenance: (a, _x, ctx) => ctx.loaders.provenanceOf.load(a.artifact),
    async sbomComponents(a, args, ctx) {
      const first = firstArg(args.first);
      const k = decodeCursor(args.after, 'comp');
      const after = k ? { logIndex: Number(k[0]), ref: String(k[1]) } : undefined;
      const rows = await ctx.model.sbomComponents(a.artifact, first + 1, after);
      return page(
        rows,
        first,
        (c) => encodeCursor('comp', [c.logIndex, c.ref]),
        () => ctx.model.countSbomComponents(a.artifact),
      );
    },
    async dependencies(a, args, ctx) {
      const first = firstArg(args.first);
      const k = decodeCursor(args.after, 'edge');
      const after = k ? { logIndex: Number(k[0]), ordinal: Number(k[1]) } : undefined;
      const rows = await ctx.model.dependenciesOf(a.artifact, first + 1, after);
      return page(
        rows,
        first,
        (e) => encodeCursor('edge', [e.logIndex, e.ordinal]),
        () => ctx.model.countDependenciesOf(a.artifact),
      );
    },
    async dependents(a, args, ctx) {
      return transitive(ctx, [a.artifact], [], depthArg(args.maxDepth, 10)).page(
        firstArg(args.first),
        args.after,
      );
    },
  },

  Dependency: {
    source: (e) => (e.source === 'sbom' ? 'SBOM' : 'PROVENANCE'),
    async artifact(e, _a, ctx) {
      if (e.toRef === null) return null;
      if (e.toKind === 'artifact') {
        const a = await ctx.loaders.artifactOfDigest.load(e.toRef);
        return { artifact: a ?? e.toRef };
      }
      if (e.toKind === 'package') {
        const carriers = await ctx.loaders.artifactsOfPackageVersion.load(e.toRef);
        return carriers[0] !== undefined ? { artifact: carriers[0] } : null;
      }
      return null;
    },
    purl: (e) => (e.toKind === 'package' ? e.toRef : null),
    statement: (e, _a, ctx) => ctx.loaders.statement.load(e.logIndex),
  },

  ReachedArtifact: {
    artifact: (r) => ({ artifact: r.artifact }),
    path: (r) => artifacts(r.path),
    viaLogIndex: (r) => r.logIndex,
    via: (r, _a, ctx) => (r.logIndex === null ? null : ctx.loaders.statement.load(r.logIndex)),
  },

  Statement: {
    predicateKind: (s) => predicateKind(s.predicateKind),
    attestationHash: (s) => `sha256:${toHex(s.attestationHash)}`,
    payloadUrl: (s, _a, ctx) => `${ctx.gatewayUrl}/api/v1/attestations/sha256:${toHex(s.attestationHash)}`,
    subjects: async (s, _a, ctx) => artifacts(await ctx.loaders.artifactsOfEntry.load(s.logIndex)),
    signatures: (s, _a, ctx) => ctx.loaders.signaturesOfEntry.load(s.logIndex),
    problem: (s) => s.unsupported,
    provenance: (s, _a, ctx) => ctx.loaders.provenanceByEntry.load(s.logIndex),
    logEntry: (s) => ({ logIndex: s.logIndex }),
  },

  Provenance: {
    materials: (p, _a, ctx) => ctx.loaders.materials.load(p.logIndex),
    async statement(p, _a, ctx) {
      const s = await ctx.loaders.statement.load(p.logIndex);
      if (!s) throw new GraphQLError(`statement ${p.logIndex} is missing from the index`);
      return s;
    },
  },

  Material: {
    artifact: async (m, _a, ctx) =>
      m.digest === null
        ? null
        : { artifact: (await ctx.loaders.artifactOfDigest.load(m.digest)) ?? m.digest },
    digests: (m) => Object.entries(m.digests).map(([alg, hex]) => `${alg}:${hex}`),
  },

  SbomComponent: {
    artifact: async (c, _a, ctx) =>
      c.digest === null
        ? null
        : { artifact: (await ctx.loaders.artifactOfDigest.load(c.digest)) ?? c.digest },
  },

  LogEntry: {
    async leafHash(e, _a, ctx) {
      return toHex((await loadEntry(ctx, e.logIndex)).leafHash);
    },
    kind: async (e, _a, ctx) =>
      (await loadEntry(ctx, e.logIndex)).kind === 'dsse' ? 'DSSE' : 'HASHEDREKORD',
    kindVersion: async (e, _a, ctx) => `${(await loadEntry(ctx, e.logIndex)).kind}/0.0.1`,
    integratedTime: async (e, _a, ctx) => new Date((await loadEntry(ctx, e.logIndex)).integratedTime * 1000),
    canonicalizedBody: async (e, _a, ctx) => toBase64((await loadEntry(ctx, e.logIndex)).body),
    signedEntryTimestamp: async (e, _a, ctx) => toBase64((await loadEntry(ctx, e.logIndex)).setSignature),
    logId: (_e, _a, ctx) => ctx.logId(),
    async inclusionProof(e, _a, ctx) {
      const cp = await ctx.latestCheckpoint();
      if (!cp || cp.treeSize <= e.logIndex) return null;
      const proof = await inclusionProofOnce(ctx, e.logIndex, cp.treeSize);
      return {
        logIndex: e.logIndex,
        treeSize: cp.treeSize,
        rootHash: toHex(proof.rootHash),
        hashes: proof.hashes.map(toHex),
        checkpoint: cp.note,
      };
    },
    async transparencyLogEntry(e, _a, ctx) {
      const entry = await loadEntry(ctx, e.logIndex);
      return entryWithProof(
        {
          latestCheckpoint: () => ctx.latestCheckpoint(),
          inclusionProof: (i, n) => inclusionProofOnce(ctx, i, n),
        },
        await ctx.logId(),
        entry,
      );
    },
  },

  Package: {
    async versions(p, args, ctx) {
      const first = firstArg(args.first);
      const after = decodeCursor(args.after, 'ver')?.[0];
      const rows = await ctx.model.packageVersions(
        p.purl,
        first + 1,
        after === undefined ? undefined : String(after),
      );
      return page(
        rows,
        first,
        (v) => encodeCursor('ver', [v.key]),
        () => ctx.model.countPackageVersions(p.purl),
      );
    },
  },

  PackageVersion: {
    purl: (v) => v.key,
    artifacts: async (v, _a, ctx) => artifacts(await ctx.loaders.artifactsOfPackageVersion.load(v.key)),
    signatures: async (v, _a, ctx) =>
      ctx.model.signaturesOfArtifacts(await ctx.loaders.artifactsOfPackageVersion.load(v.key), 1000),
  },

  BlastRadius: {
    signedCount: (b) => b.signed.length,
    affectedCount: (b) => b.affected.count(),
    signed: (b, args) =>
      pageOf(artifacts(b.signed), 'art', (a) => [a.artifact], firstArg(args.first), args.after),
    affected: (b, args) => b.affected.page(firstArg(args.first), args.after),
    // The count stops at the node bound: reaching it means the search was cut.
    truncated: async (b, _a, ctx) => (await b.affected.count()) + b.signed.length >= ctx.maxGraphNodes,
  },

  Lineage: {
    root: (l) => ({ artifact: l.root }),
  },

  LineageNode: {
    artifact: (n) => (n.artifact === null ? null : { artifact: n.artifact }),
  },

  EntryAppended: {
    statement: (e, _a, ctx) => ctx.loaders.statement.load(e.logIndex),
    signatures: (e, _a, ctx) => ctx.loaders.signaturesOfEntry.load(e.logIndex),
    kind: (e) => (e.kind === 'dsse' ? 'DSSE' : 'HASHEDREKORD'),
  },
};

/** One proof per entry and tree size per request, whether inclusionProof, transparencyLogEntry or both ask. */
function inclusionProofOnce(ctx: ApiContext, index: number, treeSize: number) {
  return memoized(ctx, `inclusion:${index}:${treeSize}`, () => ctx.reader.inclusionProof(index, treeSize));
}

async function loadEntry(ctx: ApiContext, logIndex: number) {
  const e = await ctx.loaders.logEntry.load(logIndex);
  if (!e) throw notFound(`log entry ${logIndex} is not in the log`);
  return e;
}
