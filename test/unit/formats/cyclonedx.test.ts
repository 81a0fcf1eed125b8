import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SPDX_LICENSE_IDS } from '../../../libs/formats/cyclonedx/__generated__/spdx-license-ids.js';
import {
  CYCLONEDX_PREDICATE_TYPE,
  canonicalPurl,
  factsFromStatement,
  type Facts,
} from '../../../libs/formats/index.js';
import {
  SUBJECT_SHA256,
  assertFails,
  factsOf,
  fixtureBytes,
  listFixtures,
  manifest,
  nodeKey,
  readJsonFixture,
  statementOf,
} from './helpers.js';

const cdx = (doc: unknown): Facts => factsOf(CYCLONEDX_PREDICATE_TYPE, doc);
const SUBJECT_KEY = `sha256:${SUBJECT_SHA256}`;

interface RawComponent {
  'bom-ref'?: string;
  purl?: string;
  hashes?: { alg: string; content: string }[];
  components?: RawComponent[];
}
interface RawBom {
  metadata?: { component?: RawComponent };
  components?: RawComponent[];
  dependencies?: { ref: string; dependsOn?: string[] }[];
}

function flatten(cs: RawComponent[] = []): RawComponent[] {
  return cs.flatMap((c) => [c, ...flatten(c.components)]);
}

