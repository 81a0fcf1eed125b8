/**
 * C2SP signed-note: parse, format, sign and open (verify) notes.
 *
 *     <text, ending in newline>
 *     <blank line>
 *     — <key name> base64(32-bit key ID || signature)      (one or more)
 */
import { AttestryError, toBase64 } from '../core/index.js';
import { parseCosignature } from './cosignature.js';
import { formatKeyId, type SignatureType, type Signer, type Verifier } from './keys.js';
import { decodeCanonicalBase64, decodeUtf8, isNoteSafe, isValidKeyName } from './text.js';

/**
 * The most signature lines a note may carry. C2SP signed-note §Format: verifiers SHOULD apply a
 * limit but MUST accept at least 16. 100 is Go's golang.org/x/mod/sumdb/note limit.
 */
export const MAX_NOTE_SIGNATURES = 100;

const SIGNATURE_PREFIX = '\u2014 '; // em dash, space

export interface NoteSignature {
  readonly name: string;
  /** uint32 key ID (the first four signature bytes, big-endian). */
  readonly keyId: number;
  /** The signature bytes after the key ID. */
  readonly signature: Uint8Array;
}

export interface Note {
  /** The note text, final newline included, separating blank line excluded. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

export interface VerifiedSignature extends NoteSignature {
  readonly type: SignatureType;
  /** For cosignature/v1 signatures: the cosigner's POSIX timestamp in seconds. */
  readonly timestamp?: number;
}

/** A note whose text may be trusted: at least one signature from a known key verified. */
export interface VerifiedNote {
  readonly text: string;
  /** One entry per known key that signed (repeated signatures by one key are listed once). */
  readonly verified: readonly VerifiedSignature[];
  /** Signatures from keys not in the known set, ignored (C2SP signed-note §Signatures). */
  readonly unverified: readonly NoteSignature[];
}

/**
 * Parses a signed note without verifying it (C2SP signed-note §Format). `input` is
 * attacker-controlled: bytes must be valid UTF-8 (a leading BOM is kept as text); a string must
 * be well-formed Unicode. Throws NOTE_MALFORMED. Never trust the text of a parsed note: use
 * openNote.
 */
export function parseNote(input: string | Uint8Array): Note {
  const message = typeof input === 'string' ? input : decodeUtf8(input);
  if (message === undefined) throw malformed('note is not valid UTF-8');
  if (!isNoteSafe(message))
    throw malformed('note is not well-formed Unicode or contains a control character other than newline');
  if (!message.endsWith('\n')) throw malformed('note does not end in a newline');
  // "the text is separated from the signatures by the last empty line in the note"
  const split = message.lastIndexOf('\n\n');
  if (split < 0) throw malformed('note has no blank line before its signatures');
  const text = message.slice(0, split + 1);
  const block = message.slice(split + 2);
  if (block === '') throw malformed('note has no signature lines');
  // The block ends in a newline and, after the last blank line, holds no empty line.
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES)
    throw malformed(`note has more than ${MAX_NOTE_SIGNATURES} signatures`);
  return { text, signatures: lines.map(parseSignatureLine) };
}

/** `— <key name> base64(key ID || signature)` (C2SP signed-note §Signatures). */
function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX))
    throw malformed('a signature line does not start with an em dash and a space');
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw malformed('a signature line has no space between key name and signature');
  const name = rest.slice(0, space);
  if (!isValidKeyName(name)) throw malformed('a signature line has an invalid key name');
  const bytes = decodeCanonicalBase64(rest.slice(space + 1));
  if (bytes === undefined) throw malformed('a signature is not canonical padded base64');
  // "Signatures are the base64 encoding of 4+n bytes": a key ID and a non-empty signature.
  if (bytes.length < 5) throw malformed('a signature is shorter than a key ID and one byte');
  return { name, keyId: bytes.readUInt32BE(0), signature: bytes.subarray(4) };
}

/** Formats a note; throws NOTE_MALFORMED for anything parseNote would reject. */
export function formatNote(note: Note): string {
  assertText(note.text);
  if (note.signatures.length === 0) throw malformed('a note needs at least one signature');
  if (note.signatures.length > MAX_NOTE_SIGNATURES)
    throw malformed(`a note carries at most ${MAX_NOTE_SIGNATURES} signatures`);
  return `${note.text}\n${note.signatures.map(formatSignatureLine).join('')}`;
}

