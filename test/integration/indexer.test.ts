/**
 * The indexer through the whole pipeline, on the real broker and PostgreSQL: signed submissions
 * on Kafka -> the real sequencer process -> attestry.entries -> real indexer processes -> idx.
 * Expectations come from the fixtures themselves and manifest.json, not from libs/formats.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalPurl } from '../../libs/formats/index.js';
import { createLogHarness, submissionRecord, treeSize, type LogHarness } from '../support/log-harness.js';
import { eventually, type RunningService } from '../support/services.js';
import { dsseInput, hashedRekordInput, makeSigner, type TestSigner } from '../support/signing.js';
import { repoRoot } from '../support/stack.js';
import {
  dumpIndex,
  indexedCount,
  indexers,
  metricValue,
  truncateIndex,
  waitIndexed,
  type Indexers,
} from '../support/indexer-harness.js';

const FIXTURES = path.join(repoRoot, 'test/fixtures');
const fixtureBytes = (p: string) => readFileSync(path.join(FIXTURES, p));
const fixtureJson = <T = Record<string, unknown>>(p: string) =>
  JSON.parse(fixtureBytes(p).toString('utf8')) as T;
const sha = (alg: 'sha256' | 'sha384' | 'sha512', data: Buffer | string) =>
  createHash(alg).update(data).digest('hex');
const keyIdOf = (s: TestSigner) =>
  `sha256:${sha('sha256', s.publicKey.export({ type: 'spki', format: 'der' }))}`;

const CYCLONEDX = 'https://cyclonedx.org/bom';
const SPDX = 'https://spdx.dev/Document';
const VSA_V1 = 'https://slsa.dev/verification_summary/v1';

interface ManifestEntry {
  path: string;
  expect: string;
  format?: string;
  specVersion?: string;
  components?: number;
  packages?: number;
  certificateIdentity?: string;
  certificateOidcIssuer?: string;
  subject?: string;
}
const manifest = fixtureJson<{ sboms: ManifestEntry[]; bundles: ManifestEntry[] }>('manifest.json');
const SBOMS = manifest.sboms.filter((e) => e.expect === 'valid' && e.path.endsWith('.json'));

const PROVENANCE = [
  'provenance/bcr-MODULE.bazel.slsa-v1.statement.json',
  'provenance/npm-laurentsimon-provenance-npm-test-1.0.3.slsa-v0.2.statement.json',
  'provenance/npm-sigstore-2.3.1.provenance.statement.json',
  'provenance/sigstore-conformance-happy-path-intoto-in-dsse-v3.statement.json',
  'provenance/slsa-github-generator-generic-v2.1.0.slsa-v0.2.statement.json',
  'provenance/slsa-github-generator-go-v0.0.2.slsa-v0.2.statement.json',
];
const PUBLISH = 'provenance/npm-sigstore-2.3.1.publish.statement.json';
const VSA = 'provenance/google-bcid-vsa.verification_summary-v1.statement.json';
const NPM_BUNDLE = 'bundles/npm/extracted/sigstore-2.3.1.provenance.sigstore.json';
const NPM_SUBJECT_SHA512 =
  'f06fbf5c353cc0db093904b9cac0d53b412d83dff6b80e6047d9786708a38e5c3105cad4e913dfc22dbe8c999b3fe029d47969fe75406843b8163db6fd22f681';

interface RawStatement {
  _type: string;
  subject: { name?: string; digest: Record<string, string> }[];
  predicateType: string;
  predicate: Record<string, unknown>;
}

/** An SBOM file as the predicate of a statement about the file itself. */
function sbomStatement(entry: ManifestEntry) {
  const bytes = fixtureBytes(entry.path);
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: path.basename(entry.path), digest: { sha256: sha('sha256', bytes) } }],
    predicateType: entry.format === 'CycloneDX' ? CYCLONEDX : SPDX,
    predicate: JSON.parse(bytes.toString('utf8')) as unknown,
  };
}

function aliasStatement(subject: Record<string, string>, name: string) {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name, digest: subject }],
    predicateType: 'https://example.com/alias-test/v1',
    predicate: {},
  };
}

/** Four statements per artifact: {sha256}, {sha512}, {sha256, sha512}, {sha384, sha512}: one artifact each. */
function aliasStatements(count: number, tag: string) {
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const data = `${tag} ${i}`;
    const a = sha('sha256', data);
    const b = sha('sha512', data);
    const c = sha('sha384', data);
    out.push(aliasStatement({ sha256: a }, `a${i}`));
    out.push(aliasStatement({ sha512: b }, `b${i}`));
    out.push(aliasStatement({ sha256: a, sha512: b }, `ab${i}`));
    out.push(aliasStatement({ sha384: c, sha512: b }, `cb${i}`));
  }
  return out;
}

