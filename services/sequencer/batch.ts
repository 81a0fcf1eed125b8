/**
 * The sequencer's functional core: turn a batch of Kafka records into entries to append and
 * rejections, with no I/O. `parseBatch` parses the events, a verifier (inline or a worker pool)
 * checks each signing event again (zero trust: producers may write to Kafka directly),
 * `assembleBatch` joins the two, and `planAppend` dedupes and assigns consecutive indexes.
 */
import { AttestryError, toAttestryError, type ErrorCode } from '../../libs/core/index.js';
import { SubmissionEvent } from '../../libs/events/index.js';
import { hashLeaf } from '../../libs/merkle/index.js';
import type { IncomingMessage } from '../../libs/bus/index.js';
import { MAX_ENTRY_BYTES, type LoggableSubmission, type VerifyForLog } from '../../libs/tlog/index.js';

export type { LoggableSubmission, VerifyForLog };

export interface Candidate {
  offset: number;
  requestId: string;
  leafHash: Buffer;
  submission: LoggableSubmission;
}

export interface Rejection {
  offset: number;
  key: string | null;
  reason: ErrorCode;
  message: string;
  payload: Buffer;
}

export interface ParsedRecord {
  offset: number;
  key: string | null;
  payload: Buffer;
  event: SubmissionEvent;
}

/** The outcome of verifying one input, as it crosses a worker boundary (plain data). */
export type VerifyOutcome =
  { ok: true; value: LoggableSubmission } | { ok: false; code: ErrorCode; message: string };

export function verifyOutcome(verify: VerifyForLog, input: unknown): VerifyOutcome {
  try {
    return { ok: true, value: verify(input) };
  } catch (e) {
    const err = toAttestryError(e);
    return { ok: false, code: err.code, message: err.message };
  }
}

/** Parses each record as a SubmissionEvent v1; what does not parse is a rejection. */
export function parseBatch(messages: IncomingMessage[]): {
  records: ParsedRecord[];
  rejections: Rejection[];
} {
  const records: ParsedRecord[] = [];
  const rejections: Rejection[] = [];
  for (const m of messages) {
    const payload = m.value ?? Buffer.alloc(0);
    const key = m.key ? m.key.toString('utf8') : null;
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      rejections.push({
        offset: m.offset,
        key,
        reason: 'INPUT_MALFORMED',
        message: 'the submission is not JSON',
        payload,
      });
      continue;
    }
    const event = SubmissionEvent.safeParse(json);
    if (!event.success) {
      const issues = event.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      rejections.push({
        offset: m.offset,
        key,
        reason: 'INPUT_MALFORMED',
        message: `the submission does not match SubmissionEvent v1: ${issues}`,
        payload,
      });
      continue;
    }
    records.push({ offset: m.offset, key, payload, event: event.data });
  }
  return { records, rejections };
}

/** Joins parsed records with their verification outcomes (same order). */
export function assembleBatch(
  records: ParsedRecord[],
  outcomes: VerifyOutcome[],
): { candidates: Candidate[]; rejections: Rejection[] } {
  if (outcomes.length !== records.length)
    throw new AttestryError('INTERNAL', 'one verification outcome per record');
  const candidates: Candidate[] = [];
  const rejections: Rejection[] = [];
  records.forEach((r, i) => {
    const o = outcomes[i] as VerifyOutcome;
    if (!o.ok) {
      rejections.push({
        offset: r.offset,
        key: r.key,
        reason: o.code,
        message: o.message,
        payload: r.payload,
      });
      return;
    }
    if (o.value.body.length > MAX_ENTRY_BYTES) {
      const message = `the entry body is ${o.value.body.length} bytes; at most ${MAX_ENTRY_BYTES} fit a tile entry bundle`;
      rejections.push({
        offset: r.offset,
        key: r.key,
        reason: 'ENTRY_TOO_LARGE',
        message,
        payload: r.payload,
      });
      return;
    }
    candidates.push({
      offset: r.offset,
      requestId: r.event.requestId,
      leafHash: hashLeaf(o.value.body),
      submission: o.value,
    });
  });
  return { candidates, rejections };
}

/** parseBatch + inline verification + assembleBatch, for callers without a worker pool. */
export function decodeBatch(
  messages: IncomingMessage[],
  verify: VerifyForLog,
): { candidates: Candidate[]; rejections: Rejection[] } {
  const { records, rejections } = parseBatch(messages);
  const assembled = assembleBatch(
    records,
    records.map((r) => verifyOutcome(verify, r.event.input)),
  );
  return { candidates: assembled.candidates, rejections: [...rejections, ...assembled.rejections] };
}

export interface PlannedEntry {
  logIndex: number;
  leafHash: Buffer;
  submission: LoggableSubmission;
}

/**
 * Dedupes (against the log and within the batch: a submission already logged maps to its
 * existing index, nothing is appended twice) and assigns consecutive indexes from `treeSize`.
 */
export function planAppend(
  treeSize: number,
  existing: Map<string, number>,
  candidates: Candidate[],
): { entries: PlannedEntry[]; duplicates: number } {
  const seen = new Set(existing.keys());
  const entries: PlannedEntry[] = [];
  let duplicates = 0;
  for (const c of candidates) {
    const id = c.leafHash.toString('hex');
    if (seen.has(id)) {
      duplicates += 1;
      continue;
    }
    seen.add(id);
    entries.push({ logIndex: treeSize + entries.length, leafHash: c.leafHash, submission: c.submission });
  }
  return { entries, duplicates };
}
