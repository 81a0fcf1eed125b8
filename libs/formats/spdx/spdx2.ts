/**
 * SPDX 2.2 and 2.3 JSON documents (spdx-spec schemas/spdx-schema.json of each version, checked
 * here with zod: every object the schema closes with additionalProperties:false is strict, so a
 * 2.2 document using 2.3-only package fields is refused as the 2.2 schema refuses it).
 * Packages and files become components; relationships become edges; documentDescribes and
 * DESCRIBES / DESCRIBED_BY name the root, which is the statement's subject.
 */
import { z } from 'zod';
import { normalizeHashAlgorithm, normalizeHashValue } from '../digest.js';
import { malformed, parseWith, quote, unsupported } from '../problems.js';
import type { SbomComponent, SbomDocument, SbomRelation } from '../sbom-graph.js';

const CHECKSUM_ALGS_22 = [
  'SHA256',
  'SHA1',
  'SHA384',
  'MD2',
  'MD4',
  'SHA512',
  'MD6',
  'MD5',
  'SHA224',
] as const;
const CHECKSUM_ALGS_23 = [
  ...CHECKSUM_ALGS_22,
  'SHA3-256',
  'SHA3-384',
  'SHA3-512',
  'BLAKE2b-256',
  'BLAKE2b-384',
  'BLAKE2b-512',
  'BLAKE3',
  'ADLER32',
] as const;

const RELATIONSHIPS_22 = [
  'ANCESTOR_OF',
  'BUILD_DEPENDENCY_OF',
  'BUILD_TOOL_OF',
  'CONTAINED_BY',
  'CONTAINS',
  'COPY_OF',
  'DATA_FILE_OF',
  'DEPENDENCY_MANIFEST_OF',
  'DEPENDENCY_OF',
  'DEPENDS_ON',
  'DESCENDANT_OF',
  'DESCRIBED_BY',
  'DESCRIBES',
  'DEV_DEPENDENCY_OF',
  'DEV_TOOL_OF',
  'DISTRIBUTION_ARTIFACT',
  'DOCUMENTATION_OF',
  'DYNAMIC_LINK',
  'EXAMPLE_OF',
  'EXPANDED_FROM_ARCHIVE',
  'FILE_ADDED',
  'FILE_DELETED',
  'FILE_MODIFIED',
  'GENERATED_FROM',
  'GENERATES',
  'HAS_PREREQUISITE',
  'METAFILE_OF',
  'OPTIONAL_COMPONENT_OF',
  'OPTIONAL_DEPENDENCY_OF',
  'OTHER',
  'PACKAGE_OF',
  'PATCH_APPLIED',
  'PATCH_FOR',
  'PREREQUISITE_FOR',
  'PROVIDED_DEPENDENCY_OF',
  'RUNTIME_DEPENDENCY_OF',
  'STATIC_LINK',
  'TEST_CASE_OF',
  'TEST_DEPENDENCY_OF',
  'TEST_OF',
  'TEST_TOOL_OF',
  'VARIANT_OF',
] as const;
const RELATIONSHIPS_23 = [
  ...RELATIONSHIPS_22,
  'AMENDS',
  'REQUIREMENT_DESCRIPTION_FOR',
  'SPECIFICATION_FOR',
] as const;

const FILE_TYPES = [
  'OTHER',
  'DOCUMENTATION',
  'IMAGE',
  'VIDEO',
  'ARCHIVE',
  'SPDX',
  'APPLICATION',
  'SOURCE',
  'BINARY',
  'TEXT',
  'AUDIO',
] as const;
const PURPOSES = [
  'OTHER',
  'INSTALL',
  'ARCHIVE',
  'FIRMWARE',
  'APPLICATION',
  'FRAMEWORK',
  'LIBRARY',
  'CONTAINER',
  'SOURCE',
  'DEVICE',
  'OPERATING_SYSTEM',
  'FILE',
] as const;

const strings = z.array(z.string());

