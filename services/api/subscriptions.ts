/**
 * Subscriptions (graphql-ws): one poller per api process follows idx.entries in log order and
 * fans new entries out to subscribers, so an event arrives once the index holds it (every query
 * about it already answers) and a thousand subscribers cost one query per poll, not a thousand.
 * A subscriber that falls too far behind is ended with an error rather than buffering forever.
 */
import { GraphQLError } from 'graphql';
import { createLoaders, type ApiContext } from './context.js';
import { digestArg, signerArg, type SignerInputLike } from './inputs.js';
import type { EntryAppendedModel, SignatureModel } from './models.js';
import type { NewEntry, ReadModel, SignerFilter } from './read-model.js';

/** Events a subscriber may have pending before it is dropped. */
const MAX_PENDING = 10_000;
const BATCH = 1000;

type Listener = (batch: NewEntry[]) => void;

export class EntryFeed {
  private readonly listeners = new Set<Listener>();
  private last = -1;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly model: ReadModel,
    private readonly pollMs: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  /**
   * Starts following the index from its current end. The feed keeps its position even with no
   * subscriber (one max() per poll), so a subscription starts at most one poll before the moment
   * it was made, never after it: no entry indexed after subscribing is missed.
   */
  async start(): Promise<void> {
    this.last = await this.model.lastIndexed();
    this.schedule();
  }

  listen(l: Listener): () => void {
    this.listeners.add(l);
    return () => {
      this.listeners.delete(l);
    };
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.poll(), this.pollMs);
  }

  private async poll(): Promise<void> {
    try {
      if (this.listeners.size === 0) {
        this.last = Math.max(this.last, await this.model.lastIndexed());
        return;
      }
      for (;;) {
        const batch = await this.model.entriesAfter(this.last, BATCH);
        if (batch.length === 0) break;
        this.last = batch[batch.length - 1]?.logIndex ?? this.last;
        for (const l of this.listeners) l(batch);
        if (batch.length < BATCH) break;
      }
    } catch (e) {
      this.onError(e);
    } finally {
      this.schedule();
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }
}

/** An async iterator of the items `pick` takes from each new batch, for one subscriber. */
function follow<T>(ctx: ApiContext, pick: (batch: NewEntry[]) => T[]): AsyncIterableIterator<T> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let failure: GraphQLError | undefined;
  const unlisten = ctx.feed.listen((batch) => {
    if (done) return;
    queue.push(...pick(batch));
    if (queue.length > MAX_PENDING) {
      failure = new GraphQLError('subscriber too slow: more than 10,000 events pending', {
        extensions: { code: 'SUBSCRIBER_TOO_SLOW' },
      });
      queue.length = 0;
    }
    wake?.();
  });
  const stop = async () => {
    done = true;
    unlisten();
    wake?.();
  };
  const it: AsyncIterableIterator<T> = {
    async next() {
      for (;;) {
        if (failure) {
          await stop();
          throw failure;
        }
        if (done) return { done: true, value: undefined };
        const v = queue.shift();
        if (v !== undefined) {
          // Each event resolves with fresh loaders: a long-lived subscription holds no cache.
          ctx.loaders = createLoaders(ctx);
          ctx.memo.clear();
          return { done: false, value: v };
        }
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    },
    async return() {
      await stop();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

function matchesSigner(f: SignerFilter, s: NewEntry['signatures'][number]): boolean {
  return (
    (f.keyId === undefined || s.keyId === f.keyId) &&
    (f.identity === undefined || s.identity === f.identity) &&
    (f.identityPrefix === undefined || (s.identity ?? '').startsWith(f.identityPrefix)) &&
    (f.issuer === undefined || s.issuer === f.issuer) &&
    (f.repository === undefined || s.ciRepository === f.repository) &&
    (f.workflow === undefined || (s.ciWorkflow ?? '').startsWith(f.workflow))
  );
}

interface EntryFilterArg {
  kind?: 'HASHEDREKORD' | 'DSSE' | null;
  predicateType?: string | null;
  digest?: string | null;
}

export const entryAppendedSubscription = {
  subscribe: (_p: unknown, args: { filter?: EntryFilterArg | null }, ctx: ApiContext) => {
    const f = args.filter ?? {};
    const kind = f.kind === 'DSSE' ? 'dsse' : f.kind === 'HASHEDREKORD' ? 'hashedrekord' : undefined;
    const digest = f.digest ? digestArg(f.digest, 'filter.digest') : undefined;
    const predicateType = f.predicateType ?? undefined;
    return follow<EntryAppendedModel>(ctx, (batch) =>
      batch
        .filter(
          (e) =>
            (kind === undefined || e.kind === kind) &&
            (predicateType === undefined || e.predicateType === predicateType) &&
            (digest === undefined || e.digests.includes(digest)),
        )
        .map((e) => ({ logIndex: e.logIndex, kind: e.kind, integratedTime: e.integratedTime })),
    );
  },
  resolve: (e: EntryAppendedModel) => e,
};

export const signatureBySubscription = {
  subscribe: (_p: unknown, args: { signer: SignerInputLike }, ctx: ApiContext) => {
    const f = signerArg(args.signer);
    return follow<SignatureModel>(ctx, (batch) =>
      batch.flatMap((e) =>
        e.signatures
          .filter((s) => matchesSigner(f, s))
          .map((s) => ({
            logIndex: s.logIndex,
            signerId: s.signerId,
            digest: s.digest,
            integratedTime: s.integratedTime,
            kind: s.kind,
          })),
      ),
    );
  },
  resolve: (s: SignatureModel) => s,
};
