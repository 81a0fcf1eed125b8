/**
 * What SPDX and CycloneDX have in common once parsed: components with local ids, a set of roots
 * (the document's subject), and relations between ids. This module turns that into facts:
 * roots become the statement's subjects (`{ kind: 'subject' }`), every other component hangs
 * under them with an INCLUDES edge, and the document's relations become edges between nodes.
 */
import type { DigestSet } from './digest.js';
import { artifactKeysOf } from './digest.js';
import type { ComponentFact, FactsBuilder, PendingNode, SbomFact } from './facts.js';
import { malformed, quote } from './problems.js';
import { formatPurl, parsePurl } from './purl/purl.js';

export interface SbomComponent {
  /** Local id from the document, or undefined when it gives none. */
  ref?: string;
  name: string;
  version?: string;
  type: string;
  /** purl as written in the document. */
  purl?: string;
  digest: DigestSet;
  scope?: string;
  root: boolean;
}

export interface SbomRelation {
  from: string;
  to: string;
  relationship: string;
  scope?: string;
}

export interface SbomDocument {
  what: string;
  sbom: Omit<SbomFact, 'roots' | 'componentCount'>;
  components: SbomComponent[];
  relations: SbomRelation[];
}

/** Records an SBOM's components and graph; returns its component facts and the roots' purls. */
export function recordSbom(
  b: FactsBuilder,
  doc: SbomDocument,
): { components: ComponentFact[]; sbom: SbomFact; rootPurls: string[] } {
  const taken = new Set<string>();
  for (const c of doc.components) {
    if (c.ref === undefined) continue;
    // CycloneDX bom-ref and SPDX SPDXID MUST be unique within a document; a duplicate would let
    // one component's edges attach to another.
    if (taken.has(c.ref)) throw malformed(doc.what, `duplicate component id ${quote(c.ref)}`);
    taken.add(c.ref);
  }
  const nodeOfRef = new Map<string, PendingNode>();
  const pending: { c: SbomComponent; ref: string; purl?: string; node: PendingNode }[] = [];
  const roots: string[] = [];
  const rootPurls: string[] = [];
  let synthetic = 0;
  for (const c of doc.components) {
    let ref = c.ref;
    if (ref === undefined) {
      do ref = `#${synthetic++}`;
      while (taken.has(ref));
      taken.add(ref);
    }
    const parsed = c.purl === undefined ? undefined : parsePurl(c.purl);
    const purl = parsed === undefined ? undefined : formatPurl(parsed);
    let node: PendingNode;
    if (c.root) {
      node = { kind: 'subject' };
      roots.push(ref);
      if (purl !== undefined) rootPurls.push(purl);
    } else {
      node =
        b.addArtifact(
          {
            digest: c.digest,
            keys: artifactKeysOf(c.digest),
            name: c.name,
            ...(purl !== undefined ? { purl } : {}),
          },
          'component',
        ) ?? ({ kind: 'component', ref } as const);
      b.addEdge({ kind: 'subject' }, node, 'INCLUDES', 'sbom', c.scope);
    }
    if (c.ref !== undefined) nodeOfRef.set(c.ref, node);
    pending.push({ c, ref, ...(purl !== undefined ? { purl } : {}), node });
  }
  for (const r of doc.relations) {
    const from = nodeOfRef.get(r.from);
    const to = nodeOfRef.get(r.to);
    // Relations to elements the document does not define (other documents, NOASSERTION,
    // licenses, services) carry nothing we can index.
    if (from === undefined || to === undefined) continue;
    b.addEdge(from, to, r.relationship, 'sbom', r.scope);
  }
  const components: ComponentFact[] = pending.map(({ c, ref, purl, node }) => ({
    ref,
    name: c.name,
    ...(c.version !== undefined ? { version: c.version } : {}),
    type: c.type,
    ...(purl !== undefined ? { purl } : {}),
    digest: c.digest,
    ...(c.scope !== undefined ? { scope: c.scope } : {}),
    node: b.resolve(node),
    root: c.root,
  }));
  return {
    components,
    sbom: { ...doc.sbom, roots, componentCount: components.length - roots.length },
    rootPurls,
  };
}
