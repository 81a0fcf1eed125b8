import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SPDX_PREDICATE_TYPE, type Facts } from '../../../libs/formats/index.js';
import {
  SUBJECT_SHA256,
  assertFails,
  factsOf,
  fixtureBytes,
  manifest,
  nodeKey,
  readJsonFixture,
} from './helpers.js';

const SUBJECT_KEY = `sha256:${SUBJECT_SHA256}`;
const spdxEntries = manifest.sboms.filter((e) => e.format === 'SPDX' || e.format === 'SPDX3-JSON-LD');

interface RawSpdx2 {
  documentDescribes?: string[];
  packages?: {
    SPDXID: string;
    externalRefs?: { referenceCategory: string; referenceType: string; referenceLocator: string }[];
    checksums?: { algorithm: string; checksumValue: string }[];
  }[];
  relationships?: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
}

function edgesFrom(facts: Facts, from: string, relationship: string): string[] {
  return facts.edges
    .filter((e) => nodeKey(e.from) === from && e.relationship === relationship)
    .map((e) => nodeKey(e.to));
}

describe('SPDX SBOM fixtures (manifest.json sboms)', () => {
  it('lists every SPDX fixture of the manifest', () => {
    assert.equal(spdxEntries.length, 12);
  });

  for (const entry of spdxEntries) {
    it(`${entry.path}: ${entry.expect}, ${entry.format === 'SPDX' ? `${entry.packages} packages` : 'SPDX 3 JSON-LD'}`, () => {
      assert.equal(entry.expect, 'valid');
      const t0 = performance.now();
      const facts = factsOf(SPDX_PREDICATE_TYPE, readJsonFixture(entry.path));
      const ms = performance.now() - t0;
      assert.equal(facts.kind, 'spdx');
      assert.equal(facts.sbom?.format, 'spdx');
      assert.ok(ms < 1000, `${entry.path} (${fixtureBytes(entry.path)} bytes) took ${ms} ms`);
      // The subject is the statement's artifact; the document's root is that subject.
      assert.ok(
        facts.artifacts.some((a) => a.keys.includes(SUBJECT_KEY as never) && a.roles.includes('subject')),
      );
      assert.ok((facts.sbom?.roots.length ?? 0) > 0, 'a described root');
      for (const c of facts.components) assert.equal(c.root, facts.sbom?.roots.includes(c.ref));
      for (const c of facts.components.filter((x) => x.root)) assert.deepEqual(c.node, { kind: 'subject' });
      // Every non-root component hangs under the subject.
      const included = new Set(edgesFrom(facts, 'subject', 'INCLUDES'));
      for (const c of facts.components.filter((x) => !x.root))
        assert.ok(included.has(nodeKey(c.node)), c.ref);

      if (entry.format === 'SPDX') {
        assert.equal(facts.sbom?.specVersion, entry.specVersion);
        assert.equal(facts.components.filter((c) => c.type === 'package').length, entry.packages);
        // purls: the PACKAGE-MANAGER purl external refs, canonicalized, as packages.
        const raw = readJsonFixture<RawSpdx2>(entry.path);
        const purls = (raw.packages ?? []).flatMap((p) =>
          (p.externalRefs ?? []).filter((r) => r.referenceType === 'purl').map((r) => r.referenceLocator),
        );
        assert.equal(facts.components.filter((c) => c.purl !== undefined).length, purls.length);
        // documentDescribes / DESCRIBES name the roots.
        const described = new Set([
          ...(raw.documentDescribes ?? []),
          ...(raw.relationships ?? [])
            .filter((r) => r.relationshipType === 'DESCRIBES')
            .map((r) => r.relatedSpdxElement),
        ]);
        assert.deepEqual(new Set(facts.sbom?.roots), described);
      } else {
        assert.equal(facts.sbom?.specVersion, '3.0.1');
      }
    });
  }

  it('03-SBOMwDependency: the root dynamically links xlsx, a dependency known by purl', () => {
    const facts = factsOf(
      SPDX_PREDICATE_TYPE,
      readJsonFixture('sbom-spdx/spdx-examples/03-SBOMwDependency.spdx.json'),
    );
    const deps = facts.edges
      .filter((e) => e.relationship === 'DEPENDS_ON')
      .map((e) => [nodeKey(e.from), nodeKey(e.to), e.scope]);
    assert.deepEqual(deps, [['subject', 'pkg:maven/org.webjars.npm/xlsx@0.16.6', 'dynamic-link']]);
    assert.ok(
      facts.artifacts[0]?.purls.includes(
        'pkg:github/spdx/tools-java@2235d5d7f7fe46ce1e0d54b7831c5681633b25cc',
      ),
    );
  });

  it('kubernetes (GitHub dependency graph): the root DEPENDS_ON every other package, edges start at the subject', () => {
    const path = 'sbom-spdx/protobom/kubernetes-github-dependency-graph.spdx.json';
    const raw = readJsonFixture<RawSpdx2>(path);
    const facts = factsOf(SPDX_PREDICATE_TYPE, raw);
    const root = raw.documentDescribes?.[0];
    const fromRoot = (raw.relationships ?? []).filter(
      (r) => r.relationshipType === 'DEPENDS_ON' && r.spdxElementId === root,
    );
    assert.equal(fromRoot.length, 424);
    assert.equal(
      new Set(edgesFrom(facts, 'subject', 'DEPENDS_ON')).size,
      new Set(fromRoot.map((r) => r.relatedSpdxElement)).size,
    );
    // Components known only by purl link as package versions.
    const golang = facts.components.find((c) => c.purl?.startsWith('pkg:golang/'));
    assert.equal(golang?.node.kind, 'package');
    assert.ok(facts.packages.some((p) => golang?.node.kind === 'package' && p.key === golang.node.key));
  });

  it('nginx (1.4 MB): checksums become digest sets with lowercase names; sha256 files and packages are artifacts', () => {
    const path = 'sbom-spdx/protobom/nginx.spdx.json';
    const raw = readJsonFixture<RawSpdx2>(path);
    const t0 = performance.now();
    const facts = factsOf(SPDX_PREDICATE_TYPE, raw);
    assert.ok(performance.now() - t0 < 1000);
    const withSha256 = (raw.packages ?? []).filter((p) =>
      (p.checksums ?? []).some((c) => c.algorithm === 'SHA256'),
    );
    for (const p of withSha256) {
      const c = facts.components.find((x) => x.ref === p.SPDXID);
      const v = p.checksums?.find((x) => x.algorithm === 'SHA256')?.checksumValue.toLowerCase();
      assert.equal(c?.digest.sha256, v);
      if (!c?.root) assert.deepEqual(c?.node, { kind: 'artifact', key: `sha256:${v}` });
    }
    for (const c of facts.components)
      for (const alg of Object.keys(c.digest)) assert.match(alg, /^[a-z0-9_]+$/);
    assert.equal(facts.edges.filter((e) => e.relationship === 'CONTAINS').length > 0, true);
  });

  it('hello-source in SPDX 2.3 and SPDX 3.0: both serializations name the same file artifacts and root', () => {
    const v2 = factsOf(
      SPDX_PREDICATE_TYPE,
      readJsonFixture('sbom-spdx/spdx-examples/example10-hello-source.spdx.json'),
    );
    const v3 = factsOf(
      SPDX_PREDICATE_TYPE,
      readJsonFixture('sbom-spdx/spdx-examples/example10-hello-source.spdx3.json'),
    );
    const keys = (f: Facts) =>
      new Set(f.artifacts.filter((a) => a.roles.includes('component')).flatMap((a) => a.keys));
    assert.equal(keys(v2).size, 5);
    assert.deepEqual(keys(v3), keys(v2));
    assert.equal(v3.sbom?.name, 'hello');
    assert.equal(v3.sbom?.roots.length, 1);
    assert.equal(edgesFrom(v3, 'subject', 'CONTAINS').length, 5);
  });

  it('SPDX 3 (tools-java): the SpdxDocument root is an Sbom whose rootElement is the package', () => {
    const facts = factsOf(
      SPDX_PREDICATE_TYPE,
      readJsonFixture('sbom-spdx/spdx-tools-java/SPDXJsonLDExample-v3.0.1.json'),
    );
    assert.deepEqual(facts.sbom?.roots, ['http://spdx.example.com/Package1']);
    assert.deepEqual(edgesFrom(facts, 'subject', 'CONTAINS'), [
      'component:http://spdx.example.com/Package1/myprogram',
    ]);
  });
});