describe('CycloneDX SBOM fixtures (manifest.json sboms)', () => {
  const entries = manifest.sboms.filter((e) => e.format === 'CycloneDX');

  it('lists the seven CycloneDX example SBOMs', () => assert.equal(entries.length, 7));

  for (const entry of entries) {
    it(`${entry.path}: CycloneDX ${entry.specVersion}, ${entry.components} components`, () => {
      assert.equal(entry.expect, 'valid');
      const raw = readJsonFixture<RawBom>(entry.path);
      const t0 = performance.now();
      const facts = cdx(raw);
      const ms = performance.now() - t0;
      assert.ok(ms < 1000, `${entry.path} (${fixtureBytes(entry.path)} bytes) took ${ms} ms`);
      assert.equal(facts.kind, 'cyclonedx');
      assert.equal(facts.sbom?.specVersion, entry.specVersion);
      assert.equal(facts.sbom?.componentCount, entry.components);
      assert.equal(facts.components.filter((c) => !c.root).length, entry.components);

      // metadata.component is the subject, not a new nameless artifact.
      const root = raw.metadata?.component;
      const subject = facts.artifacts.find((a) => a.keys.includes(SUBJECT_KEY as never));
      assert.deepEqual(subject?.roles, ['subject']);
      assert.equal(facts.components.filter((c) => c.root).length, root === undefined ? 0 : 1);
      if (root?.purl !== undefined) assert.ok(subject?.purls.includes(canonicalPurl(root.purl)));

      // Every component purl is a package version; components with only a purl point at it.
      const all = flatten(raw.components);
      const purls = new Set(all.flatMap((c) => (c.purl === undefined ? [] : [canonicalPurl(c.purl)])));
      const packageKeys = new Set(facts.packages.map((p) => p.key));
      for (const c of facts.components.filter((x) => !x.root && x.purl !== undefined)) {
        assert.ok(purls.has(c.purl as string));
        if (c.node.kind === 'package') assert.ok(packageKeys.has(c.node.key));
      }
      // Every non-root component hangs under the subject.
      const included = new Set(
        facts.edges
          .filter((e) => e.from.kind === 'subject' && e.relationship === 'INCLUDES')
          .map((e) => nodeKey(e.to)),
      );
      for (const c of facts.components.filter((x) => !x.root)) assert.ok(included.has(nodeKey(c.node)));
      // The dependency graph: one DEPENDS_ON per declared pair between defined refs (deduplicated).
      const refs = new Set([
        ...(root?.['bom-ref'] !== undefined ? [root['bom-ref']] : []),
        ...all.flatMap((c) => (c['bom-ref'] === undefined ? [] : [c['bom-ref']])),
      ]);
      const declared = (raw.dependencies ?? []).flatMap((d) =>
        refs.has(d.ref)
          ? (d.dependsOn ?? []).filter((t) => refs.has(t) && t !== d.ref).map((t) => `${d.ref}>${t}`)
          : [],
      );
      const edges = facts.edges.filter((e) => e.relationship === 'DEPENDS_ON');
      assert.ok(edges.length <= new Set(declared).size);
      if (declared.length > 0) assert.ok(edges.length > 0);
    });
  }

  it('juice-shop 11.1.2: 840 npm components known by SHA-1 and purl link as package versions', () => {
    const facts = cdx(readJsonFixture('sbom-cyclonedx/bom-examples/juice-shop-11.1.2.cdx.json'));
    const nonRoot = facts.components.filter((c) => !c.root);
    assert.equal(nonRoot.length, 840);
    // SHA-1 is kept but never identifies an artifact.
    assert.ok(nonRoot.every((c) => /^[0-9a-f]{40}$/.test(c.digest.sha1 ?? '') && c.node.kind === 'package'));
    assert.deepEqual(
      facts.artifacts.map((a) => a.keys),
      [[SUBJECT_KEY]],
    );
    assert.ok(facts.packages.every((p) => p.purl.startsWith('pkg:npm/')));
    assert.equal(facts.sbom?.name, 'juice-shop');
  });

  it('cern-lhc-vdm-editor: SHA-256 / SHA-512 hashes make components artifacts, with alg names normalized', () => {
    const raw = readJsonFixture<RawBom>('sbom-cyclonedx/bom-examples/cern-lhc-vdm-editor.cdx.json');
    const facts = cdx(raw);
    for (const c of raw.components ?? []) {
      const fact = facts.components.find((x) => x.ref === c['bom-ref']);
      for (const h of c.hashes ?? []) {
        const alg = {
          'SHA-1': 'sha1',
          'SHA-256': 'sha256',
          'SHA-384': 'sha384',
          'SHA-512': 'sha512',
          MD5: 'md5',
        }[h.alg];
        assert.ok(alg, h.alg);
        assert.equal(fact?.digest[alg], h.content.toLowerCase());
      }
      const strong = (c.hashes ?? []).find(
        (h) => h.alg === 'SHA-256' || h.alg === 'SHA-384' || h.alg === 'SHA-512',
      );
      assert.equal(fact?.node.kind, strong === undefined ? 'package' : 'artifact');
    }
  });

  it('syft rails (1 MB): parses in well under a second; the root bom-ref dependencies start at the subject', () => {
    const path = 'sbom-cyclonedx/protobom/syft-1.2.0_rails-5.0.0.cdx.json';
    assert.ok(fixtureBytes(path) > 1_000_000);
    const raw = readJsonFixture<RawBom>(path);
    const t0 = performance.now();
    const facts = cdx(raw);
    const ms = performance.now() - t0;
    assert.ok(ms < 500, `took ${ms} ms`);
    const rootRef = raw.metadata?.component?.['bom-ref'];
    const fromRoot = (raw.dependencies ?? []).find((d) => d.ref === rootRef)?.dependsOn ?? [];
    const subjectDeps = facts.edges.filter(
      (e) => e.from.kind === 'subject' && e.relationship === 'DEPENDS_ON',
    );
    assert.equal(subjectDeps.length, new Set(fromRoot).size);
  });
});

