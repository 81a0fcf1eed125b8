/** A verification worker thread of the sequencer (see verify-pool.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../../libs/core/index.js';
import { readJsonFiles } from '../../libs/config/index.js';
import { createLogVerifier, keyHintsFromLists, trustFromRoots } from '../../libs/tlog/index.js';
import { verifyOutcome } from './batch.js';
import type { VerifyWorkerData } from './verify-pool.js';

const data = workerData as VerifyWorkerData;
const verify = createLogVerifier({
  trust: trustFromRoots(readJsonFiles(data.trustedRootFiles)),
  keyHints: keyHintsFromLists(readJsonFiles(data.keyHintFiles)),
  clock: systemClock,
});

parentPort?.on('message', (m: { id: number; inputs: unknown[] }) => {
  parentPort?.postMessage({ id: m.id, outcomes: m.inputs.map((input) => verifyOutcome(verify, input)) });
});