function schemasFor(v23: boolean) {
  const checksum = z.strictObject({
    algorithm: z.enum(v23 ? CHECKSUM_ALGS_23 : CHECKSUM_ALGS_22),
    checksumValue: z.string(),
  });
  const annotation = z.strictObject({
    annotationDate: z.string(),
    annotationType: z.enum(['OTHER', 'REVIEW']),
    annotator: z.string(),
    comment: z.string(),
  });
  const externalRef = z.strictObject({
    comment: z.string().optional(),
    referenceCategory: z.enum(
      v23
        ? ['OTHER', 'PERSISTENT-ID', 'PERSISTENT_ID', 'SECURITY', 'PACKAGE-MANAGER', 'PACKAGE_MANAGER']
        : ['OTHER', 'SECURITY', 'PACKAGE_MANAGER'],
    ),
    referenceLocator: z.string(),
    referenceType: z.string(),
  });
  // Required fields differ: 2.2 requires the license and copyright fields, 2.3 made them optional.
  const req22 = (s: z.ZodString) => (v23 ? s.optional() : s);
  const pkg = z.strictObject({
    SPDXID: z.string(),
    annotations: z.array(annotation).optional(),
    attributionTexts: strings.optional(),
    checksums: z.array(checksum).optional(),
    comment: z.string().optional(),
    copyrightText: req22(z.string()),
    description: z.string().optional(),
    downloadLocation: z.string(),
    externalRefs: z.array(externalRef).optional(),
    filesAnalyzed: z.boolean().optional(),
    hasFiles: strings.optional(),
    homepage: z.string().optional(),
    licenseComments: z.string().optional(),
    licenseConcluded: req22(z.string()),
    licenseDeclared: req22(z.string()),
    licenseInfoFromFiles: strings.optional(),
    name: z.string(),
    originator: z.string().optional(),
    packageFileName: z.string().optional(),
    packageVerificationCode: z
      .strictObject({
        packageVerificationCodeExcludedFiles: strings.optional(),
        packageVerificationCodeValue: z.string(),
      })
      .optional(),
    sourceInfo: z.string().optional(),
    summary: z.string().optional(),
    supplier: z.string().optional(),
    versionInfo: z.string().optional(),
    ...(v23
      ? {
          builtDate: z.string().optional(),
          primaryPackagePurpose: z.enum(PURPOSES).optional(),
          releaseDate: z.string().optional(),
          validUntilDate: z.string().optional(),
        }
      : {}),
  });
  const file = z.strictObject({
    SPDXID: z.string(),
    annotations: z.array(annotation).optional(),
    artifactOfs: z.array(z.record(z.string(), z.unknown())).optional(),
    attributionTexts: strings.optional(),
    // 2.3 requires checksums on files, 2.2 the license and copyright fields.
    checksums: v23 ? z.array(checksum).min(1) : z.array(checksum).min(1).optional(),
    comment: z.string().optional(),
    copyrightText: req22(z.string()),
    fileContributors: strings.optional(),
    fileDependencies: strings.optional(),
    fileName: z.string(),
    fileTypes: z.array(z.enum(FILE_TYPES)).optional(),
    licenseComments: z.string().optional(),
    licenseConcluded: req22(z.string()),
    licenseInfoInFiles: (v23 ? strings : strings.min(1)).optional(),
    noticeText: z.string().optional(),
  });
  const relationship = z.strictObject({
    spdxElementId: z.string(),
    comment: z.string().optional(),
    relatedSpdxElement: z.string(),
    relationshipType: z.enum(v23 ? RELATIONSHIPS_23 : RELATIONSHIPS_22),
  });
  const crossRef = z.strictObject({
    isLive: z.boolean().optional(),
    isValid: z.boolean().optional(),
    isWayBackLink: z.boolean().optional(),
    match: z.string().optional(),
    order: z.number().int().optional(),
    timestamp: z.string().optional(),
    url: z.string(),
  });
  return z.strictObject({
    ...(v23 ? { $schema: z.string().optional() } : {}),
    SPDXID: z.string(),
    annotations: z.array(annotation).optional(),
    comment: z.string().optional(),
    creationInfo: z.strictObject({
      comment: z.string().optional(),
      created: z.string(),
      creators: v23 ? strings.min(1) : strings.min(1).optional(),
      licenseListVersion: z.string().optional(),
    }),
    dataLicense: z.string(),
    externalDocumentRefs: z
      .array(z.strictObject({ checksum, externalDocumentId: z.string(), spdxDocument: z.string() }))
      .optional(),
    hasExtractedLicensingInfos: z
      .array(
        z.strictObject({
          comment: z.string().optional(),
          crossRefs: z.array(crossRef).optional(),
          extractedText: z.string(),
          licenseId: z.string(),
          name: z.string().optional(),
          seeAlsos: strings.optional(),
        }),
      )
      .optional(),
    name: z.string(),
    revieweds: z
      .array(
        z.strictObject({
          comment: z.string().optional(),
          reviewDate: z.string(),
          reviewer: z.string().optional(),
        }),
      )
      .optional(),
    spdxVersion: z.string(),
    documentNamespace: v23 ? z.string() : z.string().optional(),
    documentDescribes: strings.optional(),
    packages: z.array(pkg).optional(),
    files: z.array(file).optional(),
    // Snippets only point into files; we index nothing from them, so only their presence is checked.
    snippets: z.array(z.record(z.string(), z.unknown())).optional(),
    relationships: z.array(relationship).optional(),
  });
}

