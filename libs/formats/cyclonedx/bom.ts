/**
 * CycloneDX 1.2 - 1.7 JSON BOMs (CycloneDX/specification schema/bom-1.x.schema.json).
 *
 * Checked with zod, per spec version: the BOM, its metadata, components (at any depth, with
 * hashes, licenses, SWID, pedigree patches and issues), services (data flows), dependencies,
 * properties and citations, each with the required fields, enumerations, patterns and
 * (from 1.4, where the schema sets additionalProperties:false) the closed key sets of its
 * version. Deeper parts we do not read (vulnerabilities, formulation, evidence, model cards,
 * cryptography, ...) are only required to be present where allowed. This is not a full JSON
 * Schema validator, but it refuses every document of the official 1.6 / 1.7 invalid suite.
 *
 * metadata.component is the BOM's subject (the statement's subject); components hang under it.
 */
import { z } from 'zod';
import { normalizeHashAlgorithm, normalizeHashValue } from '../digest.js';
import { malformed, parseWith, quote, unsupported } from '../problems.js';
import type { SbomComponent, SbomDocument, SbomRelation } from '../sbom-graph.js';
import { Rfc3339Timestamp } from '../timestamp.js';
import { SPDX_LICENSE_IDS } from './__generated__/spdx-license-ids.js';

export const SUPPORTED_CYCLONEDX_VERSIONS = ['1.2', '1.3', '1.4', '1.5', '1.6', '1.7'] as const;
type Minor = 2 | 3 | 4 | 5 | 6 | 7;

// Keys of each object, by the version that introduced them (bom-1.x.schema.json `properties`).
type KeysByVersion = Readonly<Partial<Record<Minor, readonly string[]>>>;
const BOM_KEYS: KeysByVersion = {
  2: [
    'bomFormat',
    'specVersion',
    'serialNumber',
    'version',
    'metadata',
    'components',
    'services',
    'externalReferences',
    'dependencies',
  ],
  3: ['compositions'],
  4: ['$schema', 'vulnerabilities', 'signature'],
  5: ['annotations', 'formulation', 'properties'],
  6: ['declarations', 'definitions'],
  7: ['citations'],
};
const METADATA_KEYS: KeysByVersion = {
  2: ['timestamp', 'tools', 'authors', 'component', 'manufacture', 'supplier'],
  3: ['licenses', 'properties'],
  5: ['lifecycles'],
  6: ['manufacturer'],
  7: ['distributionConstraints'],
};
const COMPONENT_KEYS: KeysByVersion = {
  2: [
    'type',
    'mime-type',
    'bom-ref',
    'supplier',
    'author',
    'publisher',
    'group',
    'name',
    'version',
    'description',
    'scope',
    'hashes',
    'licenses',
    'copyright',
    'cpe',
    'purl',
    'swid',
    'modified',
    'pedigree',
    'externalReferences',
    'components',
  ],
  3: ['evidence', 'properties'],
  4: ['releaseNotes', 'signature'],
  5: ['modelCard', 'data'],
  6: ['manufacturer', 'authors', 'omniborId', 'swhid', 'cryptoProperties', 'tags'],
  7: ['versionRange', 'isExternal', 'patentAssertions'],
};
const SERVICE_KEYS: KeysByVersion = {
  2: [
    'bom-ref',
    'provider',
    'group',
    'name',
    'version',
    'description',
    'endpoints',
    'authenticated',
    'x-trust-boundary',
    'data',
    'licenses',
    'externalReferences',
    'services',
  ],
  3: ['properties'],
  4: ['releaseNotes', 'signature'],
  5: ['trustZone'],
  6: ['tags'],
  7: ['patentAssertions'],
};
const LICENSE_KEYS: KeysByVersion = {
  2: ['id', 'name', 'text', 'url'],
  5: ['bom-ref', 'licensing', 'properties'],
  6: ['acknowledgement'],
};
const EXPRESSION_KEYS: KeysByVersion = {
  5: ['expression', 'bom-ref'],
  6: ['acknowledgement'],
  7: ['expressionDetails', 'licensing', 'properties'],
};
const COMPONENT_TYPES: KeysByVersion = {
  2: ['application', 'framework', 'library', 'container', 'operating-system', 'device', 'firmware', 'file'],
  5: ['platform', 'device-driver', 'machine-learning-model', 'data'],
  6: ['cryptographic-asset'],
};
const HASH_ALGS: KeysByVersion = {
  2: [
    'MD5',
    'SHA-1',
    'SHA-256',
    'SHA-384',
    'SHA-512',
    'SHA3-256',
    'SHA3-384',
    'SHA3-512',
    'BLAKE2b-256',
    'BLAKE2b-384',
    'BLAKE2b-512',
    'BLAKE3',
  ],
  7: ['Streebog-256', 'Streebog-512'],
};