describe('SPDX relationships and fields', () => {
  const pkg = (id: string, extra: object = {}) => ({
    SPDXID: id,
    name: id,
    downloadLocation: 'NOASSERTION',
    ...extra,
  });
  const doc = (packages: object[], relationships: object[]) => ({
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: 'test',
    documentNamespace: 'https://example.com/test',
    creationInfo: { created: '2024-01-01T00:00:00Z', creators: ['Tool: test'] },
    packages,
    relationships,
  });
  const purl = (p: string) => ({
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p }],
  });

  it('turns DEPENDENCY_OF and *_DEPENDENCY_OF around, with a scope, and keeps other relationships by name', () => {
    const facts = factsOf(
      SPDX_PREDICATE_TYPE,
      doc(
        [
          pkg('SPDXRef-app'),
          pkg('SPDXRef-a', purl('pkg:npm/a@1.0.0')),
          pkg('SPDXRef-b', purl('pkg:npm/b@2.0.0')),
          pkg('SPDXRef-c', purl('pkg:npm/c@3.0.0')),
        ],
        [
          {
            spdxElementId: 'SPDXRef-DOCUMENT',
            relationshipType: 'DESCRIBES',
            relatedSpdxElement: 'SPDXRef-app',
          },
          {
            spdxElementId: 'SPDXRef-a',
            relationshipType: 'DEPENDENCY_OF',
            relatedSpdxElement: 'SPDXRef-app',
          },
          {
            spdxElementId: 'SPDXRef-b',
            relationshipType: 'DEV_DEPENDENCY_OF',
            relatedSpdxElement: 'SPDXRef-a',
          },
          { spdxElementId: 'SPDXRef-app', relationshipType: 'CONTAINS', relatedSpdxElement: 'SPDXRef-c' },
          { spdxElementId: 'SPDXRef-c', relationshipType: 'GENERATED_FROM', relatedSpdxElement: 'SPDXRef-b' },
          {
            spdxElementId: 'SPDXRef-app',
            relationshipType: 'DEPENDS_ON',
            relatedSpdxElement: 'DocumentRef-other:SPDXRef-x',
          },
          { spdxElementId: 'SPDXRef-app', relationshipType: 'DEPENDS_ON', relatedSpdxElement: 'NOASSERTION' },
        ],
      ),
    );
    const edges = facts.edges
      .filter((e) => e.relationship !== 'INCLUDES')
      .map((e) => [nodeKey(e.from), e.relationship, nodeKey(e.to), e.scope ?? '']);
    assert.deepEqual(edges, [
      ['subject', 'DEPENDS_ON', 'pkg:npm/a@1.0.0', ''],
      ['pkg:npm/a@1.0.0', 'DEPENDS_ON', 'pkg:npm/b@2.0.0', 'dev'],
      ['subject', 'CONTAINS', 'pkg:npm/c@3.0.0', ''],
      ['pkg:npm/c@3.0.0', 'GENERATED_FROM', 'pkg:npm/b@2.0.0', ''],
    ]);
    assert.deepEqual(facts.sbom?.roots, ['SPDXRef-app']);
  });

  it('lowercases checksum names and values; refuses a checksum of the wrong size for its algorithm', () => {
    const sha256 = 'AB'.repeat(32);
    const facts = factsOf(
      SPDX_PREDICATE_TYPE,
      doc(
        [
          pkg('SPDXRef-x', {
            checksums: [
              { algorithm: 'SHA256', checksumValue: sha256 },
              { algorithm: 'SHA3-256', checksumValue: 'cd'.repeat(32) },
              { algorithm: 'BLAKE2b-384', checksumValue: 'ef'.repeat(48) },
            ],
          }),
        ],
        [],
      ),
    );
    assert.deepEqual(facts.components[0]?.digest, {
      sha256: sha256.toLowerCase(),
      sha3_256: 'cd'.repeat(32),
      blake2b_384: 'ef'.repeat(48),
    });
    assertFails(
      () =>
        factsOf(
          SPDX_PREDICATE_TYPE,
          doc(
            [pkg('SPDXRef-x', { checksums: [{ algorithm: 'SHA256', checksumValue: 'ab'.repeat(20) }] })],
            [],
          ),
        ),
      'FORMAT_MALFORMED',
      /packages\[0\]\.checksums\[0\]: sha256 digest has 40 hex digits, want 64/,
    );
  });

  it('refuses duplicate SPDXIDs, which would make edges ambiguous', () => {
    assertFails(
      () => factsOf(SPDX_PREDICATE_TYPE, doc([pkg('SPDXRef-x'), pkg('SPDXRef-x')], [])),
      'FORMAT_MALFORMED',
      /duplicate component id "SPDXRef-x"/,
    );
  });

  it('reports an older well-formed SPDX version as unsupported but keeps the statement', () => {
    const facts = factsOf(SPDX_PREDICATE_TYPE, { ...doc([], []), spdxVersion: 'SPDX-2.1' });
    assert.match(facts.unsupported ?? '', /spdxVersion SPDX-2\.1/);
    assert.equal(facts.artifacts.length, 1);
  });
});