const SCHEMAS = { 'SPDX-2.2': schemasFor(false), 'SPDX-2.3': schemasFor(true) } as const;
type Spdx2 = z.infer<(typeof SCHEMAS)['SPDX-2.3']>;
type Checksum = { algorithm: string; checksumValue: string };

const DOCUMENT_ID = 'SPDXRef-DOCUMENT';

/**
 * SPDX relationship -> edge, oriented "from depends on / contains / was generated from to".
 * The `*_OF` / `CONTAINED_BY` / `GENERATES` forms are the inverses of those (SPDX 2.3 §11.1).
 */
const INVERSES: ReadonlyMap<string, { relationship: string; scope?: string }> = new Map(
  Object.entries({
    DEPENDENCY_OF: { relationship: 'DEPENDS_ON' },
    BUILD_DEPENDENCY_OF: { relationship: 'DEPENDS_ON', scope: 'build' },
    DEV_DEPENDENCY_OF: { relationship: 'DEPENDS_ON', scope: 'dev' },
    OPTIONAL_DEPENDENCY_OF: { relationship: 'DEPENDS_ON', scope: 'optional' },
    PROVIDED_DEPENDENCY_OF: { relationship: 'DEPENDS_ON', scope: 'provided' },
    RUNTIME_DEPENDENCY_OF: { relationship: 'DEPENDS_ON', scope: 'runtime' },
    TEST_DEPENDENCY_OF: { relationship: 'DEPENDS_ON', scope: 'test' },
    PREREQUISITE_FOR: { relationship: 'DEPENDS_ON', scope: 'prerequisite' },
    CONTAINED_BY: { relationship: 'CONTAINS' },
    GENERATES: { relationship: 'GENERATED_FROM' },
  }),
);
const FORWARD: ReadonlyMap<string, { relationship: string; scope?: string }> = new Map(
  Object.entries({
    HAS_PREREQUISITE: { relationship: 'DEPENDS_ON', scope: 'prerequisite' },
    // "A DYNAMIC_LINK B": A dynamically links to B, i.e. depends on it at run time.
    DYNAMIC_LINK: { relationship: 'DEPENDS_ON', scope: 'dynamic-link' },
    STATIC_LINK: { relationship: 'DEPENDS_ON', scope: 'static-link' },
  }),
);

const PURL_CATEGORIES = new Set(['PACKAGE-MANAGER', 'PACKAGE_MANAGER']);