async function submit(h: LogHarness, inputs: unknown[]): Promise<void> {
  const records = inputs.map((input, i) => submissionRecord(input, i, `k-${i}-${Math.random()}`));
  let chunk: typeof records = [];
  let bytes = 0;
  for (const r of records) {
    if (bytes + r.value.length > 4 * 1024 * 1024 && chunk.length > 0) {
      await h.bus.publish(h.topics.submissions, chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(r);
    bytes += r.value.length;
  }
  if (chunk.length > 0) await h.bus.publish(h.topics.submissions, chunk);
}

async function waitLogged(h: LogHarness, n: number): Promise<void> {
  await eventually(
    async () => ((await treeSize(h.admin)) === n ? true : undefined),
    180_000,
    `${n} entries logged`,
  );
}

async function waitRelayed(h: LogHarness, n: number): Promise<void> {
  await eventually(
    async () => {
      const r = await h.admin.query<{ next_value: number }>(
        "SELECT next_value FROM tlog.relay_positions WHERE stream = 'entries'",
      );
      return r.rows[0]?.next_value === n ? true : undefined;
    },
    60_000,
    `${n} entries published to the entries topic`,
  );
}

async function rows<T extends Record<string, unknown>>(
  h: LogHarness,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return (await h.admin.query<T>(sql, params)).rows;
}

/** The log index of the statement about `digest` of `predicateType` signed by `keyId`. */
async function statementIndex(
  h: LogHarness,
  digest: string,
  predicateType: string,
  keyId: string,
): Promise<number> {
  const r = await rows<{ log_index: number }>(
    h,
    `SELECT DISTINCT s.log_index FROM idx.statements s
       JOIN idx.statement_subjects ss USING (log_index)
       JOIN idx.signatures g USING (log_index)
      WHERE ss.digest = $1 AND s.predicate_type = $2 AND g.key_id = $3`,
    [digest, predicateType, keyId],
  );
  assert.equal(r.length, 1, `one ${predicateType} statement about ${digest} signed by ${keyId}`);
  return r[0]?.log_index as number;
}

function identityDigests(subject: RawStatement['subject']): string[] {
  return subject.flatMap((s) =>
    ['sha256', 'sha384', 'sha512'].flatMap((alg) => (s.digest[alg] ? [`${alg}:${s.digest[alg]}`] : [])),
  );
}

interface CdxComponent {
  purl?: string;
  components?: CdxComponent[];
}
const flatten = (cs: CdxComponent[] = []): CdxComponent[] => cs.flatMap((c) => [c, ...flatten(c.components)]);

describe('the indexer over the whole pipeline: real provenance, SBOMs and a Fulcio-signed bundle', () => {
  let h: LogHarness;
  let idx: Indexers;
  let indexer: RunningService;
  const provenanceKey = makeSigner('ecdsa-p256');
  const sbomKey = makeSigner('ed25519');
  const artifactKey = makeSigner('ecdsa-p256');
  let total = 0;

  before(async () => {
    h = await createLogHarness();
    idx = indexers(h);
    const seq = h.startSequencer();
    await seq.waitReady();
    indexer = idx.start();
    await indexer.waitReady();
    const inputs: unknown[] = [
      ...[...PROVENANCE, PUBLISH, VSA].map((p) => dsseInput([provenanceKey], fixtureJson(p))),
      ...SBOMS.map((e) => dsseInput([sbomKey], sbomStatement(e))),
      fixtureJson(NPM_BUNDLE),
      hashedRekordInput(
        artifactKey,
        fixtureBytes('sbom-cyclonedx/bom-examples/cern-lhc-vdm-editor.cdx.json'),
      ),
      hashedRekordInput(artifactKey, Buffer.from('a plain artifact')),
      // Two the indexer cannot read: a payload that is no statement, a malformed SBOM predicate.
      dsseInput([provenanceKey], { not: 'a statement' }, 'text/plain'),
      dsseInput([sbomKey], {
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: 'broken', digest: { sha256: sha('sha256', 'broken') } }],
        predicateType: CYCLONEDX,
        predicate: {
          bomFormat: 'CycloneDX',
          specVersion: '1.5',
          version: 1,
          components: [{ name: 'no type' }],
        },
      }),
    ];
    total = inputs.length;
    await submit(h, inputs);
    await waitLogged(h, total);
    await waitIndexed(h.admin, total);
  });
  after(async () => {
    await idx.stopAll();
    await h.close();
  });

  it('holds every log entry once, the SBOMs with the component counts and purls manifest.json and the files give', async () => {
    assert.equal(await indexedCount(h.admin), await treeSize(h.admin));
    for (const entry of SBOMS) {
      const bytes = fixtureBytes(entry.path);
      const subject = `sha256:${sha('sha256', bytes)}`;
      const li = await statementIndex(
        h,
        subject,
        entry.format === 'CycloneDX' ? CYCLONEDX : SPDX,
        keyIdOf(sbomKey),
      );
      const [sbom] = await rows<{ format: string; spec_version: string; component_count: number }>(
        h,
        'SELECT format, spec_version, component_count FROM idx.sboms WHERE log_index = $1',
        [li],
      );
      assert.ok(sbom, `${entry.path}: an sboms row`);
      const components = await rows<{ type: string; purl: string | null; is_root: boolean }>(
        h,
        'SELECT type, purl, is_root FROM idx.sbom_components WHERE log_index = $1',
        [li],
      );
      // Every non-root component hangs under the subject (INCLUDES), at its node: its digest, else
      // its package version, else its statement-local ref (components sharing a node share the edge).
      const orphans = await rows<{ ref: string }>(
        h,
        `SELECT c.ref FROM idx.sbom_components c
          WHERE c.log_index = $1 AND NOT c.is_root AND NOT EXISTS (
            SELECT 1 FROM idx.edges e
             WHERE e.log_index = c.log_index AND e.relationship = 'INCLUDES' AND e.from_kind = 'subject'
               AND e.to_ref = coalesce(c.digest, c.package_version, c.ref))`,
        [li],
      );
      assert.deepEqual(orphans, [], `${entry.path}: every component hangs under the subject`);
      const raw = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      if (entry.format === 'CycloneDX') {
        assert.equal(sbom.format, 'cyclonedx');
        assert.equal(sbom.spec_version, entry.specVersion);
        assert.equal(sbom.component_count, entry.components, entry.path);
        assert.equal(components.filter((c) => !c.is_root).length, entry.components, entry.path);
        const expected = flatten(raw['components'] as CdxComponent[]).flatMap((c) =>
          c.purl ? [canonicalPurl(c.purl)] : [],
        );
        assert.deepEqual(
          components
            .filter((c) => !c.is_root && c.purl !== null)
            .map((c) => c.purl)
            .sort(),
          expected.sort(),
          `${entry.path}: component purls`,
        );
        const rootPurl = (raw['metadata'] as { component?: { purl?: string } } | undefined)?.component?.purl;
        if (rootPurl) {
          const onSubject = await rows<{ purl: string }>(
            h,
            'SELECT purl FROM idx.artifact_purls WHERE digest = $1 AND log_index = $2',
            [subject, li],
          );
          assert.deepEqual(
            onSubject.map((r) => r.purl),
            [canonicalPurl(rootPurl)],
            `${entry.path}: the SBOM root's purl names the subject`,
          );
        }
      } else if (entry.format === 'SPDX') {
        assert.equal(sbom.format, 'spdx');
        assert.equal(sbom.spec_version, entry.specVersion);
        assert.equal(components.filter((c) => c.type === 'package').length, entry.packages, entry.path);
        const packages = (raw['packages'] ?? []) as {
          externalRefs?: { referenceType: string; referenceLocator: string }[];
        }[];
        const expected = packages.flatMap((p) =>
          (p.externalRefs ?? [])
            .filter((r) => r.referenceType === 'purl')
            .map((r) => canonicalPurl(r.referenceLocator)),
        );
        assert.deepEqual(
          components.flatMap((c) => (c.purl === null ? [] : [c.purl])).sort(),
          expected.sort(),
          `${entry.path}: package purls`,
        );
      } else {
        assert.equal(sbom.spec_version, '3.0.1');
        assert.ok(components.length > 0, entry.path);
      }
    }
    // Package versions the SBOMs name are packages too, e.g. the juice-shop's npm dependencies.
    const [pv] = await rows<{ n: number }>(
      h,
      "SELECT count(*)::int AS n FROM idx.package_versions v JOIN idx.packages p ON p.purl = v.package WHERE p.type = 'npm'",
    );
    assert.ok((pv?.n ?? 0) >= 800);
  });

  it('holds the provenance: subjects, builder, source, materials; sha512-only subjects are artifacts', async () => {
    for (const file of PROVENANCE) {
      const raw = fixtureJson<RawStatement>(file);
      const subjects = identityDigests(raw.subject);
      const li = await statementIndex(h, subjects[0] as string, raw.predicateType, keyIdOf(provenanceKey));
      const stated = await rows<{ digest: string }>(
        h,
        'SELECT digest FROM idx.statement_subjects WHERE log_index = $1 ORDER BY digest',
        [li],
      );
      assert.deepEqual(
        stated.map((r) => r.digest),
        [...subjects].sort(),
        `${file}: subjects`,
      );
      const p = raw.predicate as {
        runDetails?: { builder: { id: string } };
        builder?: { id: string };
        buildDefinition?: { resolvedDependencies?: { digest?: object }[] };
        materials?: { digest?: object }[];
      };
      const [prov] = await rows<{ builder_id: string; slsa_version: string }>(
        h,
        'SELECT builder_id, slsa_version FROM idx.provenance WHERE log_index = $1',
        [li],
      );
      assert.equal(prov?.builder_id, p.runDetails?.builder.id ?? p.builder?.id, `${file}: builder`);
      const materials = (p.buildDefinition?.resolvedDependencies ?? p.materials ?? []).filter(
        (m) => m.digest !== undefined && Object.keys(m.digest).length > 0,
      );
      const [m] = await rows<{ n: number }>(
        h,
        'SELECT count(*)::int AS n FROM idx.provenance_materials WHERE log_index = $1',
        [li],
      );
      assert.equal(m?.n, materials.length, `${file}: materials`);
    }
    // npm sigstore@2.3.1: a sha512-only subject, one artifact across provenance and publish attestation.
    const npm = `sha512:${NPM_SUBJECT_SHA512}`;
    const [artifact] = await rows<{ algorithm: string; artifact: string }>(
      h,
      'SELECT algorithm, artifact FROM idx.artifacts WHERE digest = $1',
      [npm],
    );
    assert.deepEqual(artifact, { algorithm: 'sha512', artifact: npm });
    const purls = await rows<{ purl: string }>(
      h,
      'SELECT DISTINCT purl FROM idx.artifact_purls WHERE digest = $1',
      [npm],
    );
    assert.deepEqual(
      purls.map((r) => r.purl),
      ['pkg:npm/sigstore@2.3.1'],
    );
    const publish = await statementIndex(
      h,
      npm,
      fixtureJson<RawStatement>(PUBLISH).predicateType,
      keyIdOf(provenanceKey),
    );
    const [pub] = await rows(
      h,
      'SELECT registry, name, version, package_version FROM idx.publications WHERE log_index = $1',
      [publish],
    );
    assert.deepEqual(pub, {
      registry: 'https://registry.npmjs.org',
      name: 'sigstore',
      version: '2.3.1',
      package_version: 'pkg:npm/sigstore@2.3.1',
    });
    // The VSA's only subject digest (gce_image_id) identifies no artifact: kept on the statement.
    const [vsa] = await rows<{ verifier_id: string; result: string; subjects: unknown }>(
      h,
      `SELECT v.verifier_id, v.result, s.subjects FROM idx.verifications v JOIN idx.statements s USING (log_index)
        WHERE s.predicate_type = $1`,
      [VSA_V1],
    );
    assert.equal(vsa?.verifier_id, 'https://bcid.corp.google.com/verifier/bcid_package_enforcer/v0.1');
    assert.equal(vsa?.result, 'PASSED');
    assert.deepEqual(
      (vsa?.subjects as { digest: unknown }[]).map((s) => s.digest),
      [{ gce_image_id: '8970095005306000053' }],
    );
  });

  it('holds signers: a key by its key id, a Fulcio certificate by identity, issuer and CI claims', async () => {
    const bundle = manifest.bundles.find(
      (b) => b.path === 'bundles/npm/provenance-npm-test-cli-v1-prega.tgz.json',
    );
    const npm = `sha512:${NPM_SUBJECT_SHA512}`;
    // whoSigned: every signature over the artifact, through its statements.
    const signed = await rows<{
      kind: string;
      key_id: string;
      identity: string | null;
      issuer: string | null;
    }>(
      h,
      `SELECT g.kind, g.key_id, g.identity, g.issuer FROM idx.statement_subjects ss
         JOIN idx.signatures g USING (log_index) WHERE ss.digest = $1 ORDER BY g.kind, g.key_id`,
      [npm],
    );
    assert.deepEqual(
      signed.map((s) => [s.kind, s.identity, s.issuer]),
      [
        ['certificate', bundle?.certificateIdentity, bundle?.certificateOidcIssuer],
        ['key', null, null],
        ['key', null, null],
      ],
    );
    assert.ok(signed.filter((s) => s.kind === 'key').every((s) => s.key_id === keyIdOf(provenanceKey)));
    const [cert] = await rows(
      h,
      `SELECT identity, san_type, issuer, ci_repository, ci_workflow, ci_ref, ci_trigger, ci_runner_environment
         FROM idx.signers WHERE kind = 'certificate'`,
    );
    assert.deepEqual(cert, {
      identity: 'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main',
      san_type: 'uri',
      issuer: 'https://token.actions.githubusercontent.com',
      ci_repository: 'https://github.com/sigstore/sigstore-js',
      ci_workflow: 'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main',
      ci_ref: 'refs/heads/main',
      ci_trigger: 'push',
      ci_runner_environment: 'github-hosted',
    });
    // By identity prefix (a whole organisation) and issuer, in a time window.
    const [byPrefix] = await rows<{ n: number }>(
      h,
      `SELECT count(*)::int AS n FROM idx.signatures
        WHERE identity LIKE 'https://github.com/sigstore/%' AND issuer = $1 AND integrated_time >= now() - interval '1 day'`,
      ['https://token.actions.githubusercontent.com'],
    );
    assert.equal(byPrefix?.n, 1);
    // hashedrekord: the key signed the SBOM file itself, which is also the subject of its SBOM statement.
    const cern = `sha256:${sha('sha256', fixtureBytes('sbom-cyclonedx/bom-examples/cern-lhc-vdm-editor.cdx.json'))}`;
    const direct = await rows<{ key_id: string }>(h, 'SELECT key_id FROM idx.signatures WHERE digest = $1', [
      cern,
    ]);
    assert.deepEqual(
      direct.map((r) => r.key_id),
      [keyIdOf(artifactKey)],
    );
  });

  it('indexes what it cannot read as unparsed statements with their reason, counts them, and catches up', async () => {
    const unparsed = await rows<{ stage: string; reason_code: string; reason: string }>(
      h,
      'SELECT stage, reason_code, reason FROM idx.unparsed_statements ORDER BY stage',
    );
    assert.deepEqual(
      unparsed.map((u) => [u.stage, u.reason_code]),
      [
        ['predicate', 'FORMAT_MALFORMED'],
        ['statement', 'FORMAT_UNSUPPORTED'],
      ],
    );
    assert.match(unparsed[0]?.reason ?? '', /components\[0\]\.type/);
    const [outcomes] = await rows<{ unparsed: number }>(
      h,
      "SELECT count(*) FILTER (WHERE outcome = 'unparsed')::int AS unparsed FROM idx.entries",
    );
    assert.equal(outcomes?.unparsed, 2);
    assert.equal(
      await metricValue(indexer.url, 'attestry_indexer_statements_unparsed_total', 'stage="predicate"'),
      1,
    );
    assert.equal(
      await metricValue(indexer.url, 'attestry_indexer_statements_unparsed_total', 'stage="statement"'),
      1,
    );
    assert.equal(await metricValue(indexer.url, 'attestry_indexer_entries_indexed_total'), total - 2);
    await eventually(
      async () => ((await metricValue(indexer.url, 'attestry_indexer_lag_entries')) === 0 ? true : undefined),
      10_000,
      'lag 0',
    );
    // A later entry is indexed after them: nothing blocked its partition.
    await submit(h, [hashedRekordInput(artifactKey, Buffer.from('after the unparsed ones'))]);
    await waitIndexed(h.admin, total + 1, 60_000);
    await eventually(
      async () => ((await metricValue(indexer.url, 'attestry_indexer_lag_entries')) === 0 ? true : undefined),
      10_000,
      'lag 0 again',
    );
  });
  it('indexes an entry the database refuses as unparsed (stage index); the partition goes on', async () => {
    // Stands in for a value no table can hold: the indexer bounds and cleans what it knows of.
    await h.admin.query(
      "ALTER TABLE idx.artifact_names ADD CONSTRAINT test_refused CHECK (name <> 'refuse me')",
    );
    try {
      const before = await indexedCount(h.admin);
      const refused = sha('sha256', 'refused');
      await submit(h, [
        dsseInput([sbomKey], aliasStatement({ sha256: refused }, 'refuse me')),
        hashedRekordInput(artifactKey, Buffer.from('next to the refused one')),
      ]);
      await waitIndexed(h.admin, before + 2, 60_000);
      const r = await rows(
        h,
        `SELECT e.outcome, u.stage, u.reason_code FROM idx.entries e JOIN idx.unparsed_statements u USING (log_index)
          WHERE u.stage = 'index'`,
      );
      assert.deepEqual(r, [{ outcome: 'unparsed', stage: 'index', reason_code: '23514' }]);
      const stated = await rows(h, 'SELECT 1 FROM idx.statement_subjects WHERE digest = $1', [
        `sha256:${refused}`,
      ]);
      assert.deepEqual(stated, [], 'nothing the refused entry states is indexed');
      const next = await rows(h, 'SELECT 1 FROM idx.signatures WHERE digest = $1', [
        `sha256:${sha('sha256', 'next to the refused one')}`,
      ]);
      assert.equal(next.length, 1);
      assert.equal(
        await metricValue(indexer.url, 'attestry_indexer_statements_unparsed_total', 'stage="index"'),
        1,
      );
    } finally {
      await h.admin.query('ALTER TABLE idx.artifact_names DROP CONSTRAINT test_refused');
    }
  });
});

