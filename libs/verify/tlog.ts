/**
 * Transparency-log evidence in a bundle: the signed entry timestamp (Rekor v1 "inclusion
 * promise") and the inclusion proof with its signed checkpoint (Rekor v1 and v2). All of it is
 * attacker-controlled until verified against a log in the trust material.
 *
 * - SET: the log's signature over the RFC 8785 JSON {body, integratedTime, logIndex, logID}
 *   (rekor pkg/api/entries.go; sigstore-js packages/verify/src/tlog/set.ts), with a log key
 *   valid at the integrated time.
 * - Inclusion proof: RFC 9162 §2.1.3.2 from the leaf hash SHA-256(0x00 || canonicalizedBody)
 *   (libs/merkle) to the root of a checkpoint (C2SP tlog-checkpoint) that the log signed as a C2SP
 *   signed note (libs/note): Rekor v1 signs with ECDSA (key id = SHA-256(SPKI)[:4]) under the key
 *   name `<host>`, origin `<host> - <tree id>`; Rekor v2 with Ed25519 (C2SP key id) under the
 *   name and origin `<host>`. Signatures by unknown keys (witness cosignatures) are ignored; a
 *   signature by the log's key that does not verify rejects the checkpoint.
 */
import { AttestryError, crypto, isAttestryError, toHex } from '../core/index.js';
import { hashLeaf, verifyInclusion } from '../merkle/index.js';
import {
  createEcdsaVerifier,
  createEd25519Verifier,
  openNote,
  parseCheckpoint,
  type Verifier,
} from '../note/index.js';
import { canonicalJsonBytes } from './canonical-json.js';
import type { TlogEntry } from './schemas.js';
import { inRange, type TransparencyLog, type TrustMaterial } from './trust.js';

function invalid(message: string, cause?: unknown): AttestryError {
  return new AttestryError('TLOG_PROOF_INVALID', message, cause === undefined ? {} : { cause });
}

function safeNumber(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`${what} is too large`);
  return Number(v);
}

export interface VerifiedTlogEntry {
  readonly entry: TlogEntry;
  readonly log: TransparencyLog;
  /** The integrated time, when a verified inclusion promise vouches for it. */
  readonly integratedTime?: Date;
  readonly inclusionProofVerified: boolean;
  readonly inclusionPromiseVerified: boolean;
}

/** Key names a log's checkpoint signature may carry: its URL's host, with or without its path. */
function logNames(log: TransparencyLog): string[] {
  try {
    const url = new URL(log.baseUrl);
    const path = url.pathname.replace(/\/+$/, '');
    return [...new Set([url.host, url.hostname, `${url.host}${path}`])];
  } catch {
    return [log.baseUrl];
  }
}

function noteVerifiers(log: TransparencyLog): Verifier[] {
  const out: Verifier[] = [];
  for (const name of logNames(log)) {
    try {
      if (log.key.asymmetricKeyType === 'ed25519') out.push(createEd25519Verifier(name, log.key));
      else if (log.key.asymmetricKeyType === 'ec') out.push(createEcdsaVerifier(name, log.key));
    } catch {
      // a name libs/note refuses cannot sign a checkpoint either
    }
  }
  return out;
}

function verifySet(entry: TlogEntry, logs: readonly TransparencyLog[]): Date {
  if (entry.integratedTime === undefined || entry.integratedTime === 0n)
    throw invalid('an inclusion promise without an integrated time');
  const integratedTime = safeNumber(entry.integratedTime, 'integratedTime');
  const at = new Date(integratedTime * 1000);
  const payload = canonicalJsonBytes({
    body: entry.canonicalizedBody.toString('base64'),
    integratedTime,
    logIndex: safeNumber(entry.logIndex, 'logIndex'),
    logID: toHex(entry.logId),
  });
  const ok = logs.some(
    (log) =>
      inRange(log.validFor, at) &&
      crypto.verify(log.key, payload, entry.signedEntryTimestamp!, { hash: 'sha256' }),
  );
  if (!ok)
    throw invalid(
      'the inclusion promise (signed entry timestamp) does not verify under a log key valid at its integrated time',
    );
  return at;
}

function verifyProof(entry: TlogEntry, log: TransparencyLog): void {
  const proof = entry.inclusionProof!;
  let verified;
  try {
    verified = openNote(proof.checkpoint, noteVerifiers(log));
  } catch (e) {
    throw invalid('the checkpoint is not signed by the log', e);
  }
  let checkpoint;
  try {
    checkpoint = parseCheckpoint(verified.text);
  } catch (e) {
    throw invalid('the checkpoint is malformed', e);
  }
  const names = verified.verified.map((s) => s.name);
  if (!names.some((n) => checkpoint.origin === n || checkpoint.origin.startsWith(`${n} - `)))
    throw invalid(`the checkpoint origin ${JSON.stringify(checkpoint.origin)} is not the log's`);
  const treeSize = safeNumber(proof.treeSize, 'treeSize');
  if (checkpoint.treeSize !== treeSize)
    throw invalid('the checkpoint is for another tree size than the proof');
  if (!Buffer.from(checkpoint.rootHash).equals(proof.rootHash))
    throw invalid("the checkpoint root hash is not the proof's");
  try {
    verifyInclusion(
      safeNumber(proof.logIndex, 'inclusionProof.logIndex'),
      treeSize,
      hashLeaf(entry.canonicalizedBody),
      proof.hashes,
      checkpoint.rootHash,
    );
  } catch (e) {
    if (isAttestryError(e) && e.code.startsWith('MERKLE_'))
      throw invalid(`the inclusion proof does not verify: ${e.message}`, e);
    throw e;
  }
}

/**
 * Verifies one tlog entry's inclusion evidence against the trusted logs. `times` are the
 * verified times at which the log's key must be valid when no inclusion promise dates the
 * entry (Rekor v2 entries are dated by RFC 3161 timestamps). Throws TLOG_PROOF_INVALID.
 */
export function verifyTlogInclusion(
  entry: TlogEntry,
  trust: TrustMaterial,
  times: readonly Date[],
): VerifiedTlogEntry {
  const logs = trust.tlogs.filter(
    (l) => l.logId.equals(entry.logId) || l.checkpointKeyId?.equals(entry.logId),
  );
  if (logs.length === 0)
    throw invalid(`no trusted transparency log has id ${entry.logId.toString('base64')}`);
  if (!entry.signedEntryTimestamp && !entry.inclusionProof)
    throw invalid('the entry has neither an inclusion promise nor a proof');
  const integratedTime = entry.signedEntryTimestamp ? verifySet(entry, logs) : undefined;
  const validAt = integratedTime ? [integratedTime] : times;
  const candidates = logs.filter((l) => validAt.every((t) => inRange(l.validFor, t)));
  if (candidates.length === 0) throw invalid("no key of this log is valid at the entry's time");
  if (entry.inclusionProof) {
    let lastError: unknown;
    const ok = candidates.some((log) => {
      try {
        verifyProof(entry, log);
        return true;
      } catch (e) {
        lastError = e;
        return false;
      }
    });
    if (!ok)
      throw lastError instanceof AttestryError
        ? lastError
        : invalid('the inclusion proof does not verify', lastError);
  }
  return {
    entry,
    log: candidates[0]!,
    ...(integratedTime ? { integratedTime } : {}),
    inclusionProofVerified: entry.inclusionProof !== undefined,
    inclusionPromiseVerified: integratedTime !== undefined,
  };
}
