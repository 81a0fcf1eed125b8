/** Fixture loading and assertions shared by the formats tests (not a test file itself). */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAttestryError, type ErrorCode } from '../../../libs/core/index.js';
import {
  STATEMENT_TYPE_V1,
  factsFromStatement,
  parseStatement,
  type Facts,
  type NodeRef,
} from '../../../libs/formats/index.js';

export const FIXTURES = new URL('../../fixtures/', import.meta.url);

export function readFixture(path: string): string {
  return readFileSync(new URL(path, FIXTURES), 'utf8');
}

export function readJsonFixture<T = unknown>(path: string): T {
  return JSON.parse(readFixture(path)) as T;
}

export function fixtureBytes(path: string): number {
  return statSync(new URL(path, FIXTURES)).size;
}

/** File names (not directories) in a fixture folder, sorted. */
export function listFixtures(dir: string): string[] {
  return readdirSync(new URL(dir.endsWith('/') ? dir : `${dir}/`, FIXTURES), { withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => d.name)
    .sort();
}

export interface ManifestEntry {
  path: string;
  expect: string;
  about?: string;
  format?: string;
  specVersion?: string;
  packages?: number;
  components?: number;
  elements?: number;
  firstError?: string;
  subject?: string;
  certificateIdentity?: string;
  artifactDigest?: string;
}

export interface Manifest {
  dsse: ManifestEntry[];
  sboms: ManifestEntry[];
  invalid: ManifestEntry[];
  bundles: ManifestEntry[];
}

export const manifest = readJsonFixture<Manifest>('manifest.json');

export function manifestEntry(path: string): ManifestEntry {
  const all = [...manifest.dsse, ...manifest.sboms, ...manifest.invalid, ...manifest.bundles];
  const e = all.find((x) => x.path === path);
  assert.ok(e, `manifest.json has no entry for ${path}`);
  return e;
}

/** A subject digest used when a test wraps a bare document into a Statement. */
export const SUBJECT_SHA256 = 'a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf';

/** Wraps a predicate (an SBOM file, ...) into an in-toto v1 Statement about one artifact. */
export function statementOf(
  predicateType: string,
  predicate: unknown,
  subject: unknown[] = [{ name: 'artifact', digest: { sha256: SUBJECT_SHA256 } }],
) {
  return parseStatement({ _type: STATEMENT_TYPE_V1, subject, predicateType, predicate });
}

export function factsOf(predicateType: string, predicate: unknown): Facts {
  return factsFromStatement(statementOf(predicateType, predicate));
}

/** Asserts `fn` throws an AttestryError with `code` whose message matches `reason`. */
export function assertFails(fn: () => unknown, code: ErrorCode, reason: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isAttestryError(e), `expected an AttestryError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, reason);
    return true;
  });
}

/** DSSE envelopes found in a fixture: a bare envelope, a Sigstore bundle, or an npm attestations response (JSON or JSON lines). */
export function envelopesIn(path: string): unknown[] {
  const text = readFixture(path);
  const docs: unknown[] = path.endsWith('.jsonl')
    ? text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as unknown)
    : [JSON.parse(text) as unknown];
  const out: unknown[] = [];
  for (const d of docs as Record<string, unknown>[]) {
    if (Array.isArray(d.attestations))
      for (const a of d.attestations as { bundle: { dsseEnvelope: unknown } }[])
        out.push(a.bundle.dsseEnvelope);
    else if (d.dsseEnvelope !== undefined) out.push(d.dsseEnvelope);
    else if (d.payload !== undefined) out.push(d);
  }
  return out;
}

export function nodeKey(n: NodeRef): string {
  return n.kind === 'subject' ? 'subject' : n.kind === 'component' ? `component:${n.ref}` : n.key;
}
