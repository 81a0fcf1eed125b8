/**
 * Byte encodings as Sigstore's formats use them. All inputs here are attacker-controlled.
 *
 * Protobuf JSON (the Sigstore bundle's encoding) writes `bytes` as standard base64 and accepts
 * the URL-safe alphabet and missing padding on input; the DSSE spec (envelope.md) asks verifiers
 * to accept both alphabets too. Buffer.from(s, 'base64') silently skips any junk character, so
 * every decode goes through a strict check first.
 */
import { AttestryError } from '../core/index.js';

const STD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE = /^[A-Za-z0-9\-_]*={0,2}$/;

/**
 * Decodes standard or URL-safe base64, padded or not; undefined when `s` is neither. Line
 * breaks are skipped, as Go's encoding/base64 (protojson) does: `base64` wraps at 76 columns
 * and such values occur in real bundles (sigstore-conformance rekor2-timestamp-with-incorrect-time).
 */
export function decodeBase64Lenient(input: string): Buffer | undefined {
  const s = input.replace(/[\r\n]/g, '');
  if (!STD.test(s) && !URL_SAFE.test(s)) return undefined;
  const body = s.replace(/=+$/, '');
  const padding = s.length - body.length;
  // A final group of one character carries no whole byte; padding, if any, must complete the group.
  if (body.length % 4 === 1) return undefined;
  if (padding > 0 && (body.length + padding) % 4 !== 0) return undefined;
  return Buffer.from(body, STD.test(s) ? 'base64' : 'base64url');
}

/** PEM armour with 64-character lines and a final newline, as Go's encoding/pem writes it. */
export function toPem(type: 'CERTIFICATE' | 'PUBLIC KEY', der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n\t ]*?)-----END \1-----/g;

/** All PEM blocks in `text`, in order; text outside blocks or a body that is not base64 is an error. */
export function pemBlocksAny(text: string): Array<{ type: string; der: Buffer }> {
  const out: Array<{ type: string; der: Buffer }> = [];
  let rest = text;
  for (const m of text.matchAll(PEM_BLOCK)) {
    const der = decodeBase64Lenient((m[2] ?? '').replace(/\s+/g, ''));
    if (der === undefined || der.length === 0)
      throw new AttestryError('INPUT_MALFORMED', `PEM ${m[1] ?? ''} body is not base64`);
    out.push({ type: m[1] ?? '', der });
    rest = rest.replace(m[0], '');
  }
  if (rest.trim() !== '') throw new AttestryError('INPUT_MALFORMED', 'unexpected text outside PEM blocks');
  return out;
}

/** The DER bodies of the PEM blocks in `text`, which must all be of `type`. */
export function pemBlocks(text: string, type: 'CERTIFICATE' | 'PUBLIC KEY'): Buffer[] {
  return pemBlocksAny(text).map((b) => {
    if (b.type !== type) throw new AttestryError('INPUT_MALFORMED', `expected PEM ${type}, found ${b.type}`);
    return b.der;
  });
}

export function isPem(text: string): boolean {
  return text.trimStart().startsWith('-----BEGIN ');
}
