/**
 * Verification off the main thread: ECDSA checks dominate the sequencer's CPU, and the main
 * thread also parses, signs entry timestamps and talks to Kafka and PostgreSQL. A pool of worker
 * threads (each with the same trust material) verifies a batch's inputs in parallel chunks.
 */
import { Worker } from 'node:worker_threads';
import type { VerifyOutcome } from './batch.js';

export interface VerifyWorkerData {
  trustedRootFiles: string[];
  keyHintFiles: string[];
}

export class VerifyPool {
  private readonly workers: Worker[];
  private next = 0;
  private seq = 0;
  private readonly pending = new Map<
    number,
    { resolve(v: VerifyOutcome[]): void; reject(e: unknown): void }
  >();

  constructor(size: number, data: VerifyWorkerData) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(new URL('./verify-worker.js', import.meta.url), { workerData: data });
      w.on('message', (m: { id: number; outcomes: VerifyOutcome[] }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.resolve(m.outcomes.map(revive));
      });
      w.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
      w.unref();
      return w;
    });
  }

  /** Verifies every input; outcomes come back in input order. */
  async verifyAll(inputs: unknown[]): Promise<VerifyOutcome[]> {
    if (inputs.length === 0) return [];
    const chunk = Math.ceil(inputs.length / this.workers.length);
    const parts: Promise<VerifyOutcome[]>[] = [];
    for (let i = 0; i < inputs.length; i += chunk) parts.push(this.send(inputs.slice(i, i + chunk)));
    return (await Promise.all(parts)).flat();
  }

  private send(inputs: unknown[]): Promise<VerifyOutcome[]> {
    const id = ++this.seq;
    const worker = this.workers[this.next++ % this.workers.length] as Worker;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, inputs });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Structured clone turns Buffers into Uint8Arrays: make them Buffers again. */
function revive(o: VerifyOutcome): VerifyOutcome {
  if (!o.ok) return o;
  const v = o.value;
  return {
    ok: true,
    value: {
      kind: v.kind,
      body: Buffer.from(v.body.buffer, v.body.byteOffset, v.body.byteLength),
      ...(v.attestation
        ? {
            attestation: {
              hash: Buffer.from(
                v.attestation.hash.buffer,
                v.attestation.hash.byteOffset,
                v.attestation.hash.byteLength,
              ),
              mediaType: v.attestation.mediaType,
              content: Buffer.from(
                v.attestation.content.buffer,
                v.attestation.content.byteOffset,
                v.attestation.content.byteLength,
              ),
            },
          }
        : {}),
    },
  };
}
