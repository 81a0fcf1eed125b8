/**
 * Test helpers for libs/verify: fixture loading, and a minimal DER/X.509 builder so tests can
 * make an operator's CA and leaf certificates (node:crypto signs; it cannot issue certificates).
 */
import nodeCrypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures');

export function fixture(rel: string): Buffer {
  return readFileSync(path.join(FIXTURES, rel));
}

export function fixtureJson<T = unknown>(rel: string): T {
  return JSON.parse(fixture(rel).toString('utf8')) as T;
}

export interface Manifest {
  conformanceRules: { defaultIdentity: string; defaultIssuer: string };
  conformance: Array<{
    case: string;
    expect: 'valid' | 'invalid';
    bundle: string;
    artifact: string;
    trustedRoot: string;
    key: string | null;
    certificateIdentity: string;
    certificateOidcIssuer: string;
  }>;
  bundles: Array<{
    path: string;
    expect: string;
    certificateIdentity?: string;
    certificateOidcIssuer?: string;
    artifactDigest?: string;
  }>;
  invalid: Array<{ path: string; expect: string; expectedIdentity?: string }>;
}

export const manifest = fixtureJson<Manifest>('manifest.json');

/** The Sigstore bundles in a fixture file: one bundle, an npm attestations response, or JSON lines. */
export function bundlesIn(rel: string): Array<Record<string, unknown>> {
  const text = fixture(rel).toString('utf8');
  try {
    const j = JSON.parse(text) as { attestations?: Array<{ bundle: Record<string, unknown> }> };
    return j.attestations ? j.attestations.map((a) => a.bundle) : [j as Record<string, unknown>];
  } catch {
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

// ---------------------------------------------------------------------------------------------
// DER

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
}

export const seq = (...c: Buffer[]): Buffer => tlv(0x30, ...c);
export const set = (...c: Buffer[]): Buffer => tlv(0x31, ...c);
export const octets = (b: Buffer): Buffer => tlv(0x04, b);
export const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
export const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]));
export const explicit = (n: number, c: Buffer): Buffer => tlv(0xa0 | n, c);

export function int(n: number | bigint): Buffer {
  let hex = BigInt(n).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let b = Buffer.from(hex, 'hex');
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const stack = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) stack.unshift((v & 0x7f) | 0x80);
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(d: Date): Buffer {
  const s = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return d.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${s.slice(2)}Z`))
    : tlv(0x18, Buffer.from(`${s}Z`));
}

function name(cn: string): Buffer {
  return seq(set(seq(oid('2.5.4.10'), utf8('attestry-test'))), set(seq(oid('2.5.4.3'), utf8(cn))));
}

export interface CertSpec {
  subject: string;
  issuer: string;
  serial?: number;
  notBefore: Date;
  notAfter: Date;
  publicKey: nodeCrypto.KeyObject;
  signingKey: nodeCrypto.KeyObject;
  ca?: boolean;
  /** Extended key usages (OIDs); default code signing for leaves, none for CAs. */
  eku?: string[];
  sanUri?: string;
  sanEmail?: string;
  /** Extra extensions: [OID, DER extnValue content]. */
  extensions?: Array<[string, Buffer]>;
}

/** A DER X.509 v3 certificate signed with ECDSA-SHA256 (EC issuer key) or Ed25519. */
export function makeCertificate(spec: CertSpec): Buffer {
  const ed = spec.signingKey.asymmetricKeyType === 'ed25519';
  const sigAlg = ed ? seq(oid('1.3.101.112')) : seq(oid('1.2.840.10045.4.3.2'));
  const exts: Buffer[] = [];
  exts.push(seq(oid('2.5.29.19'), bool(true), octets(spec.ca ? seq(bool(true)) : seq())));
  // keyUsage: digitalSignature (bit 0) for leaves, keyCertSign (bit 5) for CAs.
  exts.push(
    seq(oid('2.5.29.15'), bool(true), octets(tlv(0x03, Buffer.from(spec.ca ? [0x02, 0x04] : [0x07, 0x80])))),
  );
  const eku = spec.eku ?? (spec.ca ? [] : ['1.3.6.1.5.5.7.3.3']);
  if (eku.length > 0) exts.push(seq(oid('2.5.29.37'), octets(seq(...eku.map(oid)))));
  const san: Buffer[] = [];
  if (spec.sanUri) san.push(tlv(0x86, Buffer.from(spec.sanUri)));
  if (spec.sanEmail) san.push(tlv(0x81, Buffer.from(spec.sanEmail)));
  if (san.length > 0) exts.push(seq(oid('2.5.29.17'), bool(true), octets(seq(...san))));
  for (const [o, v] of spec.extensions ?? []) exts.push(seq(oid(o), octets(v)));
  const tbs = seq(
    explicit(0, int(2)),
    int(spec.serial ?? nodeCrypto.randomInt(1, 2 ** 40)),
    sigAlg,
    name(spec.issuer),
    seq(time(spec.notBefore), time(spec.notAfter)),
    name(spec.subject),
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...exts)),
  );
  const signature = ed
    ? nodeCrypto.sign(null, tbs, spec.signingKey)
    : nodeCrypto.sign('sha256', tbs, spec.signingKey);
  return seq(tbs, sigAlg, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
}

export function pem(type: 'CERTIFICATE' | 'PUBLIC KEY', der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

/** An operator CA (self-signed root) and a leaf issued by it, valid in [notBefore, notAfter]. */
export function makeOperatorPki(options: {
  notBefore: Date;
  notAfter: Date;
  leafKeyType?: 'ec' | 'ed25519';
  leaf?: Partial<CertSpec>;
}): {
  caDer: Buffer;
  leafDer: Buffer;
  leafKey: nodeCrypto.KeyObject;
  caKey: nodeCrypto.KeyObject;
} {
  const ca = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caDer = makeCertificate({
    subject: 'Operator Root',
    issuer: 'Operator Root',
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2040-01-01T00:00:00Z'),
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    ca: true,
  });
  const leaf =
    options.leafKeyType === 'ed25519'
      ? nodeCrypto.generateKeyPairSync('ed25519')
      : nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leafDer = makeCertificate({
    subject: 'builder',
    issuer: 'Operator Root',
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    publicKey: leaf.publicKey,
    signingKey: ca.privateKey,
    sanUri: 'https://ci.example.com/pipelines/release',
    ...options.leaf,
  });
  return { caDer, leafDer, leafKey: leaf.privateKey, caKey: ca.privateKey };
}

/** DSSE PAE, written out here independently of the library. */
export function pae(type: string, payload: Buffer): Buffer {
  const t = Buffer.from(type, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${payload.length} `), payload]);
}

/** Sets (or with `undefined`, deletes) the member at `path` inside a JSON value, for mutation tests. */
export function setPath(root: unknown, path: ReadonlyArray<string | number>, value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

export function getPath(root: unknown, path: ReadonlyArray<string | number>): unknown {
  let node = root as Record<string | number, unknown>;
  for (const key of path) node = node[key] as Record<string | number, unknown>;
  return node;
}
