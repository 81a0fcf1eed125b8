/**
 * The documents the demo signs, built from an item's plan: in-toto Statement v1 with SLSA
 * provenance v1 (slsa.dev/spec/v1.0/provenance), SLSA VSA v1 (slsa.dev/spec/v1.0/verification_summary),
 * CycloneDX 1.5 and SPDX 2.3 predicates (in-toto attestation predicates cyclonedx.md, spdx.md).
 */
import { derive } from './prng.js';
import type { Artifact, Component, Material, ProvenancePlan, SbomPlan, VsaPlan } from './model.js';

export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const SLSA_VSA_V1 = 'https://slsa.dev/verification_summary/v1';
export const CYCLONEDX_BOM = 'https://cyclonedx.org/bom';
export const SPDX_DOCUMENT = 'https://spdx.dev/Document';

const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');

function digestSet(a: Artifact): Record<string, string> {
  return a.digest.sha256 !== undefined ? { sha256: a.digest.sha256 } : { sha512: a.digest.sha512! };
}

function subjectOf(a: Artifact) {
  return [{ name: a.name, digest: digestSet(a) }];
}

function materialDescriptor(m: Material) {
  if (m.type === 'artifact') return { uri: m.artifact.purl, digest: digestSet(m.artifact) };
  return { uri: m.pkg.purl, digest: { sha256: m.pkg.sha256 } };
}

export function provenanceStatement(p: ProvenancePlan) {
  const finished = new Date(p.time.getTime() - 1000);
  const started = new Date(finished.getTime() - 60_000 - (p.runId % 600) * 1000);
  const [owner, repo] = p.repository.replace('https://github.com/', '').split('/');
  return {
    _type: STATEMENT_V1,
    subject: subjectOf(p.subject),
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: p.buildType,
        externalParameters: {
          workflow: { ref: 'refs/heads/main', repository: p.repository, path: p.workflowPath },
        },
        internalParameters: {
          github: { event_name: 'push', repository_owner: owner, repository_name: repo },
        },
        resolvedDependencies: [
          { uri: `git+${p.repository}@refs/heads/main`, digest: { gitCommit: p.commit } },
          ...p.materials.map(materialDescriptor),
        ],
      },
      runDetails: {
        builder: { id: p.builderId },
        metadata: {
          invocationId: `${p.repository}/actions/runs/${p.runId}/attempts/1`,
          startedOn: iso(started),
          finishedOn: iso(finished),
        },
      },
    },
  };
}

export function vsaStatement(p: VsaPlan, seed: string) {
  return {
    _type: STATEMENT_V1,
    subject: subjectOf(p.subject),
    predicateType: SLSA_VSA_V1,
    predicate: {
      verifier: { id: 'https://github.com/slsa-framework/slsa-verifier/v2' },
      timeVerified: iso(p.time),
      resourceUri: p.subject.purl,
      policy: { uri: 'https://demo.attestry.invalid/policies/slsa-build.json' },
      inputAttestations: [
        {
          uri: `https://demo.attestry.invalid/attestations/${p.subject.index}.intoto.jsonl`,
          digest: { sha256: derive(seed, 'vsa-input', p.subject.index).toString('hex') },
        },
      ],
      verificationResult: p.passed ? 'PASSED' : 'FAILED',
      verifiedLevels: p.passed ? [p.level] : [],
      slsaVersion: '1.0',
    },
  };
}

/** An RFC 4122 version-4-shaped UUID from the seed (CycloneDX serialNumber). */
function uuidOf(seed: string, index: number): string {
  const b = derive(seed, 'uuid', index).subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function componentInfo(c: Component) {
  const t = c.target;
  if (t.type === 'artifact') {
    const a = t.artifact;
    return {
      name: a.project,
      version: a.version,
      purl: a.purl,
      sha256: a.digest.sha256,
      sha512: a.digest.sha512,
    };
  }
  return {
    name: t.pkg.name,
    version: t.pkg.version,
    purl: t.pkg.purl,
    sha256: t.pkg.sha256,
    sha512: t.pkg.sha512,
  };
}

export function cycloneDxStatement(p: SbomPlan, seed: string) {
  const s = p.subject;
  return {
    _type: STATEMENT_V1,
    subject: subjectOf(s),
    predicateType: CYCLONEDX_BOM,
    predicate: {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      serialNumber: `urn:uuid:${uuidOf(seed, p.index)}`,
      version: 1,
      metadata: {
        timestamp: iso(p.time),
        tools: { components: [{ type: 'application', name: 'attestry-demo', version: '1' }] },
        component: { type: 'container', 'bom-ref': 'root', name: s.name, version: s.version, purl: s.purl },
      },
      components: p.components.map((c) => {
        const info = componentInfo(c);
        const hashes = [
          ...(info.sha256 !== undefined ? [{ alg: 'SHA-256', content: info.sha256 }] : []),
          ...(info.sha512 !== undefined ? [{ alg: 'SHA-512', content: info.sha512 }] : []),
        ];
        return {
          type: 'library',
          'bom-ref': c.ref,
          name: info.name,
          version: info.version,
          purl: info.purl,
          ...(c.byDigest ? { hashes } : {}),
          scope: 'required',
        };
      }),
      dependencies: [{ ref: 'root', dependsOn: p.components.filter((c) => c.direct).map((c) => c.ref) }],
    },
  };
}

export function spdxStatement(p: SbomPlan, seed: string) {
  const s = p.subject;
  const purlRef = (purl: string) => [
    { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl },
  ];
  return {
    _type: STATEMENT_V1,
    subject: subjectOf(s),
    predicateType: SPDX_DOCUMENT,
    predicate: {
      spdxVersion: 'SPDX-2.3',
      dataLicense: 'CC0-1.0',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: `${s.name}@${s.version}`,
      documentNamespace: `https://demo.attestry.invalid/spdx/${encodeURIComponent(seed)}/${p.index}`,
      creationInfo: { created: iso(p.time), creators: ['Tool: attestry-demo-1'] },
      packages: [
        {
          SPDXID: 'SPDXRef-root',
          name: s.name,
          versionInfo: s.version,
          downloadLocation: 'NOASSERTION',
          filesAnalyzed: false,
          externalRefs: purlRef(s.purl),
        },
        ...p.components.map((c) => {
          const info = componentInfo(c);
          const checksums = [
            ...(info.sha256 !== undefined ? [{ algorithm: 'SHA256', checksumValue: info.sha256 }] : []),
            ...(info.sha512 !== undefined ? [{ algorithm: 'SHA512', checksumValue: info.sha512 }] : []),
          ];
          return {
            SPDXID: `SPDXRef-${c.ref}`,
            name: info.name,
            versionInfo: info.version,
            downloadLocation: 'NOASSERTION',
            filesAnalyzed: false,
            ...(c.byDigest ? { checksums } : {}),
            externalRefs: purlRef(info.purl),
          };
        }),
      ],
      relationships: [
        {
          spdxElementId: 'SPDXRef-DOCUMENT',
          relationshipType: 'DESCRIBES',
          relatedSpdxElement: 'SPDXRef-root',
        },
        ...p.components
          .filter((c) => c.direct)
          .map((c) => ({
            spdxElementId: 'SPDXRef-root',
            relationshipType: 'DEPENDS_ON',
            relatedSpdxElement: `SPDXRef-${c.ref}`,
          })),
      ],
    },
  };
}
