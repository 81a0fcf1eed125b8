/** A signing worker thread of the demo stream (see stream.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { DemoModel } from './model.js';
import type { ChunkReply, ChunkRequest, WorkerData } from './stream.js';
import { DemoSigner } from './submissions.js';

const data = workerData as WorkerData;
const model = new DemoModel({ seed: data.seed, scale: data.scale });
const signer = new DemoSigner(model);

parentPort?.on('message', (req: ChunkRequest) => {
  let reply: ChunkReply;
  try {
    const items = [];
    for (let i = req.start; i < req.end; i++) items.push(signer.sign(model.plan(i)));
    reply = { id: req.id, items };
  } catch (e) {
    reply = { id: req.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  parentPort?.postMessage(reply);
});
