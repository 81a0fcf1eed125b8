import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  NPM_PUBLISH_V01,
  SLSA_PROVENANCE_V02,
  SLSA_PROVENANCE_V1,
  SLSA_VSA_V02,
  SLSA_VSA_V1,
  canonicalPurl,
  decodeDsseEnvelope,
  factsFromStatement,
  parseStatement,
  parseStatementPayload,
  type Facts,
} from '../../../libs/formats/index.js';
import {
  assertFails,
  envelopesIn,
  factsOf,
  listFixtures,
  manifestEntry,
  readJsonFixture,
  statementOf,
} from './helpers.js';

function factsOfFixture(path: string): Facts {
  return factsFromStatement(parseStatement(readJsonFixture(path)));
}

/** The statement inside a fixture bundle or envelope, for the decoded-statement fixtures derived from it. */
function statementInBundle(path: string, predicateType: string): unknown {
  for (const raw of envelopesIn(path)) {
    const env = decodeDsseEnvelope(raw);
    const s = parseStatementPayload(env.payload, env.payloadType);
    if (s.predicateType === predicateType) return s;
  }
  assert.fail(`no ${predicateType} statement in ${path}`);
}

/** `sha256:<hex>` from the first 8 hex digits SOURCES.md / manifest.json give ("f06fbf5c…"). */
function keyStartingWith(facts: Facts, alg: string, about: string): string {
  const m = new RegExp(`${alg} ([0-9a-f]{8})`).exec(about);
  assert.ok(m, `no ${alg} prefix in: ${about}`);
  const key = facts.artifacts.flatMap((a) => a.keys).find((k) => k.startsWith(`${alg}:${m[1]}`));
  assert.ok(key, `no artifact ${alg}:${m[1]}…`);
  return key;
}