function formatSignatureLine(s: NoteSignature): string {
  if (!isValidKeyName(s.name)) throw malformed('invalid key name');
  if (!Number.isInteger(s.keyId) || s.keyId < 0 || s.keyId > 0xffffffff)
    throw malformed('a key ID is a uint32');
  if (s.signature.length === 0) throw malformed('empty signature');
  const bytes = Buffer.alloc(4 + s.signature.length);
  bytes.writeUInt32BE(s.keyId, 0);
  bytes.set(s.signature, 4);
  return `${SIGNATURE_PREFIX}${s.name} ${toBase64(bytes)}\n`;
}

/**
 * Signs `text` with every signer and returns the formatted note. `existing` signatures (e.g. the
 * log's, when a witness cosigns) come first, except those from a key that signs again here.
 */
export function signNote(
  text: string,
  signers: readonly Signer[],
  existing: readonly NoteSignature[] = [],
): string {
  assertText(text);
  if (signers.length === 0) throw malformed('signNote needs at least one signer');
  const message = Buffer.from(text, 'utf8');
  const fresh = signers.map((signer): NoteSignature => {
    if (!isValidKeyName(signer.name)) throw new AttestryError('KEY_MALFORMED', 'invalid signer key name');
    return { name: signer.name, keyId: signer.keyId, signature: signer.sign(message) };
  });
  const kept = existing.filter((s) => !fresh.some((f) => f.name === s.name && f.keyId === s.keyId));
  return formatNote({ text, signatures: [...kept, ...fresh] });
}

/**
 * Parses and verifies a note against known keys (C2SP signed-note §Signatures):
 * - a signature whose (key name, key ID) matches no known key is ignored;
 * - a signature from a known key that does not verify rejects the note (NOTE_SIGNATURE_INVALID);
 * - at least one known signature must verify (else NOTE_NO_KNOWN_SIGNATURE).
 * Two known keys may not share both name and key ID (KEY_MALFORMED).
 */
export function openNote(input: string | Uint8Array, verifiers: readonly Verifier[]): VerifiedNote {
  const known = new Map<string, Verifier>();
  for (const v of verifiers) {
    const id = keyOf(v.name, v.keyId);
    if (known.has(id))
      throw new AttestryError(
        'KEY_MALFORMED',
        `two known keys share key name and key ID ${v.name}+${formatKeyId(v.keyId)}`,
      );
    known.set(id, v);
  }
  const note = parseNote(input);
  const message = Buffer.from(note.text, 'utf8');
  const verified = new Map<string, VerifiedSignature>();
  const unverified = new Map<string, NoteSignature>();
  for (const sig of note.signatures) {
    const id = keyOf(sig.name, sig.keyId);
    const verifier = known.get(id);
    if (verifier === undefined) {
      unverified.set(`${id}+${toBase64(sig.signature)}`, sig);
      continue;
    }
    if (!verifier.verify(message, sig.signature)) {
      throw new AttestryError(
        'NOTE_SIGNATURE_INVALID',
        `invalid signature for key ${sig.name}+${formatKeyId(sig.keyId)}`,
        {
          details: { name: sig.name, keyId: formatKeyId(sig.keyId) },
        },
      );
    }
    if (!verified.has(id)) {
      const timestamp =
        verifier.type === 'cosignature-v1' ? parseCosignature(sig.signature).timestamp : undefined;
      verified.set(id, { ...sig, type: verifier.type, ...(timestamp === undefined ? {} : { timestamp }) });
    }
  }
  if (verified.size === 0) {
    throw new AttestryError('NOTE_NO_KNOWN_SIGNATURE', 'no signature on the note is from a known key', {
      details: { signatures: note.signatures.map((s) => `${s.name}+${formatKeyId(s.keyId)}`) },
    });
  }
  return { text: note.text, verified: [...verified.values()], unverified: [...unverified.values()] };
}

function assertText(text: string): void {
  if (!text.endsWith('\n')) throw malformed('note text must end in a newline');
  if (!isNoteSafe(text))
    throw malformed(
      'note text is not well-formed Unicode or contains a control character other than newline',
    );
}

function keyOf(name: string, keyId: number): string {
  // A key name never contains '+', so this is unambiguous.
  return `${name}+${formatKeyId(keyId)}`;
}

function malformed(message: string): AttestryError {
  return new AttestryError('NOTE_MALFORMED', message);
}
