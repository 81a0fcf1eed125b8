/**
 * The demo stream: items [start, end) of a model, in order, as an async iterator that holds at
 * most a few chunks at a time (constant memory whatever the scale). Signing runs in a pool of
 * worker threads (node:worker_threads, one per core by default), each making whole chunks from
 * (seed, scale, index) alone; results are re-ordered, so the stream is identical for any number
 * of workers.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DemoModel } from './model.js';
import { DemoSigner, type DemoItem } from './submissions.js';

export interface StreamOptions {
  readonly seed: string;
  readonly scale: number;
  /** First item (default 0) and end (exclusive, default scale). */
  readonly start?: number;
  readonly end?: number;
  /** Worker threads; 0 signs on the calling thread. Default: available parallelism. */
  readonly workers?: number;
  /** Items per message to a worker (default 64). */
  readonly chunkSize?: number;
}

export interface WorkerData {
  readonly seed: string;
  readonly scale: number;
}
export interface ChunkRequest {
  readonly id: number;
  readonly start: number;
  readonly end: number;
}
export type ChunkReply =
  { readonly id: number; readonly items: DemoItem[] } | { readonly id: number; readonly error: string };

/** Items one at a time on this thread (tests, and `workers: 0`). */
export function* generateItems(opts: StreamOptions): Generator<DemoItem> {
  const model = new DemoModel({ seed: opts.seed, scale: opts.scale });
  const signer = new DemoSigner(model);
  const end = Math.min(opts.end ?? opts.scale, opts.scale);
  for (let i = opts.start ?? 0; i < end; i++) yield signer.sign(model.plan(i));
}

/** Compiled: worker.js beside this file. Under tsx (tests, bench/): worker.ts, with tsx's loader. */
function startWorker(data: WorkerData): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./worker.js', import.meta.url), { workerData: data });
  const url = new URL('./worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(url)}); });`;
  return new Worker(boot, { eval: true, workerData: data });
}

/** The stream, signed by a pool of worker threads. */
export async function* streamItems(opts: StreamOptions): AsyncGenerator<DemoItem> {
  const workers = opts.workers ?? availableParallelism();
  if (workers <= 0) {
    yield* generateItems(opts);
    return;
  }
  const start = opts.start ?? 0;
  const end = Math.min(opts.end ?? opts.scale, opts.scale);
  const chunk = Math.max(1, opts.chunkSize ?? 64);
  const data: WorkerData = { seed: opts.seed, scale: opts.scale };
  const pool = Array.from({ length: workers }, () => startWorker(data));
  const pending = new Map<number, { resolve(items: DemoItem[]): void; reject(e: unknown): void }>();
  let failure: unknown;
  for (const w of pool) {
    w.on('message', (m: ChunkReply) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if ('error' in m) p?.reject(new Error(`generator worker: ${m.error}`));
      else p?.resolve(m.items);
    });
    w.on('error', (e) => {
      failure = e;
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    });
  }
  const chunks: Array<Promise<DemoItem[]>> = [];
  let nextStart = start;
  let id = 0;
  const request = () => {
    if (nextStart >= end) return;
    const req: ChunkRequest = { id: id++, start: nextStart, end: Math.min(end, nextStart + chunk) };
    nextStart = req.end;
    if (failure) {
      chunks.push(Promise.reject(failure));
      return;
    }
    chunks.push(
      new Promise<DemoItem[]>((resolve, reject) => {
        pending.set(req.id, { resolve, reject });
        pool[req.id % pool.length]!.postMessage(req);
      }),
    );
  };
  try {
    // Two chunks in flight per worker: each has the next one queued while the consumer drains.
    for (let k = 0; k < workers * 2; k++) request();
    while (chunks.length > 0) {
      const items = await chunks.shift()!;
      request();
      yield* items;
    }
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
