import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { CYCLONEDX_PREDICATE_TYPE, SLSA_PROVENANCE_V1, canonicalPurl } from '../../../libs/formats/index.js';
import { signerIdentityOfVerifier } from '../../../libs/verify/index.js';
import {
  batchRows,
  projectEntries,
  projectEntry,
  signerRow,
  type EntryProjection,
} from '../../../services/indexer/project.js';
import { makeSigner } from '../../support/signing.js';
import {
  SUBJECT_SHA256,
  bundleCertificate,
  dsseEntry,
  fixtureJson,
  hashedRekordEntry,
  keyMaterial,
  statementAbout,
  statementEntry,
} from './helpers.js';

const sha256Hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Rows as sorted JSON lines per table: equal sets whatever the order they were produced in. */
function canonical(p: EntryProjection[]): Record<string, string[]> {
  const rows = batchRows(p) as unknown as Record<string, unknown[]>;
  return Object.fromEntries(
    Object.entries(rows).map(([table, list]) => [
      table,
      list
        .map((r) =>
          JSON.stringify(r, (_k, v: unknown) =>
            v !== null && typeof v === 'object' && (v as { type?: string }).type === 'Buffer'
              ? Buffer.from((v as { data: number[] }).data).toString('hex')
              : v,
          ),
        )
        .sort(),
    ]),
  );
}

describe('indexer core: hashedrekord', () => {
  it('indexes the signed digest as an artifact and the key as a signer with its key id', () => {
    const signer = makeSigner('ecdsa-p256');
    const e = hashedRekordEntry(7, keyMaterial(signer), Buffer.from('hello'), 1_700_000_123);
    const p = projectEntry(e);
    assert.equal(p.unparsed, undefined);
    const spki = signer.publicKey.export({ type: 'spki', format: 'der' });
    const keyId = `sha256:${sha256Hex(spki)}`;
    const digest = `sha256:${sha256Hex('hello')}`;
    assert.deepEqual(p.rows.artifacts, [{ digest }]);
    assert.equal(p.rows.signers.length, 1);
    assert.equal(p.rows.signers[0]?.kind, 'key');
    assert.equal(p.rows.signers[0]?.keyId, keyId);
    assert.equal(p.rows.signers[0]?.signerId, keyId, 'a key signer is named by its key id');
    assert.equal(p.rows.signers[0]?.keyAlgorithm, 'ecdsa-p256');
    assert.deepEqual(p.rows.signatures, [
      {
        logIndex: 7,
        signerId: keyId,
        digest,
        integratedTime: 1_700_000_123,
        kind: 'key',
        keyId,
        identity: null,
        issuer: null,
        ciRepository: null,
        ciWorkflow: null,
      },
    ]);
    assert.deepEqual(
      p.rows.entries.map((r) => [r.logIndex, r.kind, r.outcome]),
      [[7, 'hashedrekord', 'indexed']],
    );
    assert.equal(p.rows.statements.length, 0);
  });
});