describe('replay: the index rebuilt from the log is identical', () => {
  let h: LogHarness;
  let idx: Indexers;
  let total = 0;
  const key = makeSigner('ecdsa-p256');

  before(async () => {
    h = await createLogHarness();
    idx = indexers(h);
    const seq = h.startSequencer();
    await seq.waitReady();
    const inputs: unknown[] = [
      ...PROVENANCE.map((p) => dsseInput([key], fixtureJson(p))),
      ...SBOMS.filter((e) => fixtureBytes(e.path).length < 300_000).map((e) =>
        dsseInput([key], sbomStatement(e)),
      ),
      ...aliasStatements(25, 'replay').map((s) => dsseInput([key], s)),
      ...Array.from({ length: 200 }, (_, i) => hashedRekordInput(key, Buffer.from(`replay ${i}`))),
      fixtureJson(NPM_BUNDLE),
      dsseInput([key], 'not json at all', 'application/vnd.in-toto+json'),
    ];
    total = inputs.length;
    await submit(h, inputs);
    await waitLogged(h, total);
    await waitRelayed(h, total);
  });
  after(async () => {
    await idx.stopAll();
    await h.close();
  });

  it('two rebuilds, and a replay over the existing index, give the same canonical dump', async () => {
    let a = idx.start();
    await waitIndexed(h.admin, total);
    await idx.stopAll();
    const first = await dumpIndex(h.admin);
    assert.equal(first['entries']?.length, total);
    assert.ok((first['node_edges']?.length ?? 0) > 0, 'the replay data has an adjacency to compare');
    assert.ok((first['artifact_aliases']?.length ?? 0) >= 25 * 4, 'the replay data merges artifacts');

    // A fresh projection, built by two indexers sharing the partitions (another interleaving).
    await truncateIndex(h.admin);
    a = idx.start();
    const b = idx.start();
    await waitIndexed(h.admin, total);
    await Promise.all([a.stop(), b.stop()]);
    const second = await dumpIndex(h.admin);
    assert.deepEqual(second, first);

    // The same log replayed over the existing index (offsets forgotten): nothing changes.
    await h.admin.query('DELETE FROM idx.consumer_offsets');
    a = idx.start();
    await eventually(
      async () => {
        const r = await h.admin.query<{ n: number }>(
          'SELECT coalesce(sum(next_offset), 0)::int AS n FROM idx.consumer_offsets',
        );
        return r.rows[0]?.n === total ? true : undefined;
      },
      120_000,
      'the replay to reach the end of the topic',
    );
    await a.stop();
    assert.deepEqual(await dumpIndex(h.admin), first);

    // Each alias component resolved to its sha256, whatever the order the statements arrived in.
    const wrong = await h.admin.query(
      "SELECT digest, artifact FROM idx.artifacts WHERE digest IN (SELECT digest FROM idx.artifact_aliases) AND artifact NOT LIKE 'sha256:%'",
    );
    assert.deepEqual(wrong.rows, []);
  });
});

