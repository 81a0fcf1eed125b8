/**
 * The log's own formats, pure: signed entry timestamps (Rekor v1 SET), checkpoints signed by
 * both log keys, and Sigstore TransparencyLogEntry JSON (as a bundle carries it).
 */
import { AttestryError, crypto, fromHex, toBase64, type KeyObject } from '../core/index.js';
import {
  createEcdsaSigner,
  createEcdsaVerifier,
  createEd25519Signer,
  createEd25519Verifier,
  formatCheckpoint,
  formatKeyId,
  openCheckpoint,
  parseNote,
  signNote,
  type Signer,
  type Verifier,
} from '../note/index.js';

/** An entry body may be at most 65,535 bytes: it must fit a tlog-tiles entry bundle (uint16 length). */
export const MAX_ENTRY_BYTES = 65535;

/** What the log needs from a verified submission. */
export interface LoggableSubmission {
  kind: 'hashedrekord' | 'dsse';
  /** Canonical Rekor v1 entry body: the leaf's bytes. */
  body: Buffer;
  /** The attestation stored beside the log (a DSSE envelope), if any. */
  attestation?: { hash: Buffer; mediaType: string; content: Buffer };
}

/** Verifies a submitted signing event (attacker-controlled) and returns what the log stores. */
export type VerifyForLog = (input: unknown) => LoggableSubmission;

export interface LogIdentity {
  /** Checkpoint origin line and the key name of both note signatures. */
  origin: string;
  /** Hex SHA-256 of the ECDSA key's DER SPKI (Rekor v1 logID). */
  logId: string;
}

export interface LogSigningKeys {
  ed25519: KeyObject;
  ecdsa: KeyObject;
}

export interface LogPublicKeys {
  ed25519: KeyObject;
  ecdsa: KeyObject;
}

/**
 * Both note signers. The key name is the origin: sigstore-js matches a checkpoint signature to a
 * log when the key hint equals logID[:4] (the ECDSA key id) and the log's baseUrl matches the
 * key name, so the exported trusted root's baseUrl contains the origin.
 */
export function logSigners(origin: string, keys: LogSigningKeys): Signer[] {
  return [createEd25519Signer(origin, keys.ed25519), createEcdsaSigner(origin, keys.ecdsa)];
}

export function logVerifiers(origin: string, keys: LogPublicKeys): Verifier[] {
  return [createEd25519Verifier(origin, keys.ed25519), createEcdsaVerifier(origin, keys.ecdsa)];
}

/** A C2SP tlog-checkpoint signed by both log keys, as one signed note. */
export function signCheckpoint(
  origin: string,
  treeSize: number,
  rootHash: Uint8Array,
  signers: Signer[],
): string {
  return signNote(formatCheckpoint({ origin, treeSize, rootHash, extensions: [] }), signers);
}

/**
 * Whether a checkpoint already in the log was signed under `origin` by every one of `signers`:
 * the check a sequencer makes before it appends to an existing log. A sequencer started with
 * other keys (a second data folder, a key file not restored from backup) or another origin would
 * otherwise sign checkpoints no earlier verifier trusts, splitting the log's identity. Throws
 * LOG_KEY_MISMATCH naming the keys found and the keys expected; nothing in the note is trusted
 * before its signatures are checked.
 */
export function checkCheckpointSigners(note: string, origin: string, signers: readonly Signer[]): void {
  const expected = signers.map((s) => `${s.name}+${formatKeyId(s.keyId)}`);
  // The keys that did sign, for the operator (unverified: only shown when refusing).
  const found = () => {
    try {
      return parseNote(note).signatures.map((s) => `${s.name}+${formatKeyId(s.keyId)}`);
    } catch {
      return [];
    }
  };
  const mismatch = (why: string, cause?: unknown) =>
    new AttestryError(
      'LOG_KEY_MISMATCH',
      `the log's checkpoints are not signed by this sequencer's keys (${why}): refusing to append. ` +
        `Start it with the log's own keys and origin (LOG_KEYS_DIR / LOG_*_KEY_FILE / LOG_ORIGIN, ` +
        `or the ATTESTRY_HOME the log was created with)`,
      { details: { expected, found: found(), origin }, ...(cause === undefined ? {} : { cause }) },
    );
  let verified: readonly { name: string; keyId: number }[];
  try {
    verified = openCheckpoint(
      note,
      origin,
      signers.map((s) => s.verifier),
    ).note.verified;
  } catch (e) {
    throw mismatch(e instanceof Error ? e.message : String(e), e);
  }
  const missing = signers.filter((s) => !verified.some((v) => v.name === s.name && v.keyId === s.keyId));
  if (missing.length > 0)
    throw mismatch(`no signature by ${missing.map((s) => `${s.name}+${formatKeyId(s.keyId)}`).join(', ')}`);
}

