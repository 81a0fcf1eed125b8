/**
 * SPDX 3.0 JSON-LD documents in the canonical serialization (one `@graph` of elements, compact
 * names from https://spdx.org/rdf/3.0.x/spdx-context.jsonld; SPDX 3.0.1 spec, Serialization).
 * Only the Core and Software profile elements that carry supply-chain facts are read:
 * software_Package, software_File, Relationship (incl. LifecycleScopedRelationship),
 * SpdxDocument and software_Sbom (for the roots). Other elements are counted and skipped.
 */
import { z } from 'zod';
import { normalizeHashAlgorithm, normalizeHashValue } from '../digest.js';
import { malformed, parseWith, quote, unsupported } from '../problems.js';
import type { SbomComponent, SbomDocument, SbomRelation } from '../sbom-graph.js';

const CONTEXT_RE = /^https:\/\/spdx\.org\/rdf\/3\.0\.(\d+)\/spdx-context\.jsonld$/;

const Hash = z.object({ type: z.string(), algorithm: z.string(), hashValue: z.string() });

const Element = z.looseObject({
  type: z.string().optional(),
  '@type': z.string().optional(),
  spdxId: z.string().optional(),
  '@id': z.string().optional(),
});

const Software = z.looseObject({
  name: z.string().optional(),
  software_packageVersion: z.string().optional(),
  software_packageUrl: z.string().optional(),
  verifiedUsing: z.array(z.looseObject({ type: z.string() })).optional(),
});

const RelationshipEl = z.looseObject({
  from: z.string(),
  to: z.array(z.string()).min(1),
  relationshipType: z.string(),
  scope: z.string().optional(),
});

const Collection = z.looseObject({ rootElement: z.array(z.string()).optional() });

const Document = z.looseObject({
  '@context': z.union([z.string(), z.array(z.unknown())]),
  '@graph': z.array(Element),
});

/** SPDX 3 relationshipType (camelCase vocabulary) -> edge relationship, inverses turned around. */
const FORWARD: ReadonlyMap<string, { relationship: string; scope?: string }> = new Map(
  Object.entries({
    dependsOn: { relationship: 'DEPENDS_ON' },
    contains: { relationship: 'CONTAINS' },
    hasDynamicLink: { relationship: 'DEPENDS_ON', scope: 'dynamic-link' },
    hasStaticLink: { relationship: 'DEPENDS_ON', scope: 'static-link' },
  }),
);
const INVERSE: ReadonlyMap<string, string> = new Map([['generates', 'GENERATED_FROM']]);
const NOT_EDGES = new Set(['describes']);

function typeOf(e: z.infer<typeof Element>): string {
  return e.type ?? e['@type'] ?? '';
}

export function isSpdx3(doc: Record<string, unknown>): boolean {
  return '@context' in doc || '@graph' in doc;
}

export function parseSpdx3(doc: Record<string, unknown>): SbomDocument {
  const base = parseWith(Document, doc, 'SPDX 3 document', 'predicate');
  const context =
    typeof base['@context'] === 'string'
      ? base['@context']
      : base['@context'].find((c) => typeof c === 'string');
  const m = typeof context === 'string' ? CONTEXT_RE.exec(context) : null;
  if (m === null)
    throw unsupported('SPDX 3 document', `@context ${quote(String(context))} is not an SPDX 3.0 context`);
  const what = `SPDX 3.0.${m[1]} document`;

  const roots = new Set<string>();
  const described = new Set<string>();
  const sbomRoots = new Map<string, string[]>();
  const docRoots: string[] = [];
  const components: SbomComponent[] = [];
  const relations: SbomRelation[] = [];
  let documentId: string | undefined;
  let name: string | undefined;
  let specVersion: string | undefined;

  base['@graph'].forEach((e, i) => {
    const path = `predicate.@graph[${i}]`;
    const type = typeOf(e);
    const id = e.spdxId ?? e['@id'];
    if (type === 'CreationInfo' && typeof e.specVersion === 'string') specVersion ??= e.specVersion;
    if (type === 'software_Package' || type === 'software_File') {
      const s = parseWith(Software, e, what, path);
      if (id === undefined) throw malformed(what, `${path}: ${type} has no spdxId`);
      const digest = new Map<string, string>();
      for (const [j, h] of (s.verifiedUsing ?? []).entries()) {
        if (h.type !== 'Hash') continue; // PackageVerificationCode and others are not digests of the element.
        const hash = parseWith(Hash, h, what, `${path}.verifiedUsing[${j}]`);
        const alg = normalizeHashAlgorithm(hash.algorithm);
        const r = normalizeHashValue(alg, hash.hashValue);
        if ('problem' in r) throw malformed(what, `${path}.verifiedUsing[${j}]: ${r.problem}`);
        digest.set(alg, r.value);
      }
      components.push({
        ref: id,
        name: s.name ?? '',
        ...(s.software_packageVersion !== undefined ? { version: s.software_packageVersion } : {}),
        type: type === 'software_Package' ? 'package' : 'file',
        ...(s.software_packageUrl !== undefined ? { purl: s.software_packageUrl } : {}),
        digest: Object.fromEntries(digest),
        root: false,
      });
    } else if (type === 'Relationship' || type === 'LifecycleScopedRelationship') {
      const r = parseWith(RelationshipEl, e, what, path);
      for (const to of r.to) {
        if (r.relationshipType === 'describes') described.add(to);
        else if (FORWARD.has(r.relationshipType)) {
          const m = FORWARD.get(r.relationshipType) as { relationship: string; scope?: string };
          // LifecycleScopedRelationship.scope (build, development, runtime, test, ...) wins.
          const scope = r.scope ?? m.scope;
          relations.push({
            from: r.from,
            to,
            relationship: m.relationship,
            ...(scope !== undefined ? { scope } : {}),
          });
        } else if (INVERSE.has(r.relationshipType))
          relations.push({ from: to, to: r.from, relationship: INVERSE.get(r.relationshipType) as string });
        else if (!NOT_EDGES.has(r.relationshipType))
          relations.push({ from: r.from, to, relationship: r.relationshipType });
      }
    } else if (type === 'SpdxDocument') {
      const c = parseWith(Collection, e, what, path);
      docRoots.push(...(c.rootElement ?? []));
      documentId ??= id;
      if (typeof e.name === 'string') name ??= e.name;
    } else if (type === 'software_Sbom') {
      if (id !== undefined) sbomRoots.set(id, parseWith(Collection, e, what, path).rootElement ?? []);
    }
  });
  // The roots: what the SpdxDocument's rootElement names (looking through an Sbom collection to
  // its own rootElement), plus anything a `describes` relationship points at.
  for (const r of docRoots) {
    const inner = sbomRoots.get(r);
    if (inner !== undefined) for (const x of inner) roots.add(x);
    else roots.add(r);
  }
  for (const r of described) roots.add(r);
  for (const c of components) c.root = c.ref !== undefined && roots.has(c.ref);
  return {
    what,
    sbom: {
      format: 'spdx',
      specVersion: specVersion ?? `3.0.${m[1]}`,
      ...(documentId !== undefined ? { documentId } : {}),
      ...(name !== undefined ? { name } : {}),
    },
    components,
    relations,
  };
}