describe('two indexers over six partitions, one SIGKILLed mid-batch and restarted', () => {
  let h: LogHarness;
  let idx: Indexers;
  let total = 0;
  const key = makeSigner('ecdsa-p256');
  const ALIASED = 60;

  before(async () => {
    h = await createLogHarness({ partitions: 6 });
    idx = indexers(h);
    const seq = h.startSequencer();
    await seq.waitReady();
    const cern = fixtureJson('sbom-cyclonedx/bom-examples/cern-lhc-vdm-editor.cdx.json');
    const inputs: unknown[] = [
      ...Array.from({ length: 3000 }, (_, i) => hashedRekordInput(key, Buffer.from(`crash ${i}`))),
      ...aliasStatements(ALIASED, 'crash').map((s) => dsseInput([key], s)),
      ...Array.from({ length: 40 }, (_, i) =>
        dsseInput([key], {
          _type: 'https://in-toto.io/Statement/v1',
          subject: [{ name: `app-${i}`, digest: { sha256: sha('sha256', `app ${i}`) } }],
          predicateType: CYCLONEDX,
          predicate: cern,
        }),
      ),
    ];
    total = inputs.length;
    await submit(h, inputs);
    await waitLogged(h, total);
    await waitRelayed(h, total);
  });
  after(async () => {
    await idx.stopAll();
    await h.close();
  });

  it('loses no fact and doubles none: the index equals a clean rebuild, offsets end at the topic end', async () => {
    const env = { BATCH_MAX_BYTES: '16KiB', LOG_LEVEL: 'warn' };
    let a = idx.start(env);
    const b = idx.start(env);
    await Promise.all([a.waitReady(), b.waitReady()]);
    let kills = 0;
    let killedAt: number[] = [];
    for (const threshold of [0.15, 0.5]) {
      await eventually(
        async () => ((await indexedCount(h.admin)) >= total * threshold ? true : undefined),
        120_000,
        `${threshold * 100} % indexed`,
      );
      a.signal('SIGKILL');
      await a.exited;
      kills++;
      killedAt = [...killedAt, await indexedCount(h.admin)];
      a = idx.start(env);
    }
    assert.equal(kills, 2);
    assert.ok(
      killedAt.every((n) => n < total),
      `killed while the index was incomplete (${killedAt.join(', ')} of ${total})`,
    );
    await waitIndexed(h.admin, total);
    await eventually(
      async () => {
        const r = await h.admin.query<{ n: number }>(
          'SELECT coalesce(sum(next_offset), 0)::int AS n FROM idx.consumer_offsets',
        );
        return r.rows[0]?.n === total ? true : undefined;
      },
      60_000,
      'offsets at the end of every partition',
    );
    await idx.stopAll();
    const afterCrash = await dumpIndex(h.admin);
    assert.equal(afterCrash['entries']?.length, total);
    assert.equal(afterCrash['signatures']?.length, total, 'one signature per entry, none doubled');
    assert.equal(afterCrash['statements']?.length, total - 3000);
    assert.equal(afterCrash['sbom_components']?.length, 40 * 44);

    // Every aliased artifact resolved to its sha256 despite concurrent merges.
    for (let i = 0; i < ALIASED; i += 7) {
      const data = `crash ${i}`;
      const r = await h.admin.query<{ digest: string; artifact: string }>(
        'SELECT digest, artifact FROM idx.artifacts WHERE digest = ANY($1::text[]) ORDER BY digest',
        [[`sha256:${sha('sha256', data)}`, `sha384:${sha('sha384', data)}`, `sha512:${sha('sha512', data)}`]],
      );
      assert.deepEqual(
        r.rows.map((x) => x.artifact),
        Array(3).fill(`sha256:${sha('sha256', data)}`),
      );
    }

    // The reference: a clean rebuild by one indexer that nobody disturbed.
    await truncateIndex(h.admin);
    idx.start();
    await waitIndexed(h.admin, total);
    await idx.stopAll();
    assert.deepEqual(await dumpIndex(h.admin), afterCrash);
  });
});

