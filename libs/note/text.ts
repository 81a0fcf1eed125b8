/**
 * Character rules shared by notes, key names and checkpoints (C2SP signed-note §Format).
 * Internal to libs/note.
 */
import { isBase64 } from '../core/index.js';

/**
 * True when `s` is well-formed Unicode (no lone UTF-16 surrogate, so it encodes to valid UTF-8)
 * and has no ASCII control character other than newline. C2SP signed-note §Format: "Signed
 * notes MUST be valid UTF-8 and MUST NOT contain any ASCII control characters (those below
 * U+0020) other than newline."
 */
export function isNoteSafe(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) {
      if (c !== 0x0a) return false;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

const UNICODE_SPACE = /\p{White_Space}/u;

/**
 * C2SP signed-note §Format: "Key names MUST be non-empty and MUST NOT contain any Unicode
 * spaces or plus (U+002B) characters." (Unicode spaces: the White_Space property, as Go's
 * unicode.IsSpace.) Newline is a space, so a valid name is also a single line.
 */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !name.includes('+') && !UNICODE_SPACE.test(name) && isNoteSafe(name);
}

/**
 * Decodes standard padded base64 (RFC 4648 §4) and only its canonical form: the bytes must
 * re-encode to the same string, so one value has one encoding (no junk, no non-zero pad bits).
 * Returns undefined when `s` is not that.
 */
export function decodeCanonicalBase64(s: string): Buffer | undefined {
  if (!isBase64(s)) return undefined;
  const bytes = Buffer.from(s, 'base64');
  return bytes.toString('base64') === s ? bytes : undefined;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 strictly (invalid sequences are undefined; a BOM is kept, not stripped). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return undefined;
  }
}