describe('invalid SPDX documents (manifest.json invalid)', () => {
  const invalid = manifest.invalid.filter((e) => e.format === 'SPDX');
  /** The field each manifest `firstError` (ajv's first complaint) points at, in our path syntax. */
  const expected: Record<string, RegExp> = {
    'invalid/spdx/BadJSON.spdx.json': /predicate\.creationInfo\.creators: Invalid input: expected array/,
    'invalid/spdx/SPDXJSONExample-wrongversion.spdx.json':
      /predicate\.packages\[0\]: Unrecognized keys: "builtDate"/,
    'invalid/spdx/SPDXWrongVersion.spdx.json': /spdxVersion "SPDX-2\.2\.1": expected SPDX-<major>\.<minor>/,
  };

  it('covers the three invalid SPDX fixtures', () =>
    assert.deepEqual(invalid.map((e) => e.path).sort(), Object.keys(expected).sort()));

  for (const entry of invalid) {
    it(`rejects ${entry.path} (${entry.firstError ?? `specVersion ${entry.specVersion}`})`, () => {
      assert.equal(entry.expect, 'invalid');
      if (entry.firstError !== undefined) {
        // ajv's "/creationInfo/creators" is our "predicate.creationInfo.creators".
        const field = entry.firstError
          .split(' ')[0]
          ?.replace(/^\//, 'predicate.')
          .replace(/\/(\d+)/g, '[$1]')
          .replace(/\//g, '.');
        assert.ok(field);
        assertFails(
          () => factsOf(SPDX_PREDICATE_TYPE, readJsonFixture(entry.path)),
          'FORMAT_MALFORMED',
          new RegExp(field.replace(/[.[\]]/g, '\\$&')),
        );
      }
      assertFails(
        () => factsOf(SPDX_PREDICATE_TYPE, readJsonFixture(entry.path)),
        'FORMAT_MALFORMED',
        expected[entry.path] as RegExp,
      );
    });
  }
});
