/** Small, strict encoders/decoders used at trust boundaries (attacker-controlled input). */
import { AttestryError } from './errors.js';

const HEX_RE = /^(?:[0-9a-f]{2})*$/;
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Decodes lowercase hex; anything else is an error (no silent truncation as Buffer.from does). */
export function fromHex(s: string, what = 'hex'): Buffer {
  if (!HEX_RE.test(s))
    throw new AttestryError('INPUT_MALFORMED', `${what} is not lowercase hex of whole bytes`);
  return Buffer.from(s, 'hex');
}

export function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** Decodes standard, padded base64 strictly (RFC 4648 §4); Buffer.from ignores junk. */
export function fromBase64(s: string, what = 'base64'): Buffer {
  if (!B64_RE.test(s)) throw new AttestryError('INPUT_MALFORMED', `${what} is not canonical padded base64`);
  return Buffer.from(s, 'base64');
}

export function isBase64(s: string): boolean {
  return B64_RE.test(s);
}

export function utf8(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}