describe('SLSA provenance v1', () => {
  it('npm sigstore@2.3.1: builder, build type, GitHub workflow source and invocation', () => {
    const path = 'provenance/npm-sigstore-2.3.1.provenance.statement.json';
    const entry = manifestEntry(path);
    const bundle = manifestEntry('bundles/npm/provenance-npm-test-cli-v1-prega.tgz.json');
    assert.equal(entry.expect, 'valid');
    assert.deepEqual(readJsonFixture(path), statementInBundle(bundle.path, SLSA_PROVENANCE_V1));
    const facts = factsOfFixture(path);
    assert.equal(facts.kind, 'slsa-provenance');
    const p = facts.provenance;
    assert.ok(p);
    assert.equal(p.slsaVersion, '1');
    assert.equal(p.builderId, 'https://github.com/actions/runner/github-hosted');
    assert.equal(p.buildType, 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1');
    assert.equal(p.sourceRepository, 'https://github.com/sigstore/sigstore-js');
    assert.equal(p.sourceRef, 'refs/heads/main');
    assert.equal(p.sourceRevision, '46e7056ff9912ebfee5298d94024895a9fea76c0');
    assert.equal(p.entryPoint, '.github/workflows/release.yml');
    assert.equal(
      p.invocationId,
      'https://github.com/sigstore/sigstore-js/actions/runs/9116405766/attempts/1',
    );
    assert.deepEqual(p.externalParameters, {
      workflow: {
        ref: 'refs/heads/main',
        repository: 'https://github.com/sigstore/sigstore-js',
        path: '.github/workflows/release.yml',
      },
    });
    assert.deepEqual(
      p.materials.map((m) => ({ uri: m.uri, digest: m.digest })),
      [
        {
          uri: 'git+https://github.com/sigstore/sigstore-js@refs/heads/main',
          digest: { gitCommit: '46e7056ff9912ebfee5298d94024895a9fea76c0' },
        },
      ],
    );
    // The subject: sha512 only (npm), named by a purl.
    const key = keyStartingWith(facts, 'sha512', entry.about ?? '');
    assert.deepEqual(facts.artifacts.find((a) => a.keys.includes(key as never))?.purls, [
      canonicalPurl(bundle.subject as string),
    ]);
    assert.deepEqual(facts.packages, [
      { purl: 'pkg:npm/sigstore', version: '2.3.1', key: 'pkg:npm/sigstore@2.3.1' },
    ]);
    // A git commit is no artifact identity: the material is reported, no BUILT_FROM edge.
    assert.deepEqual(facts.edges, []);
  });

  it('publish-to-bcr MODULE.bazel: builder id is the signing workflow; source from resolvedDependencies', () => {
    const bundle = manifestEntry('bundles/slsa-verifier/MODULE.bazel.intoto.jsonl');
    const path = 'provenance/bcr-MODULE.bazel.slsa-v1.statement.json';
    assert.deepEqual(readJsonFixture(path), statementInBundle(bundle.path, SLSA_PROVENANCE_V1));
    const facts = factsOfFixture(path);
    assert.equal(facts.provenance?.builderId, bundle.certificateIdentity);
    assert.deepEqual(
      facts.artifacts.map((a) => a.keys),
      [[bundle.artifactDigest]],
    );
    assert.deepEqual(facts.artifacts[0]?.names, ['MODULE.bazel']);
    assert.equal(facts.provenance?.sourceRepository, 'https://github.com/aspect-build/rules_lint');
    assert.equal(facts.provenance?.sourceRef, 'refs/heads/publish-to-bcr');
    assert.equal(facts.provenance?.sourceRevision, '8f70009fde0c94ade6ce2a054b94718c819126ec');
    assert.equal(facts.provenance?.materials.length, 1);
  });

  it('sigstore-conformance happy path: subject a.txt and its builder', () => {
    const path = 'provenance/sigstore-conformance-happy-path-intoto-in-dsse-v3.statement.json';
    const facts = factsOfFixture(path);
    keyStartingWith(facts, 'sha256', 'sha256 a0cfc712'); // SOURCES.md: "subject a.txt sha256 a0cfc712…"
    assert.equal(
      facts.provenance?.builderId,
      'https://github.com/loosebazooka/aa-test/.github/workflows/provenance.yaml@refs/heads/main',
    );
    assert.equal(facts.provenance?.sourceRevision, 'ebff8dfbd609b7b22237c7719ce07f2dc7934f5f');
  });

  it('sigstore-conformance signing statement: SLSA v1 about a.txt', () => {
    const facts = factsOfFixture('dsse/statements/sigstore-conformance-statement.json');
    assert.equal(facts.provenance?.slsaVersion, '1');
    assert.deepEqual(facts.artifacts[0]?.names, ['a.txt']);
    keyStartingWith(facts, 'sha256', 'sha256 a0cfc712'); // SOURCES.md: the conformance artifact a.txt
    assert.equal(facts.provenance?.sourceRepository, 'https://github.com/loosebazooka/aa-test');
  });

  it('pre-release v1.0?draft (slsa-verifier delegator): source from externalParameters.source', () => {
    const [raw] = envelopesIn(
      manifestEntry('bundles/slsa-verifier/delegator-v0.1.intoto.sigstore.json').path,
    );
    const env = decodeDsseEnvelope(raw);
    const facts = factsFromStatement(parseStatementPayload(env.payload, env.payloadType));
    assert.equal(facts.provenance?.slsaVersion, '1');
    assert.equal(
      facts.provenance?.builderId,
      'https://github.com/asraa/slsa-on-github/.github/workflows/goreleaser_slsa3.yml@refs/heads/main',
    );
    assert.equal(facts.provenance?.sourceRepository, 'https://github.com/asraa/slsa-on-github-test');
    assert.equal(facts.provenance?.sourceRevision, '465171cc7f2097b8582fc61a281c4437563623ed');
    assert.deepEqual(facts.provenance?.materials, []);
  });

  it('links the subject to every material with an identity digest or a purl (BUILT_FROM)', () => {
    const dep = 'b'.repeat(64);
    const facts = factsOf(SLSA_PROVENANCE_V1, {
      buildDefinition: {
        buildType: 'https://example.com/bt',
        externalParameters: {},
        resolvedDependencies: [
          { uri: 'oci://registry/base', digest: { sha256: dep } },
          { uri: 'pkg:npm/left-pad@1.3.0', digest: { sha1: 'c'.repeat(40) } },
          { name: 'no-uri-at-all', digest: { sha512: 'd'.repeat(128) } },
          { uri: 'https://example.com/no-digest' },
        ],
      },
      runDetails: {
        builder: { id: 'https://example.com/builder' },
        metadata: { startedOn: '2024-01-01T00:00:00Z', finishedOn: '2024-01-01T00:01:00+01:00' },
      },
    });
    assert.equal(facts.provenance?.materials.length, 3);
    assert.deepEqual(
      facts.edges.map((e) => [e.from, e.to, e.relationship, e.source]),
      [
        [{ kind: 'subject' }, { kind: 'artifact', key: `sha256:${dep}` }, 'BUILT_FROM', 'provenance'],
        [{ kind: 'subject' }, { kind: 'package', key: 'pkg:npm/left-pad@1.3.0' }, 'BUILT_FROM', 'provenance'],
        [
          { kind: 'subject' },
          { kind: 'artifact', key: `sha512:${'d'.repeat(128)}` },
          'BUILT_FROM',
          'provenance',
        ],
      ],
    );
    assert.equal(facts.provenance?.startedOn, '2024-01-01T00:00:00Z');
    assert.deepEqual(facts.artifacts.find((a) => a.keys[0] === `sha256:${dep}`)?.roles, ['material']);
  });

  it('rejects a predicate missing required fields or with a bad timestamp, naming the field', () => {
    assertFails(
      () =>
        factsOf(SLSA_PROVENANCE_V1, {
          buildDefinition: { buildType: 'x', externalParameters: {} },
          runDetails: { builder: {} },
        }),
      'FORMAT_MALFORMED',
      /predicate\.runDetails\.builder\.id/,
    );
    assertFails(
      () =>
        factsOf(SLSA_PROVENANCE_V1, {
          buildDefinition: { buildType: 'x', externalParameters: {} },
          runDetails: { builder: { id: 'b' }, metadata: { startedOn: '2024-01-01' } },
        }),
      'FORMAT_MALFORMED',
      /predicate\.runDetails\.metadata\.startedOn: not an RFC 3339 date-time/,
    );
    assertFails(
      () =>
        factsOf(SLSA_PROVENANCE_V1, {
          buildDefinition: {
            buildType: 'x',
            externalParameters: {},
            resolvedDependencies: [{ digest: { sha256: 'short' } }],
          },
          runDetails: { builder: { id: 'b' } },
        }),
      'FORMAT_MALFORMED',
      /resolvedDependencies\[0\]\.digest\.sha256/,
    );
  });
});

describe('SLSA provenance v0.2 and v0.1', () => {
  it('slsa-github-generator generic v2.1.0: builder is the signing workflow; source from invocation.configSource', () => {
    const bundle = manifestEntry('bundles/slsa-verifier/gha_generic-v2.1.0-workflow_dispatch.intoto.jsonl');
    const path = 'provenance/slsa-github-generator-generic-v2.1.0.slsa-v0.2.statement.json';
    assert.deepEqual(readJsonFixture(path), statementInBundle(bundle.path, SLSA_PROVENANCE_V02));
    const facts = factsOfFixture(path);
    const p = facts.provenance;
    assert.equal(p?.slsaVersion, '0.2');
    assert.equal(p?.builderId, bundle.certificateIdentity);
    assert.equal(p?.buildType, 'https://github.com/slsa-framework/slsa-github-generator/generic@v1');
    keyStartingWith(facts, 'sha256', bundle.about ?? '');
    assert.equal(p?.sourceRepository, 'https://github.com/slsa-framework/example-package');
    assert.equal(p?.sourceRef, 'refs/heads/main');
    assert.equal(p?.sourceRevision, '4d329c75e7ec1725f7c9ce917a8799d408d06be3');
    assert.equal(p?.entryPoint, '.github/workflows/verifier-e2e.all.workflow_dispatch.main.all.slsa3.yml');
    assert.equal(p?.invocationId, '13531731005-1'); // written as buildInvocationID by the generator
    assert.deepEqual(
      p?.materials.map((m) => m.digest),
      [{ sha1: '4d329c75e7ec1725f7c9ce917a8799d408d06be3' }],
    );
  });

  it('slsa-github-generator Go builder: a material without a digest is not a material', () => {
    const path = 'provenance/slsa-github-generator-go-v0.0.2.slsa-v0.2.statement.json';
    const raw = readJsonFixture<{ predicate: { materials: { digest?: object }[] } }>(path);
    const facts = factsOfFixture(path);
    keyStartingWith(
      facts,
      'sha256',
      manifestEntry('dsse/slsa-github-generator-go/binary-linux-amd64-push-v13.0.30.intoto.jsonl').about ??
        '',
    );
    assert.equal(raw.predicate.materials.length, 2);
    assert.deepEqual(
      facts.provenance?.materials.map((m) => m.uri),
      ['git+https://github.com/slsa-framework/example-package@refs/tags/v13.0.30'],
    );
    assert.equal(
      facts.provenance?.builderId,
      'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_go_slsa3.yml@refs/heads/main',
    );
    assert.equal(facts.provenance?.sourceRef, 'refs/tags/v13.0.30');
    assert.equal(facts.provenance?.sourceRevision, '5759317b1ad4c65adbc3281fd9bdacc9203234bb');
    assert.deepEqual(facts.provenance?.externalParameters, {});
  });

  it('npm v0.2 provenance of @laurentsimon/provenance-npm-test: scoped purl subject', () => {
    const bundle = manifestEntry('bundles/npm/provenance-npm-test-cli-v02-prega.tgz.json');
    const path = 'provenance/npm-laurentsimon-provenance-npm-test-1.0.3.slsa-v0.2.statement.json';
    assert.deepEqual(readJsonFixture(path), statementInBundle(bundle.path, SLSA_PROVENANCE_V02));
    const facts = factsOfFixture(path);
    assert.deepEqual(facts.artifacts[0]?.purls, [canonicalPurl(bundle.subject as string)]);
    assert.deepEqual(facts.packages, [
      {
        purl: 'pkg:npm/%40laurentsimon/provenance-npm-test',
        version: '1.0.3',
        key: 'pkg:npm/%40laurentsimon/provenance-npm-test@1.0.3',
      },
    ]);
    assert.equal(facts.provenance?.builderId, 'https://github.com/actions/runner');
    assert.equal(facts.provenance?.sourceRepository, 'https://github.com/laurentsimon/provenance-npm-test');
    assert.equal(facts.provenance?.sourceRevision, 'b38894f2dda4355ea5606fccb166e61565e12a14');
    assert.equal(facts.provenance?.invocationId, '4757060009-1');
  });

  it('Google Cloud Build v0.1: recipe, git material, build times; two subjects with one digest are one artifact', () => {
    const doc = readJsonFixture<{
      image_summary: { digest: string };
      provenance_summary: { provenance: { envelope: unknown }[] };
    }>(manifestEntry('dsse/gcb/gcloud-container-global-pae-signing-key-successful.json').path);
    const env = decodeDsseEnvelope(doc.provenance_summary.provenance[0]?.envelope);
    const facts = factsFromStatement(parseStatementPayload(env.payload, env.payloadType));
    const p = facts.provenance;
    assert.equal(p?.slsaVersion, '0.1');
    assert.equal(p?.builderId, 'https://cloudbuild.googleapis.com/GoogleHostedWorker@v0.3');
    assert.equal(p?.buildType, 'https://cloudbuild.googleapis.com/CloudBuildYaml@v0.1');
    assert.equal(p?.entryPoint, 'cloudbuild.yaml');
    assert.equal(p?.sourceRepository, 'https://github.com/khalkie/gcb-repo-staging');
    assert.equal(p?.sourceRevision, '75c21a6224914056801d5be2316d89de3ff24811');
    assert.equal(p?.invocationId, '964a2eba-62f0-4a53-87d3-4e6dddcc70b3');
    assert.equal(p?.startedOn, '2023-02-28T15:23:26.521812356Z');
    assert.equal(p?.finishedOn, '2023-02-28T15:23:37.764882Z');
    assert.equal(facts.statement.subjects.length, 2);
    assert.equal(facts.artifacts.length, 1);
    assert.deepEqual(facts.artifacts[0]?.keys, [doc.image_summary.digest]);
    assert.equal(facts.artifacts[0]?.names.length, 2);
  });

  it('rejects a v0.2 predicate without builder.id and keeps an unknown provenance version as unsupported', () => {
    assertFails(
      () => factsOf(SLSA_PROVENANCE_V02, { buildType: 'x', builder: {} }),
      'FORMAT_MALFORMED',
      /SLSA provenance v0\.2: predicate\.builder\.id/,
    );
    const facts = factsOf('https://slsa.dev/provenance/v0.3', { anything: true });
    assert.equal(facts.kind, 'slsa-provenance');
    assert.equal(facts.provenance, undefined);
    assert.match(facts.unsupported ?? '', /supported: v0\.1, v0\.2, v1/);
    assert.equal(facts.artifacts.length, 1);
  });
});

describe('SLSA verification summaries (VSA)', () => {
  it('Google BCID VSA v1: verifier, result, levels, policy, resource; the custom digest stays on the subject', () => {
    const path = 'provenance/google-bcid-vsa.verification_summary-v1.statement.json';
    const facts = factsOfFixture(path);
    assert.equal(facts.kind, 'slsa-vsa');
    assert.deepEqual(facts.verification, {
      vsaVersion: '1',
      verifierId: 'https://bcid.corp.google.com/verifier/bcid_package_enforcer/v0.1',
      timeVerified: '2024-06-12T07:24:34.351608Z',
      result: 'PASSED',
      resourceUri: 'gce_image://gke-node-images:gke-12615-gke1418000-cos-101-17162-463-29-c-cgpv1-pre',
      policy: {
        uri: 'googlefile:/google_src/files/642513192/depot/google3/production/security/bcid/software/gce_image/gke/vm_images.sw_policy.textproto',
      },
      levels: ['BCID_L1', 'SLSA_BUILD_LEVEL_2'],
      inputAttestations: [],
    });
    // manifest.json: subject digest {gce_image_id: 8970095005306000053}: kept, but not an identity.
    assert.deepEqual(facts.statement.subjects[0]?.digest, { gce_image_id: '8970095005306000053' });
    assert.deepEqual(facts.artifacts, []);
  });

  it('VSA v0.2: policyLevel becomes the level; a bad result is refused', () => {
    const predicate = {
      verifier: { id: 'https://example.com/v' },
      timeVerified: '2023-01-01T00:00:00Z',
      resourceUri: 'pkg:npm/x@1',
      policy: { uri: 'https://example.com/policy', digest: { sha256: 'e'.repeat(64) } },
      inputAttestations: [{ uri: 'https://example.com/att', digest: { sha256: 'f'.repeat(64) } }],
      verificationResult: 'FAILED',
      policyLevel: 'SLSA_LEVEL_3',
      dependencyLevels: { SLSA_LEVEL_3: 2 },
    };
    const v = factsOf(SLSA_VSA_V02, predicate).verification;
    assert.equal(v?.result, 'FAILED');
    assert.deepEqual(v?.levels, ['SLSA_LEVEL_3']);
    assert.deepEqual(v?.dependencyLevels, { SLSA_LEVEL_3: 2 });
    assert.deepEqual(
      v?.inputAttestations.map((a) => a.keys),
      [[`sha256:${'f'.repeat(64)}`]],
    );
    assertFails(
      () => factsOf(SLSA_VSA_V1, { ...predicate, verifiedLevels: [], verificationResult: 'OK' }),
      'FORMAT_MALFORMED',
      /predicate\.verificationResult/,
    );
  });
});

describe('npm publish attestations', () => {
  it('sigstore@2.3.1: registry, name, version; sha512-only subject is the same artifact as in its provenance', () => {
    const path = 'provenance/npm-sigstore-2.3.1.publish.statement.json';
    assert.equal(manifestEntry(path).expect, 'valid');
    assert.deepEqual(
      readJsonFixture(path),
      statementInBundle('bundles/npm/provenance-npm-test-cli-v1-prega.tgz.json', NPM_PUBLISH_V01),
    );
    const facts = factsOfFixture(path);
    assert.equal(facts.kind, 'npm-publish');
    assert.deepEqual(facts.publication, {
      registry: 'https://registry.npmjs.org',
      name: 'sigstore',
      version: '2.3.1',
      purl: 'pkg:npm/sigstore@2.3.1',
    });
    const provenance = factsOfFixture('provenance/npm-sigstore-2.3.1.provenance.statement.json');
    assert.deepEqual(facts.artifacts[0]?.keys, provenance.artifacts[0]?.keys);
    assert.match(facts.artifacts[0]?.keys[0] ?? '', /^sha512:f06fbf5c/);
  });

  it('sigstore-js test statement: carried by every sigstore-js bundle; subject pkg:npm/sigstore@1.0.0', () => {
    const path = 'dsse/statements/sigstore-js-statement.json';
    const about = manifestEntry(path).about ?? '';
    for (const n of listFixtures('bundles/sigstore-js')) {
      assert.deepEqual(statementInBundle(`bundles/sigstore-js/${n}`, NPM_PUBLISH_V01), readJsonFixture(path));
    }
    const facts = factsOfFixture(path);
    const purl = /subject (pkg:npm\/\S+?)\.?$/.exec(about)?.[1];
    assert.equal(purl, 'pkg:npm/sigstore@1.0.0');
    assert.deepEqual(facts.publication, {
      registry: 'https://registry.npmjs.org',
      name: 'sigstore',
      version: '1.0.0',
      purl,
    });
    assert.deepEqual(facts.artifacts[0]?.purls, [purl]);
    // manifest.json bundles: "subject pkg:npm/sigstore@1.0.0 sha512 7bea9f6e…"
    keyStartingWith(
      facts,
      'sha512',
      manifestEntry('bundles/sigstore-js/bundleV03-dsse.sigstore.json').about ?? '',
    );
  });

  it('gives the purl of a scoped package to a subject not named by a purl', () => {
    const subject = [{ name: 'package.tgz', digest: { sha512: '1'.repeat(128) } }];
    const facts = factsFromStatement(
      statementOf(
        NPM_PUBLISH_V01,
        { name: '@scope/pkg', version: '1.0.0', registry: 'https://registry.npmjs.org' },
        subject,
      ),
    );
    assert.deepEqual(facts.artifacts[0]?.purls, ['pkg:npm/%40scope/pkg@1.0.0']);
    assert.deepEqual(facts.packages, [
      { purl: 'pkg:npm/%40scope/pkg', version: '1.0.0', key: 'pkg:npm/%40scope/pkg@1.0.0' },
    ]);
    assertFails(
      () => factsOf(NPM_PUBLISH_V01, { name: 'x', registry: 'r' }),
      'FORMAT_MALFORMED',
      /predicate\.version/,
    );
  });
});
