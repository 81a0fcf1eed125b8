/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), for the values entry bodies and SET payloads are
 * made of: objects, arrays, strings, finite numbers, booleans and null.
 *
 * RFC 8785 §3.2.2 defines string and number serialization as ECMAScript's JSON.stringify does
 * it, and §3.2.3 sorts object members by their names' UTF-16 code units, which is what
 * Array.prototype.sort does on strings by default. Anything that is not JSON (undefined, a
 * function, NaN, a bigint, an object with toJSON) is a programming error here, never silently
 * dropped as JSON.stringify would.
 */
import { AttestryError } from '../core/index.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function canonicalizeJson(value: JsonValue): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new AttestryError('INTERNAL', 'RFC 8785 has no form for a non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalizeJson).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const members = Object.keys(value)
      .sort()
      .map((k) => {
        const v = value[k];
        if (v === undefined) throw new AttestryError('INTERNAL', `member ${k} is undefined`);
        return `${JSON.stringify(k)}:${canonicalizeJson(v)}`;
      });
    return `{${members.join(',')}}`;
  }
  throw new AttestryError('INTERNAL', `not a JSON value: ${typeof value}`);
}

/** The canonical form's UTF-8 bytes. */
export function canonicalJsonBytes(value: JsonValue): Buffer {
  return Buffer.from(canonicalizeJson(value), 'utf8');
}