function upTo(table: KeysByVersion, v: Minor): string[] {
  const out: string[] = [];
  for (let i = 2; i <= v; i++) out.push(...(table[i as Minor] ?? []));
  return out;
}

const SERIAL_NUMBER = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HASH_CONTENT = /^([a-fA-F0-9]{32}|[a-fA-F0-9]{40}|[a-fA-F0-9]{64}|[a-fA-F0-9]{96}|[a-fA-F0-9]{128})$/;
const LICENSE_IDS = new Set(SPDX_LICENSE_IDS);

/** The parts of a component we read. */
export interface CdxComponent {
  type: string;
  name: string;
  'bom-ref'?: string;
  version?: string;
  group?: string;
  scope?: 'required' | 'optional' | 'excluded';
  hashes?: { alg: string; content: string }[];
  purl?: string;
  components?: CdxComponent[];
}

export interface CdxBom {
  bomFormat: 'CycloneDX';
  specVersion: string;
  serialNumber?: string;
  version?: number;
  metadata?: { timestamp?: string; component?: CdxComponent };
  components?: CdxComponent[];
  dependencies?: { ref: string; dependsOn?: string[]; provides?: string[] }[];
}

/** An object whose known keys are `shape` and whose allowed keys are `allowed` (closed from 1.4). */
function objectOf<T extends z.ZodRawShape>(v: Minor, shape: T, allowed: readonly string[]) {
  const loose: Record<string, z.ZodType> = {};
  for (const k of allowed) if (!(k in shape)) loose[k] = z.unknown().optional();
  const full = { ...loose, ...shape };
  return v >= 4 ? z.strictObject(full) : z.looseObject(full);
}