function digestOf(
  what: string,
  path: string,
  checksums: readonly Checksum[] | undefined,
): Record<string, string> {
  const digest: Record<string, string> = {};
  (checksums ?? []).forEach((c, i) => {
    const alg = normalizeHashAlgorithm(c.algorithm);
    const r = normalizeHashValue(alg, c.checksumValue);
    if ('problem' in r) throw malformed(what, `${path}.checksums[${i}]: ${r.problem}`);
    if (digest[alg] !== undefined && digest[alg] !== r.value)
      throw malformed(what, `${path}.checksums: two different ${c.algorithm} values`);
    digest[alg] = r.value;
  });
  return digest;
}

/** Supported spdxVersion values; other well-formed `SPDX-M.N` are FORMAT_UNSUPPORTED. */
export function isSupportedSpdx2Version(v: string): v is keyof typeof SCHEMAS {
  return v in SCHEMAS;
}

/** Parses an SPDX 2.2 / 2.3 JSON document into the common SBOM shape. */
export function parseSpdx2(doc: Record<string, unknown>): SbomDocument {
  const version = doc.spdxVersion;
  if (typeof version !== 'string' || !/^SPDX-\d+\.\d+$/.test(version)) {
    throw malformed(
      'SPDX document',
      `spdxVersion ${typeof version === 'string' ? quote(version) : 'is missing'}: expected SPDX-<major>.<minor>`,
    );
  }
  if (!isSupportedSpdx2Version(version))
    throw unsupported('SPDX document', `spdxVersion ${version} (supported: SPDX-2.2, SPDX-2.3)`);
  const what = `SPDX ${version.slice(5)} document`;
  const d = parseWith(SCHEMAS[version], doc, what, 'predicate') as Spdx2;

  const roots = new Set<string>(d.documentDescribes ?? []);
  const relations: SbomRelation[] = [];
  for (const r of d.relationships ?? []) {
    if (r.relationshipType === 'DESCRIBES' && r.spdxElementId === DOCUMENT_ID)
      roots.add(r.relatedSpdxElement);
    else if (r.relationshipType === 'DESCRIBED_BY' && r.relatedSpdxElement === DOCUMENT_ID)
      roots.add(r.spdxElementId);
    else if (INVERSES.has(r.relationshipType)) {
      const m = INVERSES.get(r.relationshipType) as { relationship: string; scope?: string };
      relations.push({ from: r.relatedSpdxElement, to: r.spdxElementId, ...m });
    } else {
      const m = FORWARD.get(r.relationshipType) ?? { relationship: r.relationshipType };
      relations.push({ from: r.spdxElementId, to: r.relatedSpdxElement, ...m });
    }
  }

  const components: SbomComponent[] = [];
  (d.packages ?? []).forEach((p, i) => {
    const purlRef = (p.externalRefs ?? []).find(
      (e) => PURL_CATEGORIES.has(e.referenceCategory) && e.referenceType === 'purl',
    );
    components.push({
      ref: p.SPDXID,
      name: p.name,
      ...(p.versionInfo !== undefined ? { version: p.versionInfo } : {}),
      type: 'package',
      ...(purlRef !== undefined ? { purl: purlRef.referenceLocator } : {}),
      digest: digestOf(what, `predicate.packages[${i}]`, p.checksums),
      root: roots.has(p.SPDXID),
    });
  });
  (d.files ?? []).forEach((f, i) => {
    components.push({
      ref: f.SPDXID,
      name: f.fileName,
      type: 'file',
      digest: digestOf(what, `predicate.files[${i}]`, f.checksums),
      root: roots.has(f.SPDXID),
    });
  });
  return {
    what,
    sbom: {
      format: 'spdx',
      specVersion: version,
      ...(d.documentNamespace !== undefined ? { documentId: d.documentNamespace } : {}),
      name: d.name,
    },
    components,
    relations,
  };
}