describe('CycloneDX specification test suite (spec-tests 1.6, 1.7)', () => {
  /** The field each invalid-* case breaks (from its file name), as our message names it. */
  const FIELD: Record<string, RegExp> = {
    bomformat: /bomFormat "AnotherFormat"/,
    citations: /citations\[0\]: a citation needs attributedTo or process/,
    'component-external-version-and-range': /versionRange: a component has version or versionRange, not both/,
    'component-ref': /components\[1\]\.bom-ref: a bom-ref must not be empty/,
    'component-swid': /components\[0\]\.swid\.tagId/,
    'component-type': /components\[0\]\.type: Invalid option/,
    'component-versionRange-non-external-explicit': /versionRange is allowed only when isExternal is true/,
    'component-versionRange-non-external-implicit': /versionRange is allowed only when isExternal is true/,
    dependency: /dependencies\[0\]\.ref/,
    'empty-component': /components\[0\]\.name/,
    'hash-alg': /hashes\[0\]\.alg: Invalid option/,
    'hash-md5': /hashes\[0\]\.content/,
    'hash-sha1': /hashes\[1\]\.content/,
    'hash-sha256': /hashes\[2\]\.content/,
    'hash-sha512': /hashes\[3\]\.content/,
    'issue-type': /resolves\[0\]\.type/,
    'license-choice': /licenses\[0\]: a license choice has exactly one of license, expression/,
    'license-declared-concluded-mix': /licenses: a license expression must be the only entry/,
    'license-encoding': /license\.text\.encoding/,
    'license-id': /license\.id: not an SPDX license id/,
    'license-missing-id-and-name': /license: a license has exactly one of id, name/,
    'metadata-distribution': /metadata: Unrecognized key: "distribution"/,
    'metadata-license': /metadata\.licenses\[0\]\.license\.id/,
    'metadata-timestamp': /metadata\.timestamp: not an RFC 3339 date-time/,
    'missing-component-type': /components\[0\]\.type/,
    'patch-type': /patches\[0\]\.type/,
    properties: /properties\[0\]\.name/,
    scope: /components\[0\]\.scope/,
    serialnumber: /serialNumber/,
    'service-data': /services\[0\]\.data\[0\]\.flow/,
  };

  for (const version of ['1.6', '1.7']) {
    const dir = `sbom-cyclonedx/spec-tests/${version}`;
    const files = listFixtures(dir);
    it(`${version}: has valid and invalid cases`, () => {
      assert.ok(files.filter((f) => f.startsWith('valid-')).length > 30);
      assert.ok(files.filter((f) => f.startsWith('invalid-')).length > 20);
    });
    for (const file of files) {
      const path = `${dir}/${file}`;
      if (file.startsWith('valid-')) {
        it(`${version}: accepts ${file}`, () => {
          const facts = cdx(readJsonFixture(path));
          assert.equal(facts.sbom?.specVersion, version);
        });
      } else {
        const key = file.replace(/^invalid-/, '').replace(/(-\d\.\d)?\.json$/, '');
        it(`${version}: rejects ${file}`, () => {
          const reason = FIELD[key];
          assert.ok(reason, `no expected reason for ${key}`);
          assertFails(() => cdx(readJsonFixture(path)), 'FORMAT_MALFORMED', reason);
        });
      }
    }
  }

  it('embeds exactly the SPDX license ids of the fixture spdx.schema.json', () => {
    assert.deepEqual(
      SPDX_LICENSE_IDS,
      readJsonFixture<{ enum: string[] }>('schemas/cyclonedx/spdx.schema.json').enum,
    );
  });
});