describe('indexer core: a real Fulcio-signed SLSA provenance (npm sigstore@2.3.1)', () => {
  const BUNDLE = 'bundles/npm/extracted/sigstore-2.3.1.provenance.sigstore.json';
  const bundle = fixtureJson<{
    dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string; keyid?: string }[] };
  }>(BUNDLE);
  const cert = bundleCertificate(BUNDLE);
  const p = projectEntry(
    dsseEntry(42, bundle.dsseEnvelope, [cert.material], { integratedTime: 1_715_879_523 }),
  );

  it('describes the certificate signer: SAN, issuer and normalized GitHub CI claims', () => {
    assert.equal(p.unparsed, undefined);
    const [s] = p.rows.signers;
    assert.ok(s);
    assert.equal(s.kind, 'certificate');
    assert.equal(
      s.identity,
      'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main',
    );
    assert.equal(s.sanType, 'uri');
    assert.equal(s.issuer, 'https://token.actions.githubusercontent.com');
    assert.equal(s.ciRepository, 'https://github.com/sigstore/sigstore-js');
    assert.equal(
      s.ciWorkflow,
      'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main',
    );
    assert.equal(s.ciRef, 'refs/heads/main');
    assert.equal(s.ciRevision, '46e7056ff9912ebfee5298d94024895a9fea76c0');
    assert.equal(s.ciTrigger, 'push');
    assert.equal(s.ciRunnerEnvironment, 'github-hosted');
    assert.equal(
      s.ciRunInvocation,
      'https://github.com/sigstore/sigstore-js/actions/runs/9116405766/attempts/1',
    );
    assert.equal(s.claims['sourceRepositoryOwnerUri'], 'https://github.com/sigstore');
    // The signer id is the certificate's fingerprint; the key id is its public key's.
    assert.equal(
      s.signerId,
      `sha256:${sha256Hex(Buffer.from(cert.material.certificate?.root.toDER() ?? []))}`,
    );
    assert.equal(s.keyId, cert.material.key.keyId);
    assert.equal(s.notBefore?.toISOString(), '2024-05-16T17:12:02.000Z');
    assert.deepEqual(
      p.rows.signatures.map((x) => [x.logIndex, x.signerId, x.digest, x.identity, x.ciRepository]),
      [[42, s.signerId, null, s.identity, s.ciRepository]],
    );
  });

  it('indexes the statement, its sha512-only subject, its purl and the provenance', () => {
    const [st] = p.rows.statements;
    assert.equal(st?.predicateType, SLSA_PROVENANCE_V1);
    assert.equal(st?.predicateKind, 'slsa-provenance');
    assert.equal(st?.integratedTime, 1_715_879_523);
    assert.equal(p.rows.subjects.length, 1);
    const subject = p.rows.subjects[0]?.digest ?? '';
    assert.match(subject, /^sha512:f06fbf5c[0-9a-f]{120}$/);
    assert.deepEqual(p.rows.artifacts, [{ digest: subject }]);
    assert.deepEqual(
      p.rows.purls.map((r) => [r.digest, r.purl, r.packageVersion]),
      [[subject, 'pkg:npm/sigstore@2.3.1', 'pkg:npm/sigstore@2.3.1']],
    );
    assert.deepEqual(p.rows.packages, [{ purl: 'pkg:npm/sigstore', type: 'npm' }]);
    assert.deepEqual(p.rows.packageVersions, [
      { key: 'pkg:npm/sigstore@2.3.1', package: 'pkg:npm/sigstore', version: '2.3.1' },
    ]);
    const [prov] = p.rows.provenance;
    assert.equal(prov?.builderId, 'https://github.com/actions/runner/github-hosted');
    assert.equal(prov?.sourceRepository, 'https://github.com/sigstore/sigstore-js');
    assert.equal(prov?.sourceRevision, '46e7056ff9912ebfee5298d94024895a9fea76c0');
    assert.deepEqual(
      p.rows.materials.map((m) => [m.ordinal, m.uri, m.digest, m.digests]),
      [
        [
          0,
          'git+https://github.com/sigstore/sigstore-js@refs/heads/main',
          null,
          { gitCommit: '46e7056ff9912ebfee5298d94024895a9fea76c0' },
        ],
      ],
    );
    assert.deepEqual(p.rows.edges, [], 'a git commit identifies no artifact: no BUILT_FROM edge');
  });
});

describe('indexer core: SBOMs', () => {
  it('CycloneDX cern-lhc-vdm-editor: every component, the root purl on the subject, INCLUDES edges', () => {
    const bom = fixtureJson<{ components: { purl?: string }[] }>(
      'sbom-cyclonedx/bom-examples/cern-lhc-vdm-editor.cdx.json',
    );
    const p = projectEntry(statementEntry(3, statementAbout(CYCLONEDX_PREDICATE_TYPE, bom)));
    assert.equal(p.unparsed, undefined);
    assert.deepEqual(
      p.rows.sboms.map((s) => [s.format, s.specVersion, s.componentCount]),
      [['cyclonedx', '1.2', 43]],
    );
    assert.equal(p.rows.components.filter((c) => !c.isRoot).length, 43);
    assert.equal(p.rows.components.filter((c) => c.isRoot).length, 1);
    const subject = `sha256:${SUBJECT_SHA256}`;
    assert.ok(p.rows.purls.some((r) => r.digest === subject && r.purl === 'pkg:npm/lhc-vdm-editor@0.0.1'));
    const expected = new Set(bom.components.flatMap((c) => (c.purl ? [canonicalPurl(c.purl)] : [])));
    assert.deepEqual(new Set(p.rows.components.filter((c) => !c.isRoot).map((c) => c.purl)), expected);
    // Every non-root component hangs under the subject, by digest when it has an identity digest.
    const includes = p.rows.edges.filter((e) => e.relationship === 'INCLUDES');
    assert.equal(includes.length, 43);
    assert.ok(includes.every((e) => e.fromKind === 'subject' && e.fromRef === null));
    for (const c of p.rows.components.filter((x) => !x.isRoot)) {
      const edge = includes.find((e) => (c.digest ? e.toRef === c.digest : e.toRef === c.packageVersion));
      assert.ok(edge, `an INCLUDES edge to ${c.ref}`);
      assert.equal(edge.toKind, c.digest ? 'artifact' : 'package');
    }
    assert.deepEqual(
      p.rows.edges.map((e) => e.ordinal),
      p.rows.edges.map((_, i) => i),
      'ordinals are the positions libs/formats emits',
    );
  });

  it('a component with SHA-256 and SHA-512 states both digests of one artifact (aliases both ways)', () => {
    const a = 'ab'.repeat(32);
    const b = 'cd'.repeat(64);
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      version: 1,
      components: [
        {
          type: 'library',
          name: 'x',
          'bom-ref': 'x',
          hashes: [
            { alg: 'SHA-256', content: a },
            { alg: 'SHA-512', content: b },
          ],
        },
      ],
    };
    const p = projectEntry(statementEntry(5, statementAbout(CYCLONEDX_PREDICATE_TYPE, bom)));
    assert.deepEqual(p.rows.aliases.map((r) => [r.digest, r.alias, r.logIndex]).sort(), [
      [`sha256:${a}`, `sha512:${b}`, 5],
      [`sha512:${b}`, `sha256:${a}`, 5],
    ]);
    assert.equal(p.rows.components.find((c) => c.ref === 'x')?.digest, `sha256:${a}`);
  });
});

