import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isAttestryError } from '../../../libs/core/index.js';
import {
  CYCLONEDX_PREDICATE_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  NPM_PUBLISH_V01,
  SLSA_PROVENANCE_V01,
  SLSA_PROVENANCE_V02,
  SLSA_PROVENANCE_V1,
  SLSA_VSA_V1,
  SPDX_PREDICATE_TYPE,
  STATEMENT_TYPE_V1,
  canonicalPurl,
  factsFromStatement,
  parsePurl,
  parseStatementPayload,
} from '../../../libs/formats/index.js';
import { readJsonFixture } from './helpers.js';

const PREDICATE_TYPES = [
  SLSA_PROVENANCE_V1,
  SLSA_PROVENANCE_V02,
  SLSA_PROVENANCE_V01,
  SLSA_VSA_V1,
  NPM_PUBLISH_V01,
  SPDX_PREDICATE_TYPE,
  CYCLONEDX_PREDICATE_TYPE,
];

/** Parses and extracts facts; anything thrown must be a FORMAT_* AttestryError, never a TypeError. */
function tryAll(statement: unknown): void {
  try {
    factsFromStatement(parseStatementPayload(Buffer.from(JSON.stringify(statement)), IN_TOTO_PAYLOAD_TYPE));
  } catch (e) {
    assert.ok(
      isAttestryError(e) && (e.code === 'FORMAT_MALFORMED' || e.code === 'FORMAT_UNSUPPORTED'),
      `unexpected ${String(e)}`,
    );
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Replaces the value at one path of a JSON document (path chosen by `pick`). */
function mutate(doc: Json, pick: number, value: Json): Json {
  const paths: (string | number)[][] = [];
  const walk = (v: Json, p: (string | number)[]) => {
    paths.push(p);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(doc, []);
  const path = paths[pick % paths.length] as (string | number)[];
  if (path.length === 0) return value;
  const copy = structuredClone(doc);
  let parent = copy as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, Json>;
  parent[path[path.length - 1] as string | number] = value;
  return copy;
}

describe('attacker-controlled input', () => {
  it('arbitrary JSON predicates of every known type fail only with FORMAT_* errors', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PREDICATE_TYPES), fc.jsonValue(), (predicateType, predicate) => {
        tryAll({
          _type: STATEMENT_TYPE_V1,
          subject: [{ name: 'x', digest: { sha256: 'a'.repeat(64) } }],
          predicateType,
          predicate,
        });
      }),
      { numRuns: 300 },
    );
  });

  const seeds: [string, string][] = [
    [SLSA_PROVENANCE_V1, 'provenance/npm-sigstore-2.3.1.provenance.statement.json'],
    [SLSA_PROVENANCE_V02, 'provenance/npm-laurentsimon-provenance-npm-test-1.0.3.slsa-v0.2.statement.json'],
    [SLSA_VSA_V1, 'provenance/google-bcid-vsa.verification_summary-v1.statement.json'],
    [SPDX_PREDICATE_TYPE, 'sbom-spdx/spdx-spec/SPDXJSONExample-v2.3.spdx.json'],
    [SPDX_PREDICATE_TYPE, 'sbom-spdx/spdx-examples/example10-hello-source.spdx3.json'],
    [CYCLONEDX_PREDICATE_TYPE, 'sbom-cyclonedx/spec-tests/1.6/valid-bom-1.6.json'],
    [CYCLONEDX_PREDICATE_TYPE, 'sbom-cyclonedx/spec-tests/1.7/valid-dependency-1.7.json'],
  ];
  for (const [predicateType, path] of seeds) {
    it(`mutations of ${path} fail only with FORMAT_* errors`, () => {
      const doc = readJsonFixture<Json>(path);
      const statement = path.startsWith('provenance/')
        ? doc
        : {
            _type: STATEMENT_TYPE_V1,
            subject: [{ name: 'x', digest: { sha256: 'a'.repeat(64) } }],
            predicateType,
            predicate: doc,
          };
      fc.assert(
        fc.property(fc.nat(), fc.jsonValue() as fc.Arbitrary<Json>, (pick, value) =>
          tryAll(mutate(statement as Json, pick, value)),
        ),
        { numRuns: 200 },
      );
    });
  }

  it('treats property names of Object.prototype as plain names', () => {
    const subject = [
      { name: 'x', digest: { constructor: 'a'.repeat(64), toString: 'b', sha256: 'c'.repeat(64) } },
    ];
    const facts = factsFromStatement(
      parseStatementPayload(
        Buffer.from(JSON.stringify({ _type: STATEMENT_TYPE_V1, subject, predicateType: 'x', predicate: {} })),
        IN_TOTO_PAYLOAD_TYPE,
      ),
    );
    assert.deepEqual(facts.artifacts[0]?.digest, subject[0]?.digest);
    const graph = [
      { type: 'SpdxDocument', spdxId: 'urn:d', rootElement: ['urn:a'] },
      { type: 'software_Package', spdxId: 'urn:a', name: 'a' },
      {
        type: 'software_Package',
        spdxId: 'urn:b',
        name: 'b',
        verifiedUsing: [{ type: 'Hash', algorithm: '__proto__', hashValue: 'x' }],
      },
      {
        type: 'Relationship',
        spdxId: 'urn:r',
        from: 'urn:a',
        to: ['urn:b'],
        relationshipType: 'constructor',
      },
    ];
    const spdx3 = factsFromStatement(
      parseStatementPayload(
        Buffer.from(
          JSON.stringify({
            _type: STATEMENT_TYPE_V1,
            subject,
            predicateType: SPDX_PREDICATE_TYPE,
            predicate: { '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld', '@graph': graph },
          }),
        ),
        IN_TOTO_PAYLOAD_TYPE,
      ),
    );
    assert.deepEqual(Object.entries(spdx3.components[1]?.digest ?? {}), [['__proto__', 'x']]);
    assert.deepEqual(
      spdx3.edges.filter((e) => e.relationship !== 'INCLUDES').map((e) => e.relationship),
      ['constructor'],
    );
  });

  it('canonical purls are fixed points', () => {
    const seg = fc.stringMatching(/^[A-Za-z0-9@%_.~+ -]{1,12}$/);
    fc.assert(
      fc.property(
        fc.constantFrom('npm', 'pypi', 'maven', 'github', 'deb', 'golang'),
        fc.array(seg, { maxLength: 2 }),
        seg,
        fc.option(seg),
        (type, ns, name, version) => {
          const s = `pkg:${type}/${[...ns, name].map(encodeURIComponent).join('/')}${version === null ? '' : `@${encodeURIComponent(version)}`}`;
          const p = parsePurl(s);
          if (p === undefined) return;
          const c = canonicalPurl(s);
          assert.equal(canonicalPurl(c), c);
          assert.deepEqual(parsePurl(c), p);
        },
      ),
      { numRuns: 500 },
    );
  });
});