describe('CycloneDX facts', () => {
  const bom = (extra: object) => ({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, ...extra });
  const lib = (ref: string, extra: object = {}) => ({ type: 'library', name: ref, 'bom-ref': ref, ...extra });

  it('nests components (CONTAINS), follows dependencies (DEPENDS_ON) and keeps scope on INCLUDES', () => {
    const facts = cdx(
      bom({
        metadata: {
          component: { type: 'application', name: 'app', 'bom-ref': 'app', purl: 'pkg:npm/app@1.0.0' },
        },
        components: [
          lib('a', {
            purl: 'pkg:npm/a@1.0.0',
            scope: 'optional',
            components: [lib('a-inner', { hashes: [{ alg: 'SHA-256', content: 'AA'.repeat(32) }] })],
          }),
          lib('b'),
        ],
        dependencies: [
          { ref: 'app', dependsOn: ['a', 'b'] },
          { ref: 'a', dependsOn: ['a-inner', 'unknown-ref'] },
        ],
      }),
    );
    const edges = facts.edges.map((e) => [nodeKey(e.from), e.relationship, nodeKey(e.to), e.scope ?? '']);
    const inner = `sha256:${'aa'.repeat(32)}`;
    assert.deepEqual(edges, [
      ['subject', 'INCLUDES', 'pkg:npm/a@1.0.0', 'optional'],
      ['subject', 'INCLUDES', inner, ''],
      ['subject', 'INCLUDES', 'component:b', ''],
      ['pkg:npm/a@1.0.0', 'CONTAINS', inner, ''],
      ['subject', 'DEPENDS_ON', 'pkg:npm/a@1.0.0', ''],
      ['subject', 'DEPENDS_ON', 'component:b', ''],
      ['pkg:npm/a@1.0.0', 'DEPENDS_ON', inner, ''],
    ]);
    assert.ok(
      facts.artifacts.find((a) => a.keys.includes(SUBJECT_KEY as never))?.purls.includes('pkg:npm/app@1.0.0'),
    );
  });

  it('refuses a SHA-256 hash that is not 64 hex digits, which the schema pattern allows', () => {
    assertFails(
      () => cdx(bom({ components: [lib('a', { hashes: [{ alg: 'SHA-256', content: 'a'.repeat(40) }] })] })),
      'FORMAT_MALFORMED',
      /components\[0\]\.hashes\[0\]: sha256 digest has 40 hex digits, want 64/,
    );
  });

  it('refuses duplicate bom-refs and reports unknown spec versions as unsupported', () => {
    assertFails(
      () => cdx(bom({ components: [lib('a'), lib('a')] })),
      'FORMAT_MALFORMED',
      /duplicate component id "a"/,
    );
    assert.match(cdx(bom({ specVersion: '1.1' })).unsupported ?? '', /specVersion "1\.1"/);
  });

  it('applies the rules of the declared version (1.2 requires component versions, 1.4 closes key sets)', () => {
    assertFails(
      () =>
        cdx({
          bomFormat: 'CycloneDX',
          specVersion: '1.2',
          version: 1,
          components: [{ type: 'library', name: 'x' }],
        }),
      'FORMAT_MALFORMED',
      /CycloneDX 1\.2 BOM: predicate\.components\[0\]\.version/,
    );
    assert.ok(
      cdx({
        bomFormat: 'CycloneDX',
        specVersion: '1.3',
        version: 1,
        components: [{ type: 'library', name: 'x', version: '1', extra: true }],
      }),
    );
    assertFails(
      () =>
        cdx({
          bomFormat: 'CycloneDX',
          specVersion: '1.4',
          version: 1,
          components: [{ type: 'library', name: 'x', extra: true }],
        }),
      'FORMAT_MALFORMED',
      /Unrecognized key: "extra"/,
    );
  });

  it('stays linear: many subjects and many components do not multiply edges', () => {
    const subject = Array.from({ length: 2000 }, (_, i) => ({
      name: `s${i}`,
      digest: { sha256: i.toString(16).padStart(64, '0') },
    }));
    const components = Array.from({ length: 2000 }, (_, i) => lib(`c${i}`, { purl: `pkg:npm/c${i}@1.0.0` }));
    const t0 = performance.now();
    const many = factsFromStatement(statementOf(CYCLONEDX_PREDICATE_TYPE, bom({ components }), subject));
    assert.ok(performance.now() - t0 < 1000);
    // One INCLUDES edge per component from the symbolic subject node, not 2000 x 2000.
    assert.equal(many.edges.length, 2000);
    assert.ok(many.edges.every((e) => e.from.kind === 'subject'));
    assert.equal(many.artifacts.length, 2000);
    assert.equal(many.packages.length, 2000);
  });
});