describe('indexer core: entries it cannot read are unparsed statements, never errors', () => {
  const signer = makeSigner('ecdsa-p256');

  it('a payload that is not an in-toto statement: stage statement, signatures kept', () => {
    const p = projectEntry(statementEntry(9, { hello: 'world' }, { signer, payloadType: 'text/plain' }));
    assert.equal(p.unparsed?.stage, 'statement');
    assert.equal(p.unparsed?.reasonCode, 'FORMAT_UNSUPPORTED');
    assert.deepEqual(
      p.rows.unparsed.map((u) => [u.logIndex, u.stage, u.reasonCode, u.payloadType]),
      [[9, 'statement', 'FORMAT_UNSUPPORTED', 'text/plain']],
    );
    assert.equal(p.rows.signatures.length, 1, 'the log verified the signature: it is indexed');
    assert.equal(p.rows.entries[0]?.outcome, 'unparsed');
    assert.equal(p.rows.statements.length, 0);
  });

  it('a malformed SBOM predicate: stage predicate, naming the field; the statement and its subject are kept', () => {
    const bad = { bomFormat: 'CycloneDX', specVersion: '1.5', version: 1, components: [{ name: 'no type' }] };
    const p = projectEntry(statementEntry(10, statementAbout(CYCLONEDX_PREDICATE_TYPE, bad), { signer }));
    assert.equal(p.unparsed?.stage, 'predicate');
    assert.equal(p.unparsed?.reasonCode, 'FORMAT_MALFORMED');
    assert.match(p.unparsed?.reason ?? '', /components\[0\]\.type/);
    assert.equal(p.rows.unparsed[0]?.predicateType, CYCLONEDX_PREDICATE_TYPE);
    assert.deepEqual(
      p.rows.statements.map((s) => [s.predicateType, s.predicateKind]),
      [[CYCLONEDX_PREDICATE_TYPE, 'cyclonedx']],
    );
    assert.deepEqual(p.rows.subjects, [{ logIndex: 10, digest: `sha256:${SUBJECT_SHA256}` }]);
    assert.equal(p.rows.components.length, 0);
    assert.equal(p.rows.signatures.length, 1);
  });

  it('an attestation that is missing or not the committed envelope: stage attestation', () => {
    const st = statementAbout('https://example.com/p', {});
    const missing = projectEntry(statementEntry(11, st, { signer, attestation: null }));
    assert.deepEqual([missing.unparsed?.stage, missing.unparsed?.reasonCode], ['attestation', 'NOT_FOUND']);
    const other = projectEntry(statementEntry(12, st, { signer, attestation: Buffer.from('{"other":1}') }));
    assert.deepEqual([other.unparsed?.stage, other.unparsed?.reasonCode], ['attestation', 'DIGEST_MISMATCH']);
    assert.equal(other.rows.signatures.length, 1);
  });

  it('an envelope whose payload is not the committed one: stage envelope', () => {
    const e = statementEntry(13, statementAbout('https://example.com/p', {}), { signer });
    const env = JSON.parse(e.attestation?.toString() ?? '{}') as { payload: string };
    env.payload = Buffer.from('{"something":"else"}').toString('base64');
    const forged = Buffer.from(JSON.stringify(env));
    // The attestation hash matches (the log stored these bytes) but the payload hash does not.
    const body = JSON.parse(e.body.toString()) as { spec: { envelopeHash: { value: string } } };
    body.spec.envelopeHash.value = sha256Hex(forged);
    const p = projectEntry({
      ...e,
      body: Buffer.from(JSON.stringify(body)),
      attestation: forged,
      attestationHash: createHash('sha256').update(forged).digest(),
    });
    assert.deepEqual([p.unparsed?.stage, p.unparsed?.reasonCode], ['envelope', 'DIGEST_MISMATCH']);
  });

  it('a body that is not a Rekor entry: stage entry, nothing else stated', () => {
    const e = hashedRekordEntry(14, keyMaterial(signer), Buffer.from('x'));
    const p = projectEntry({ ...e, body: Buffer.from('{"kind":"hashedrekord"}') });
    assert.equal(p.unparsed?.stage, 'entry');
    assert.equal(p.unparsed?.reasonCode, 'INPUT_MALFORMED');
    assert.deepEqual(p.rows.signatures, []);
    assert.deepEqual(
      p.rows.entries.map((r) => r.outcome),
      ['unparsed'],
    );
  });
});