/**
 * The bytes a Rekor v1 signed entry timestamp signs: the RFC 8785 canonical JSON of
 * {body, integratedTime, logID, logIndex} (keys in code-point order; integers, base64 and hex
 * strings need no escaping, so this literal is canonical).
 */
export function setPayload(e: {
  body: Uint8Array;
  integratedTime: number;
  logIndex: number;
  logId: string;
}): Buffer {
  if (!/^[0-9a-f]{64}$/.test(e.logId))
    throw new AttestryError('INPUT_MALFORMED', 'logID must be 64 lowercase hex digits');
  if (!Number.isSafeInteger(e.integratedTime) || !Number.isSafeInteger(e.logIndex))
    throw new AttestryError('INPUT_MALFORMED', 'integratedTime and logIndex must be integers');
  return Buffer.from(
    `{"body":"${toBase64(e.body)}","integratedTime":${e.integratedTime},"logID":"${e.logId}","logIndex":${e.logIndex}}`,
    'utf8',
  );
}

export function signEntryTimestamp(
  ecdsa: KeyObject,
  e: { body: Uint8Array; integratedTime: number; logIndex: number; logId: string },
): Buffer {
  return crypto.sign(ecdsa, setPayload(e), 'sha256');
}

export function verifyEntryTimestamp(
  ecdsa: KeyObject,
  e: { body: Uint8Array; integratedTime: number; logIndex: number; logId: string },
  signature: Uint8Array,
): boolean {
  return crypto.verify(ecdsa, setPayload(e), signature, { hash: 'sha256' });
}

export interface EntryForBundle {
  logIndex: number;
  kind: 'hashedrekord' | 'dsse';
  body: Uint8Array;
  integratedTime: number;
  setSignature: Uint8Array;
}

export interface ProofForBundle {
  treeSize: number;
  rootHash: Uint8Array;
  hashes: Uint8Array[];
  /** The signed checkpoint note at exactly treeSize. */
  checkpoint: string;
}

/** Sigstore TransparencyLogEntry in protobuf JSON (int64 as strings, bytes as base64). */
export interface TransparencyLogEntryJson {
  logIndex: string;
  logId: { keyId: string };
  kindVersion: { kind: string; version: string };
  integratedTime: string;
  inclusionPromise: { signedEntryTimestamp: string };
  inclusionProof?: {
    logIndex: string;
    rootHash: string;
    treeSize: string;
    hashes: string[];
    checkpoint: { envelope: string };
  };
  canonicalizedBody: string;
}

export function toTransparencyLogEntry(
  logId: string,
  entry: EntryForBundle,
  proof?: ProofForBundle,
): TransparencyLogEntryJson {
  return {
    logIndex: String(entry.logIndex),
    logId: { keyId: toBase64(fromHex(logId)) },
    kindVersion: { kind: entry.kind, version: '0.0.1' },
    integratedTime: String(entry.integratedTime),
    inclusionPromise: { signedEntryTimestamp: toBase64(entry.setSignature) },
    ...(proof
      ? {
          inclusionProof: {
            logIndex: String(entry.logIndex),
            rootHash: toBase64(proof.rootHash),
            treeSize: String(proof.treeSize),
            hashes: proof.hashes.map(toBase64),
            checkpoint: { envelope: proof.checkpoint },
          },
        }
      : {}),
    canonicalizedBody: toBase64(entry.body),
  };
}

/** What entryWithProof reads: the log's latest signed checkpoint and proofs (libs/db TlogReader). */
export interface ProofSource {
  latestCheckpoint(): Promise<{ treeSize: number; note: string } | undefined>;
  inclusionProof(index: number, treeSize: number): Promise<{ rootHash: Uint8Array; hashes: Uint8Array[] }>;
}

/**
 * The entry as a bundle carries it, with its inclusion proof at the latest signed checkpoint when
 * one covers it (gateway answers, GraphQL logEntry).
 */
export async function entryWithProof(
  source: ProofSource,
  logId: string,
  entry: EntryForBundle,
): Promise<TransparencyLogEntryJson> {
  const cp = await source.latestCheckpoint();
  if (!cp || cp.treeSize <= entry.logIndex) return toTransparencyLogEntry(logId, entry);
  const proof = await source.inclusionProof(entry.logIndex, cp.treeSize);
  return toTransparencyLogEntry(logId, entry, {
    treeSize: cp.treeSize,
    rootHash: proof.rootHash,
    hashes: proof.hashes,
    checkpoint: cp.note,
  });
}

export { createLogVerifier, keyHintsFromLists, trustFromRoots, DSSE_MEDIA_TYPE } from './log-verifier.js';
export { createVoucher, type Voucher, type Vouched } from './voucher.js';