function uniqueStrings(item: z.ZodType<string>) {
  return z.array(item).superRefine((xs, ctx) => {
    const seen = new Set<string>();
    xs.forEach((x, i) => {
      if (seen.has(x)) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate item ${quote(x)}` });
      seen.add(x);
    });
  });
}

function schemaFor(v: Minor): z.ZodType<CdxBom> {
  // refType: from 1.5 a non-empty string.
  const refType = v >= 5 ? z.string().min(1, { message: 'a bom-ref must not be empty' }) : z.string();
  const attachment = objectOf(
    v,
    { contentType: z.string().optional(), encoding: z.enum(['base64']).optional(), content: z.string() },
    ['contentType', 'encoding', 'content'],
  );
  const property =
    v >= 6
      ? z.strictObject({ name: z.string(), value: z.string().optional() })
      : z.looseObject({ name: z.string().optional(), value: z.string().optional() });
  const properties = z.array(property);
  const license = objectOf(
    v,
    {
      id: z
        .string()
        .refine((id) => LICENSE_IDS.has(id), {
          message: 'not an SPDX license id of the SPDX license list (CycloneDX spdx.schema.json)',
        })
        .optional(),
      name: z.string().optional(),
      text: attachment.optional(),
      ...(v >= 5 ? { 'bom-ref': refType.optional(), properties: properties.optional() } : {}),
      ...(v >= 6 ? { acknowledgement: z.enum(['declared', 'concluded']).optional() } : {}),
    },
    upTo(LICENSE_KEYS, v),
  ).superRefine((l, ctx) => {
    if ((l.id === undefined) === (l.name === undefined))
      ctx.addIssue({ code: 'custom', message: 'a license has exactly one of id, name' });
  });
  const expressionKeys = v >= 5 ? upTo(EXPRESSION_KEYS, v) : ['license', 'expression'];
  const licenseChoice = z
    .array(
      z.looseObject({
        license: license.optional(),
        expression: z.string().optional(),
        ...(v >= 6 ? { acknowledgement: z.enum(['declared', 'concluded']).optional() } : {}),
        ...(v >= 5 ? { 'bom-ref': refType.optional() } : {}),
        ...(v >= 7 ? { properties: properties.optional() } : {}),
      }),
    )
    .superRefine((items, ctx) => {
      items.forEach((it, i) => {
        const hasLicense = it.license !== undefined;
        if (hasLicense === (it.expression !== undefined)) {
          ctx.addIssue({
            code: 'custom',
            path: [i],
            message: 'a license choice has exactly one of license, expression',
          });
          return;
        }
        if (v < 4) return;
        const allowed = hasLicense && v >= 5 ? ['license'] : expressionKeys;
        for (const k of Object.keys(it)) {
          if (!allowed.includes(k))
            ctx.addIssue({
              code: 'custom',
              path: [i, k],
              message: `unexpected key ${quote(k)} in a ${hasLicense ? 'license' : 'license expression'} choice`,
            });
        }
      });
      // 1.5 and 1.6: EITHER a list of licenses OR exactly one SPDX expression (licenseChoice oneOf).
      if ((v === 5 || v === 6) && items.length > 1 && items.some((it) => it.expression !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          message: 'a license expression must be the only entry of a license choice (CycloneDX 1.5 / 1.6)',
        });
      }
    });
  const hash = objectOf(
    v,
    {
      alg: z.enum(upTo(HASH_ALGS, v) as [string, ...string[]]),
      content: z
        .string()
        .regex(HASH_CONTENT, { message: 'hash content is not 32, 40, 64, 96 or 128 hex digits' }),
    },
    ['alg', 'content'],
  );
  const issue = objectOf(v, { type: z.enum(['defect', 'enhancement', 'security']) }, [
    'type',
    'id',
    'name',
    'description',
    'source',
    'references',
  ]);
  const patch = objectOf(
    v,
    {
      type: z.enum(['unofficial', 'monkey', 'backport', 'cherry-pick']),
      resolves: z.array(issue).optional(),
    },
    ['type', 'diff', 'resolves'],
  );
  const swid = objectOf(v, { tagId: z.string(), name: z.string(), text: attachment.optional() }, [
    'tagId',
    'name',
    'version',
    'tagVersion',
    'patch',
    'text',
    'url',
  ]);
  const versionString = v >= 6 ? z.string().max(1024) : z.string();

  const component: z.ZodType<CdxComponent> = z.lazy(() =>
    objectOf(
      v,
      {
        type: z.enum(upTo(COMPONENT_TYPES, v) as [string, ...string[]]),
        name: z.string(),
        'bom-ref': refType.optional(),
        // 1.2 and 1.3 require a version.
        version: v <= 3 ? versionString : versionString.optional(),
        group: z.string().optional(),
        scope: z.enum(['required', 'optional', 'excluded']).optional(),
        hashes: z.array(hash).optional(),
        licenses: licenseChoice.optional(),
        purl: z.string().optional(),
        swid: swid.optional(),
        pedigree: objectOf(
          v,
          {
            ancestors: z.array(component).optional(),
            descendants: z.array(component).optional(),
            variants: z.array(component).optional(),
            patches: z.array(patch).optional(),
          },
          ['ancestors', 'descendants', 'variants', 'commits', 'patches', 'notes'],
        ).optional(),
        components: z.array(component).optional(),
        ...(v >= 3 ? { properties: properties.optional() } : {}),
        ...(v >= 7 ? { versionRange: z.string().min(1).optional(), isExternal: z.boolean().optional() } : {}),
      },
      upTo(COMPONENT_KEYS, v),
    ).superRefine((c, ctx) => {
      if (v < 7) return;
      // 1.7: `version` and `versionRange` are exclusive, and a range only describes an external component.
      const r = c as { version?: string; versionRange?: string; isExternal?: boolean };
      if (r.versionRange !== undefined && r.version !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['versionRange'],
          message: 'a component has version or versionRange, not both',
        });
      if (r.versionRange !== undefined && r.isExternal !== true)
        ctx.addIssue({
          code: 'custom',
          path: ['versionRange'],
          message: 'versionRange is allowed only when isExternal is true',
        });
    }),
  ) as unknown as z.ZodType<CdxComponent>;

  const dataItem =
    v >= 5
      ? objectOf(
          v,
          { flow: z.enum(['inbound', 'outbound', 'bi-directional', 'unknown']), classification: z.string() },
          ['flow', 'classification', 'name', 'description', 'governance', 'source', 'destination'],
        )
      : objectOf(
          v,
          { flow: z.enum(['inbound', 'outbound', 'bi-directional', 'unknown']), classification: z.string() },
          ['flow', 'classification'],
        );
  const service: z.ZodType<unknown> = z.lazy(() =>
    objectOf(
      v,
      {
        name: z.string(),
        'bom-ref': refType.optional(),
        data: z.array(dataItem).optional(),
        licenses: licenseChoice.optional(),
        services: z.array(service).optional(),
        ...(v >= 3 ? { properties: properties.optional() } : {}),
      },
      upTo(SERVICE_KEYS, v),
    ),
  );

  const dependency = objectOf(
    v,
    {
      ref: refType,
      dependsOn: uniqueStrings(refType).optional(),
      ...(v >= 6 ? { provides: uniqueStrings(refType).optional() } : {}),
    },
    v >= 6 ? ['ref', 'dependsOn', 'provides'] : ['ref', 'dependsOn'],
  );

  const citation = z
    .strictObject({
      'bom-ref': refType.optional(),
      pointers: z.array(z.string()).min(1).optional(),
      expressions: z.array(z.string()).min(1).optional(),
      timestamp: Rfc3339Timestamp,
      attributedTo: refType.optional(),
      process: refType.optional(),
      note: z.string().optional(),
      signature: z.unknown().optional(),
    })
    .superRefine((c, ctx) => {
      if (c.attributedTo === undefined && c.process === undefined)
        ctx.addIssue({ code: 'custom', message: 'a citation needs attributedTo or process' });
      if ((c.pointers === undefined) === (c.expressions === undefined))
        ctx.addIssue({ code: 'custom', message: 'a citation has exactly one of pointers, expressions' });
    });

  const metadata = objectOf(
    v,
    {
      timestamp: Rfc3339Timestamp.optional(),
      component: component.optional(),
      ...(v >= 3 ? { licenses: licenseChoice.optional(), properties: properties.optional() } : {}),
    },
    upTo(METADATA_KEYS, v),
  );

  return objectOf(
    v,
    {
      bomFormat: z.literal('CycloneDX', { message: 'bomFormat must be "CycloneDX"' }),
      specVersion: z.string(),
      serialNumber: z
        .string()
        .regex(SERIAL_NUMBER, { message: 'serialNumber is not urn:uuid:<RFC 4122 UUID, lowercase>' })
        .optional(),
      // 1.2 - 1.4 require the BOM version; 1.5 made it optional with a minimum of 1.
      version: v <= 4 ? z.number().int() : z.number().int().min(1).optional(),
      metadata: metadata.optional(),
      components: z.array(component).optional(),
      services: z.array(service).optional(),
      dependencies: z.array(dependency).optional(),
      ...(v >= 5 ? { properties: properties.optional() } : {}),
      ...(v >= 7 ? { citations: z.array(citation).optional() } : {}),
    },
    upTo(BOM_KEYS, v),
  ) as unknown as z.ZodType<CdxBom>;
}

const schemas = new Map<Minor, z.ZodType<CdxBom>>();

function schemaOf(v: Minor): z.ZodType<CdxBom> {
  let s = schemas.get(v);
  if (s === undefined) {
    s = schemaFor(v);
    schemas.set(v, s);
  }
  return s;
}

/** Parses a CycloneDX JSON BOM into the common SBOM shape. */
export function parseCycloneDx(doc: Record<string, unknown>): SbomDocument {
  if (doc.bomFormat !== 'CycloneDX') {
    throw malformed(
      'CycloneDX BOM',
      `bomFormat ${typeof doc.bomFormat === 'string' ? quote(doc.bomFormat) : 'is missing'}: must be "CycloneDX"`,
    );
  }
  const specVersion = doc.specVersion;
  if (typeof specVersion !== 'string') throw malformed('CycloneDX BOM', 'specVersion is missing');
  const i = (SUPPORTED_CYCLONEDX_VERSIONS as readonly string[]).indexOf(specVersion);
  if (i < 0)
    throw unsupported(
      'CycloneDX BOM',
      `specVersion ${quote(specVersion)} (supported: ${SUPPORTED_CYCLONEDX_VERSIONS.join(', ')})`,
    );
  const what = `CycloneDX ${specVersion} BOM`;
  const bom = parseWith(schemaOf((i + 2) as Minor), doc, what, 'predicate');

  const components: SbomComponent[] = [];
  const relations: SbomRelation[] = [];
  // Flatten nested components iteratively: a nested component is CONTAINED by its parent.
  const stack: { c: CdxComponent; path: string; root: boolean; parent?: string }[] = [];
  const top = bom.components ?? [];
  for (let j = top.length - 1; j >= 0; j--)
    stack.push({ c: top[j] as CdxComponent, path: `predicate.components[${j}]`, root: false });
  if (bom.metadata?.component !== undefined)
    stack.push({ c: bom.metadata.component, path: 'predicate.metadata.component', root: true });
  while (stack.length > 0) {
    const { c, path, root, parent } = stack.pop() as (typeof stack)[number];
    components.push({
      ...(c['bom-ref'] !== undefined ? { ref: c['bom-ref'] } : {}),
      name: c.name,
      ...(c.version !== undefined ? { version: c.version } : {}),
      type: c.type,
      ...(c.purl !== undefined ? { purl: c.purl } : {}),
      digest: digestOf(what, path, c.hashes),
      ...(c.scope !== undefined ? { scope: c.scope } : {}),
      root,
    });
    if (parent !== undefined && c['bom-ref'] !== undefined)
      relations.push({ from: parent, to: c['bom-ref'], relationship: 'CONTAINS' });
    const kids = c.components ?? [];
    for (let j = kids.length - 1; j >= 0; j--) {
      stack.push({
        c: kids[j] as CdxComponent,
        path: `${path}.components[${j}]`,
        root: false,
        ...(c['bom-ref'] !== undefined ? { parent: c['bom-ref'] } : {}),
      });
    }
  }
  for (const d of bom.dependencies ?? []) {
    for (const to of d.dependsOn ?? []) relations.push({ from: d.ref, to, relationship: 'DEPENDS_ON' });
    for (const to of d.provides ?? []) relations.push({ from: d.ref, to, relationship: 'PROVIDES' });
  }
  return {
    what,
    sbom: {
      format: 'cyclonedx',
      specVersion,
      ...(bom.serialNumber !== undefined ? { documentId: bom.serialNumber } : {}),
      ...(bom.metadata?.component?.name !== undefined ? { name: bom.metadata.component.name } : {}),
    },
    components,
    relations,
  };
}

function digestOf(what: string, path: string, hashes: CdxComponent['hashes']): Record<string, string> {
  const digest: Record<string, string> = {};
  (hashes ?? []).forEach((h, i) => {
    const alg = normalizeHashAlgorithm(h.alg);
    const r = normalizeHashValue(alg, h.content);
    // The schema only checks that content is hex of some hash size; an SHA-256 of 40 digits
    // would become a bogus artifact identity.
    if ('problem' in r) throw malformed(what, `${path}.hashes[${i}]: ${r.problem}`);
    if (digest[alg] !== undefined && digest[alg] !== r.value)
      throw malformed(what, `${path}.hashes: two different ${h.alg} values`);
    digest[alg] = r.value;
  });
  return digest;
}
