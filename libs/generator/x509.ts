/**
 * A minimal DER encoder (ITU-T X.690 §8, §10) and X.509 v3 certificate builder (RFC 5280 §4.1),
 * enough for the demo certificate authority: a self-signed ECDSA P-256 root and leaf
 * certificates shaped as Fulcio issues them (github.com/sigstore/fulcio docs/certificate-specification.md).
 * node:crypto parses certificates but cannot make them. Encoding only: everything here is built
 * from values the generator chose, never parsed from outside.
 */
import { crypto } from '../core/index.js';

// ---------------------------------------------------------------------------------------------
// DER (X.690): definite lengths, minimal encodings.

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A TLV with a one-byte tag. */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

export const sequence = (...items: Uint8Array[]): Buffer => tlv(0x30, ...items);
export const set = (...items: Uint8Array[]): Buffer => tlv(0x31, ...items);
export const octetString = (b: Uint8Array): Buffer => tlv(0x04, b);
export const utf8String = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
export const printableString = (s: string): Buffer => tlv(0x13, Buffer.from(s, 'ascii'));
export const ia5String = (s: string, tag = 0x16): Buffer => tlv(tag, Buffer.from(s, 'ascii'));
export const booleanTrue = (): Buffer => Buffer.from([0x01, 0x01, 0xff]);
/** [n] EXPLICIT (constructed context-specific). */
export const explicit = (n: number, ...content: Uint8Array[]): Buffer => tlv(0xa0 | n, ...content);

/** BIT STRING with `unused` trailing bits in the last byte (X.690 §8.6). */
export function bitString(bytes: Uint8Array, unused = 0): Buffer {
  return tlv(0x03, Buffer.from([unused]), bytes);
}

/** INTEGER from unsigned big-endian bytes (two's complement: a leading 0 when the top bit is set). */
export function integer(value: Uint8Array | number): Buffer {
  let b = typeof value === 'number' ? Buffer.from([value]) : Buffer.from(value);
  while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
  if (b.length === 0) b = Buffer.from([0]);
  if ((b[0]! & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

const oidCache = new Map<string, Buffer>();

/** OBJECT IDENTIFIER from dotted text (X.690 §8.19); arcs below 2^53. Memoized: few OIDs, used often. */
export function oid(dotted: string): Buffer {
  const hit = oidCache.get(dotted);
  if (hit) return hit;
  const arcs = dotted.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0))
    throw new RangeError(`bad OID ${dotted}`);
  const out: number[] = [];
  const base128 = (v: number) => {
    const parts = [v % 128];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) parts.unshift((x % 128) | 0x80);
    out.push(...parts);
  };
  base128(arcs[0]! * 40 + arcs[1]!);
  for (const a of arcs.slice(2)) base128(a);
  const der = tlv(0x06, Buffer.from(out));
  oidCache.set(dotted, der);
  return der;
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5), whole seconds, Zulu. */
export function time(d: Date): Buffer {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = d.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'));
  return tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

// ---------------------------------------------------------------------------------------------
// X.509 (RFC 5280)

export const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  /** Fulcio's arc (docs/oid-info.md). */
  fulcio: '1.3.6.1.4.1.57264.1',
} as const;

export interface Extension {
  readonly oid: string;
  readonly critical?: boolean;
  /** The DER of the extension's value (wrapped in the OCTET STRING here). */
  readonly value: Uint8Array;
}

export function extension(e: Extension): Buffer {
  return sequence(oid(e.oid), ...(e.critical ? [booleanTrue()] : []), octetString(e.value));
}

/** A Name of RDNs with one attribute each: [[oid, value], ...]; an empty list is an empty Name. */
export function name(attributes: ReadonlyArray<readonly [string, string]>): Buffer {
  return sequence(
    ...attributes.map(([o, v]) =>
      set(sequence(oid(o), /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(v) ? printableString(v) : utf8String(v))),
    ),
  );
}

/** KeyUsage (§4.2.1.3): bit 0 digitalSignature, 5 keyCertSign, 6 cRLSign. */
export function keyUsage(bits: readonly number[]): Extension {
  let v = 0;
  for (const b of bits) v |= 0x80 >> b;
  const unused = Math.max(0, 7 - Math.max(...bits));
  return { oid: OID.keyUsage, critical: true, value: bitString(Buffer.from([v]), unused) };
}

export function basicConstraintsCa(pathLen?: number): Extension {
  return {
    oid: OID.basicConstraints,
    critical: true,
    value: sequence(booleanTrue(), ...(pathLen !== undefined ? [integer(pathLen)] : [])),
  };
}

export function extKeyUsage(...purposes: string[]): Extension {
  return { oid: OID.extKeyUsage, value: sequence(...purposes.map(oid)) };
}

/** SubjectAltName with one rfc822Name ([1] IA5String) or URI ([6] IA5String); critical when the subject is empty (§4.2.1.6). */
export function subjectAltName(san: { email: string } | { uri: string }, critical: boolean): Extension {
  const general = 'email' in san ? ia5String(san.email, 0x81) : ia5String(san.uri, 0x86);
  return { oid: OID.subjectAltName, critical, value: sequence(general) };
}

/** Key identifier: the first 20 bytes of SHA-256 of the subjectPublicKey bits (§4.2.1.2 allows any method). */
export function keyIdentifier(spkiDer: Uint8Array): Buffer {
  return crypto.sha256(spkiDer).subarray(0, 20);
}

export const subjectKeyIdentifier = (spkiDer: Uint8Array): Extension => ({
  oid: OID.subjectKeyIdentifier,
  value: octetString(keyIdentifier(spkiDer)),
});

export const authorityKeyIdentifier = (issuerSpkiDer: Uint8Array): Extension => ({
  oid: OID.authorityKeyIdentifier,
  value: sequence(tlv(0x80, keyIdentifier(issuerSpkiDer))),
});

/** A Fulcio extension whose value is a DER UTF8String (.8 and up, Fulcio v2). */
export const fulcioString = (n: number, value: string): Extension => ({
  oid: `${OID.fulcio}.${n}`,
  value: utf8String(value),
});

/** A deprecated Fulcio extension (.1 to .6) whose value is the raw string bytes. */
export const fulcioRaw = (n: number, value: string): Extension => ({
  oid: `${OID.fulcio}.${n}`,
  value: Buffer.from(value, 'utf8'),
});

export interface CertificateTemplate {
  /** Positive serial number, at most 20 bytes (§4.1.2.2). */
  readonly serial: Uint8Array;
  readonly issuer: Buffer;
  readonly subject: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER SubjectPublicKeyInfo of the certified key. */
  readonly spki: Uint8Array;
  readonly extensions: readonly Extension[];
}

/**
 * An X.509 v3 certificate signed with ecdsa-with-SHA256 (RFC 5758 §3.2: no parameters) by
 * `signDigest`, which gets SHA-256 of the TBSCertificate and returns a DER ECDSA signature.
 */
export function buildCertificate(t: CertificateTemplate, signDigest: (digest: Buffer) => Uint8Array): Buffer {
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const serial = Buffer.from(t.serial);
  serial[0] = serial[0]! & 0x7f; // positive
  if (serial.every((b) => b === 0)) serial[serial.length - 1] = 1;
  const tbs = sequence(
    explicit(0, integer(2)), // v3
    integer(serial),
    algorithm,
    t.issuer,
    sequence(time(t.notBefore), time(t.notAfter)),
    t.subject,
    Buffer.from(t.spki),
    explicit(3, sequence(...t.extensions.map(extension))),
  );
  return sequence(tbs, algorithm, bitString(signDigest(crypto.sha256(tbs))));
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