describe('transitive questions inside PostgreSQL: idx.dependents and idx.dependencies', () => {
  let h: LogHarness;
  let idx: Indexers;
  const key = makeSigner('ecdsa-p256');
  const d = (name: string) => sha('sha256', name);
  const L = d('lib');
  const L512 = sha('sha512', 'lib');
  const LOG4J = 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1';
  const bom = (components: Record<string, unknown>[]) => ({
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    components: components.map((c, i) => ({ type: 'library', name: `c${i}`, 'bom-ref': `c${i}`, ...c })),
  });
  const byDigest = (alg: 'SHA-256' | 'SHA-512', hex: string) => ({ hashes: [{ alg, content: hex }] });
  const statement = (subject: string, predicateType: string, predicate: unknown, name = subject) => ({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name, digest: { sha256: subject } }],
    predicateType,
    predicate,
  });
  const provenance = (materials: string[]) => ({
    buildDefinition: {
      buildType: 'https://example.com/build/v1',
      externalParameters: {},
      resolvedDependencies: materials.map((m) => ({
        uri: `oci://example/${m.slice(0, 8)}`,
        digest: { sha256: m },
      })),
    },
    runDetails: { builder: { id: 'https://example.com/builder' } },
  });

  before(async () => {
    h = await createLogHarness();
    idx = indexers(h);
    const seq = h.startSequencer();
    await seq.waitReady();
    idx.start();
    const inputs = [
      hashedRekordInput(key, Buffer.from('lib')),
      // lib is pkg:npm/lib@1.0.0, and its sha512 is another name for it.
      dsseInput([key], {
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: 'pkg:npm/lib@1.0.0', digest: { sha256: L, sha512: L512 } }],
        predicateType: 'https://example.com/identity/v1',
        predicate: {},
      }),
      dsseInput([key], statement(d('A'), CYCLONEDX, bom([byDigest('SHA-256', L)]))), // A lists lib by digest
      dsseInput([key], statement(d('B'), CYCLONEDX, bom([{ purl: 'pkg:npm/lib@1.0.0' }]))), // B by purl only
      dsseInput([key], statement(d('H'), CYCLONEDX, bom([byDigest('SHA-512', L512)]))), // H by its sha512
      dsseInput([key], statement(d('C'), 'https://slsa.dev/provenance/v1', provenance([d('A')]))), // C built from A
      dsseInput([key], statement(d('C'), CYCLONEDX, bom([byDigest('SHA-256', d('D'))]))), // C contains D ...
      dsseInput([key], statement(d('D'), CYCLONEDX, bom([byDigest('SHA-256', d('C'))]))), // ... and D contains C
      dsseInput([key], statement(d('E'), CYCLONEDX, bom([{ purl: LOG4J }]))), // E lists log4j by purl
      dsseInput([key], statement(d('F'), CYCLONEDX, bom([byDigest('SHA-256', d('E'))]))), // F contains E
    ];
    await submit(h, inputs);
    await waitLogged(h, inputs.length);
    await waitIndexed(h.admin, inputs.length);
  });
  after(async () => {
    await idx.stopAll();
    await h.close();
  });

  const a = (name: string) => `sha256:${d(name)}`;

  it('dependents: by digest, by purl, through an alias, transitively, each once at its depth; cycles end', async () => {
    const r = await rows<{ artifact: string; depth: number; path: string[] }>(
      h,
      'SELECT artifact, depth, path FROM idx.dependents($1::text[], $2::text[], $3) ORDER BY depth, artifact',
      [[`sha512:${L512}`], [], 10],
    );
    const lib = `sha256:${L}`;
    const expected = [
      { artifact: lib, depth: 0, path: [lib] },
      ...['A', 'B', 'H'].map((n) => ({ artifact: a(n), depth: 1, path: [lib, a(n)] })),
      { artifact: a('C'), depth: 2, path: [lib, a('A'), a('C')] },
      { artifact: a('D'), depth: 3, path: [lib, a('A'), a('C'), a('D')] },
    ].sort((x, y) => x.depth - y.depth || (x.artifact < y.artifact ? -1 : 1));
    assert.deepEqual(r, expected);
    const bounded = await rows<{ artifact: string }>(
      h,
      'SELECT artifact FROM idx.dependents($1::text[], $2::text[], $3) WHERE depth > 0 ORDER BY artifact',
      [[lib], [], 1],
    );
    assert.deepEqual(
      bounded.map((x) => x.artifact),
      ['A', 'B', 'H'].map(a).sort(),
      'maxDepth bounds the search',
    );
  });

  it('dependents of a package version no artifact carries (the log4j question)', async () => {
    const r = await rows<{ artifact: string; depth: number; path: string[] }>(
      h,
      'SELECT artifact, depth, path FROM idx.dependents($1::text[], $2::text[], $3) ORDER BY depth',
      [[], [LOG4J], 10],
    );
    assert.deepEqual(r, [
      { artifact: a('E'), depth: 1, path: [a('E')] },
      { artifact: a('F'), depth: 2, path: [a('E'), a('F')] },
    ]);
  });

  it('dependents_count and dependents_page agree with dependents: same rows, pages in (depth, artifact) order', async () => {
    for (const [digests, packages] of [
      [[`sha512:${L512}`], []],
      [[], [LOG4J]],
      [[a('C')], []],
    ] as [string[], string[]][]) {
      const full = await rows<{ artifact: string; depth: number; path: string[]; log_index: number | null }>(
        h,
        'SELECT * FROM idx.dependents($1::text[], $2::text[], $3) ORDER BY depth, artifact',
        [digests, packages, 10],
      );
      const [count] = await rows<{ n: number }>(
        h,
        'SELECT idx.dependents_count($1::text[], $2::text[], $3)::int AS n',
        [digests, packages, 10],
      );
      assert.equal(count?.n, full.filter((r) => r.depth > 0).length, `count for ${digests} ${packages}`);
      const paged: typeof full = [];
      let cursor: [number | null, string | null] = [null, null];
      for (;;) {
        const page = await rows<(typeof full)[number]>(
          h,
          'SELECT * FROM idx.dependents_page($1::text[], $2::text[], $3, $4, $5, $6)',
          [digests, packages, 10, 2, cursor[0], cursor[1]],
        );
        paged.push(...page);
        const last = page.at(-1);
        if (page.length < 2 || last === undefined) break;
        cursor = [last.depth, last.artifact];
      }
      assert.deepEqual(paged, full, `pages of two for ${digests} ${packages}`);
    }
  });

  it('the adjacency: aliases and purls stated after the edges that need them, or before, answer the same', async () => {
    const identity = (s256: string, s512: string, name: string) =>
      dsseInput([key], {
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name, digest: { sha256: s256, sha512: s512 } }],
        predicateType: 'https://example.com/identity/v1',
        predicate: {},
      });
    const late = { s256: d('late'), s512: sha('sha512', 'late'), purl: 'pkg:npm/late@1.0.0' };
    const early = { s256: d('early'), s512: sha('sha512', 'early'), purl: 'pkg:npm/early@1.0.0' };
    const users = (m: typeof late, tag: string) => [
      dsseInput([key], statement(d(`P${tag}`), CYCLONEDX, bom([byDigest('SHA-512', m.s512)]))), // by sha512
      dsseInput([key], statement(d(`Q${tag}`), CYCLONEDX, bom([byDigest('SHA-256', m.s256)]))), // by sha256
      dsseInput([key], statement(d(`R${tag}`), CYCLONEDX, bom([{ purl: m.purl }]))), // by purl only
    ];
    const dependentsOf = async (digest: string) =>
      (
        await rows<{ artifact: string; depth: number }>(
          h,
          'SELECT artifact, depth FROM idx.dependents($1::text[], $2::text[], $3) ORDER BY depth, artifact',
          [[digest], [], 10],
        )
      ).map((r) => [r.artifact, r.depth]);
    let n = await indexedCount(h.admin);
    // `early`: its identity (sha256 = sha512, and its purl) first, then the SBOMs; `late`: the reverse.
    const phase1 = [identity(early.s256, early.s512, early.purl), ...users(late, 'late')];
    await submit(h, phase1);
    n += phase1.length;
    await waitIndexed(h.admin, n);
    // Before `late`'s identity is known, its sha256 and its sha512 are two artifacts.
    assert.deepEqual(await dependentsOf(`sha256:${late.s256}`), [
      [`sha256:${late.s256}`, 0],
      [a('Qlate'), 1],
    ]);
    assert.deepEqual(await dependentsOf(`sha512:${late.s512}`), [
      [`sha512:${late.s512}`, 0],
      [a('Plate'), 1],
    ]);
    const phase2 = [identity(late.s256, late.s512, late.purl), ...users(early, 'early')];
    await submit(h, phase2);
    n += phase2.length;
    await waitIndexed(h.admin, n);
    for (const [m, tag] of [
      [late, 'late'],
      [early, 'early'],
    ] as const) {
      const expected = [
        [`sha256:${m.s256}`, 0],
        ...[a(`P${tag}`), a(`Q${tag}`), a(`R${tag}`)].sort().map((x) => [x, 1]),
      ];
      assert.deepEqual(await dependentsOf(`sha512:${m.s512}`), expected, `${tag}: by its sha512`);
      assert.deepEqual(await dependentsOf(`sha256:${m.s256}`), expected, `${tag}: by its sha256`);
    }
    // The maintained adjacency is the one a rebuild from the facts gives (0005's backfill query).
    const maintained = await rows<{ row: string }>(
      h,
      `SELECT concat_ws(' ', t.ref, f.ref, e.log_index) AS row FROM idx.node_edges e
         JOIN idx.node_ids t ON t.id = e.dependency JOIN idx.node_ids f ON f.id = e.dependent ORDER BY 1`,
    );
    const rebuilt = await rows<{ row: string }>(
      h,
      `SELECT concat_ws(' ', e.to_ref, e.from_ref, e.log_index) AS row FROM idx.edges e
        WHERE e.to_kind IN ('artifact', 'package') AND e.from_kind IN ('artifact', 'package')
       UNION
       SELECT concat_ws(' ', e.to_ref, s.digest, e.log_index) FROM idx.edges e
         JOIN idx.statement_subjects s USING (log_index)
        WHERE e.to_kind IN ('artifact', 'package') AND e.from_kind = 'subject'
       ORDER BY 1`,
    );
    assert.deepEqual(maintained, rebuilt);
    const artifactsAgree = await rows(
      h,
      `SELECT a.digest FROM idx.artifacts a JOIN idx.node_ids n ON n.ref = a.digest
         LEFT JOIN idx.node_ids r ON r.id = n.artifact
        WHERE r.ref IS DISTINCT FROM a.artifact`,
    );
    assert.deepEqual(artifactsAgree, [], 'idx.node_ids.artifact is the number of idx.artifacts.artifact');
    const purls = await rows<{ n: number }>(
      h,
      `SELECT count(*)::int AS n FROM (
         SELECT DISTINCT package_version, digest FROM idx.artifact_purls
         EXCEPT SELECT p.ref, d.ref FROM idx.node_purls x JOIN idx.node_ids p ON p.id = x.package
           JOIN idx.node_ids d ON d.id = x.digest) m`,
    );
    assert.equal(purls[0]?.n, 0, 'every artifact purl is in idx.node_purls');
  });

  it('dependencies (lineage upstream): materials and components, package leaves, cycles end', async () => {
    const r = await rows<{ artifact: string | null; package_version: string | null; depth: number }>(
      h,
      'SELECT artifact, package_version, depth FROM idx.dependencies($1::text[], $2) ORDER BY depth, artifact',
      [[a('C')], 10],
    );
    assert.deepEqual(
      r.map((x) => [x.artifact ?? x.package_version, x.depth]),
      [[a('C'), 0], ...[a('A'), a('D')].sort().map((x) => [x, 1]), [`sha256:${L}`, 2]],
    );
    const f = await rows<{ artifact: string | null; package_version: string | null; depth: number }>(
      h,
      'SELECT artifact, package_version, depth FROM idx.dependencies($1::text[], $2) ORDER BY depth',
      [[a('F')], 10],
    );
    assert.deepEqual(
      f.map((x) => [x.artifact ?? x.package_version, x.depth]),
      [
        [a('F'), 0],
        [a('E'), 1],
        [LOG4J, 2],
      ],
    );
  });
});