describe('indexer core: idempotent and order-independent', () => {
  const signer = makeSigner('ed25519');
  const entries = [
    hashedRekordEntry(1, keyMaterial(makeSigner('ecdsa-p256')), Buffer.from('one')),
    statementEntry(
      2,
      statementAbout(
        CYCLONEDX_PREDICATE_TYPE,
        fixtureJson('sbom-cyclonedx/bom-examples/cern-lhc-vdm-editor.cdx.json'),
      ),
      { signer },
    ),
    statementEntry(3, statementAbout('https://example.com/p', { x: 1 }), {
      signer,
      payloadType: 'text/plain',
    }),
  ];

  it('projects the same rows every time', () => {
    assert.deepEqual(canonical(projectEntries(entries)), canonical(projectEntries(entries)));
  });

  it('states the same set of rows whatever the order of the entries', () => {
    assert.deepEqual(canonical(projectEntries(entries)), canonical(projectEntries([...entries].reverse())));
  });

  it('projects an entry delivered twice in one batch once', () => {
    const first = entries[0];
    assert.ok(first);
    const twice = projectEntries([first, ...entries]);
    assert.equal(twice.length, 3);
    assert.deepEqual(canonical(twice), canonical(projectEntries(entries)));
  });
});

describe('indexer core: signer normalization', () => {
  it('a pre-2023 GitHub certificate (only the deprecated extensions) gets the same repository spelling', () => {
    const row = signerRow({
      kind: 'certificate',
      fingerprint: 'sha256:00',
      keyId: 'sha256:11',
      subjectAlternativeName: 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1',
      sanType: 'uri',
      issuer: 'https://token.actions.githubusercontent.com',
      extensions: {
        githubWorkflowRepository: 'acme/app',
        githubWorkflowRef: 'refs/tags/v1',
        githubWorkflowSha: 'abc',
        githubWorkflowTrigger: 'push',
      },
    });
    assert.equal(row.ciRepository, 'https://github.com/acme/app');
    assert.equal(row.ciWorkflow, 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1');
    assert.deepEqual([row.ciRef, row.ciRevision, row.ciTrigger], ['refs/tags/v1', 'abc', 'push']);
  });

  it("a reusable workflow of another repository is not taken for the caller's workflow", () => {
    const row = signerRow({
      kind: 'certificate',
      fingerprint: 'sha256:00',
      keyId: 'sha256:11',
      subjectAlternativeName:
        'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v1.9.0',
      sanType: 'uri',
      extensions: { githubWorkflowRepository: 'acme/app' },
    });
    assert.equal(row.ciRepository, 'https://github.com/acme/app');
    assert.equal(row.ciWorkflow, null);
  });

  it('an email identity from a real sigstore-js bundle: no CI claims', () => {
    const cert = bundleCertificate('bundles/sigstore-js/bundleV03-dsse.sigstore.json');
    const row = signerRow(signerIdentityOfVerifier(cert.pem));
    assert.equal(row.identity, 'brian@dehamer.com');
    assert.equal(row.sanType, 'email');
    assert.equal(row.issuer, 'https://github.com/login/oauth');
    assert.equal(row.ciRepository, null);
    assert.deepEqual(row.claims, {});
  });
});
