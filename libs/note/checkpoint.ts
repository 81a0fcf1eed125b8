/**
 * C2SP tlog-checkpoint: the note text of a log's signed tree head.
 *
 *     <origin>
 *     <tree size, decimal>
 *     <root hash, base64>
 *     [extension lines]
 */
import { AttestryError, toBase64 } from '../core/index.js';
import type { Verifier } from './keys.js';
import { openNote, type VerifiedNote } from './signed-note.js';
import { decodeCanonicalBase64, isNoteSafe } from './text.js';

/** RFC 6962 Merkle tree hashes are SHA-256. */
const ROOT_HASH_BYTES = 32;
const TREE_SIZE = /^(?:0|[1-9][0-9]*)$/;

export interface Checkpoint {
  /** Unique identifier of the log identity that issued the checkpoint. */
  readonly origin: string;
  /** Number of leaves. Limited to Number.MAX_SAFE_INTEGER (2^53 - 1) in this implementation. */
  readonly treeSize: number;
  /** RFC 6962 root hash at treeSize (32 bytes). */
  readonly rootHash: Uint8Array;
  /** Opaque extension lines (e.g. Rekor v1's `Timestamp: ...`), in order. */
  readonly extensions: readonly string[];
}

export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: VerifiedNote;
}

/**
 * Parses a checkpoint note text (tlog-checkpoint §Note text). Throws CHECKPOINT_MALFORMED.
 * Only a verified note's text should be trusted: prefer openCheckpoint.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (!isNoteSafe(text))
    throw malformed(
      'checkpoint is not well-formed Unicode or contains a control character other than newline',
    );
  if (!text.endsWith('\n')) throw malformed('checkpoint text does not end in a newline');
  // "a sequence of at least three non-empty lines"; extension lines "MUST be non-empty".
  const lines = text.slice(0, -1).split('\n');
  const [origin, size, hash, ...extensions] = lines;
  if (origin === undefined || size === undefined || hash === undefined)
    throw malformed('checkpoint has fewer than three lines');
  if (lines.some((line) => line === '')) throw malformed('checkpoint has an empty line');
  // "ASCII decimal ... with no leading zeroes (unless the tree is empty ...)".
  if (!TREE_SIZE.test(size))
    throw malformed('checkpoint tree size is not a decimal number without leading zeroes');
  const treeSize = Number(size);
  if (!Number.isSafeInteger(treeSize)) throw malformed('checkpoint tree size is larger than 2^53 - 1');
  const rootHash = decodeCanonicalBase64(hash);
  if (rootHash === undefined) throw malformed('checkpoint root hash is not canonical padded base64');
  if (rootHash.length !== ROOT_HASH_BYTES)
    throw malformed(`checkpoint root hash is ${rootHash.length} bytes, not ${ROOT_HASH_BYTES}`);
  return { origin, treeSize, rootHash, extensions };
}

/** Formats a checkpoint as note text; throws CHECKPOINT_MALFORMED for what parseCheckpoint rejects. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, treeSize, rootHash, extensions } = checkpoint;
  for (const line of [origin, ...extensions]) {
    if (line === '' || line.includes('\n') || !isNoteSafe(line)) {
      throw malformed(
        'checkpoint origin and extension lines are non-empty single lines without control characters',
      );
    }
  }
  if (!Number.isSafeInteger(treeSize) || treeSize < 0)
    throw malformed('checkpoint tree size is a non-negative safe integer');
  if (rootHash.length !== ROOT_HASH_BYTES)
    throw malformed(`checkpoint root hash is ${ROOT_HASH_BYTES} bytes`);
  return [origin, String(treeSize), toBase64(rootHash), ...extensions].map((line) => `${line}\n`).join('');
}

/**
 * Verifies a signed checkpoint against the log's keys (and any witnesses') and checks that it is
 * for `origin`. The note is verified before its text is read (C2SP signed-note: the text MUST be
 * ignored unless signed by a trusted key). The key name need not equal the origin (tlog-checkpoint
 * §Signatures says SHOULD; Rekor v1 signs origin `rekor.sigstore.dev - <tree ID>` under the name
 * `rekor.sigstore.dev`). Throws the openNote errors, CHECKPOINT_MALFORMED, CHECKPOINT_ORIGIN_MISMATCH.
 */
export function openCheckpoint(
  note: string | Uint8Array,
  origin: string,
  verifiers: readonly Verifier[],
): OpenedCheckpoint {
  const verified = openNote(note, verifiers);
  const checkpoint = parseCheckpoint(verified.text);
  if (checkpoint.origin !== origin) {
    throw new AttestryError(
      'CHECKPOINT_ORIGIN_MISMATCH',
      `checkpoint origin is not ${JSON.stringify(origin)}`,
      {
        details: { expected: origin, actual: checkpoint.origin },
      },
    );
  }
  return { checkpoint, note: verified };
}

function malformed(message: string): AttestryError {
  return new AttestryError('CHECKPOINT_MALFORMED', message);
}
