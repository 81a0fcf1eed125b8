/**
 * The one facts model every format maps to (SLSA provenance, SPDX, CycloneDX, VSA, npm publish,
 * unknown predicates), and the builder that assembles it. See README.md for the rules.
 *
 * Output size is linear in the input: statement-level relations (an SBOM's root, provenance
 * materials) start from the symbolic node `{ kind: 'subject' }` ("every subject of this
 * statement") instead of being multiplied out per subject.
 */
import { AttestryError } from '../core/index.js';
import { artifactKeysOf, IDENTITY_ALGORITHMS, type ArtifactKey, type DigestSet } from './digest.js';
import { malformed } from './problems.js';
import { formatPurl, packageNameOf, packageVersionKeyOf, parsePurl } from './purl/purl.js';

/** Canonical purl without qualifiers or subpath, with `@version` when known: `pkg:npm/sigstore@2.3.1`. */
export type PackageVersionKey = string;

/** A resource as a document names it: digests, plus name / uri / purl when given. */
export interface ArtifactRef {
  /** Normalized digest set (in-toto algorithm spelling, lowercase hex for known algorithms). */
  digest: DigestSet;
  /** Identity keys of `digest` (sha256 / sha384 / sha512); empty when it has none. */
  keys: ArtifactKey[];
  name?: string;
  uri?: string;
  /** Canonical purl when `name` or `uri` is a purl. */
  purl?: string;
}

/** One artifact, merged over every reference in the statement that shares an identity digest. */
export interface ArtifactFact {
  /** All identity keys, IDENTITY_ALGORITHMS order; the first is the one edges use. */
  keys: ArtifactKey[];
  digest: DigestSet;
  names: string[];
  uris: string[];
  /** Canonical purls (with qualifiers) this artifact carries. */
  purls: string[];
  roles: ArtifactRole[];
}
export type ArtifactRole = 'subject' | 'material' | 'component';

export interface PackageFact {
  /** Canonical purl without version, qualifiers or subpath: `pkg:npm/sigstore`. */
  purl: string;
  version?: string;
  key: PackageVersionKey;
}

/** An end of an edge. */
export type NodeRef =
  /** Every subject of the statement (an SBOM's root is the statement's subject). */
  | { kind: 'subject' }
  | { kind: 'artifact'; key: ArtifactKey }
  /** A package version known only by purl: the indexer links it to every artifact carrying that purl. */
  | { kind: 'package'; key: PackageVersionKey }
  /** An SBOM element with neither identity digest nor purl; `ref` is local to this statement. */
  | { kind: 'component'; ref: string };

/**
 * `INCLUDES`: the subject's SBOM lists the component (any depth). `DEPENDS_ON`, `CONTAINS`:
 * the SBOM's graph (SPDX `*_OF` inverses are turned around). `BUILT_FROM`: a provenance
 * material. Other SPDX relationships keep their SPDX name (`GENERATED_FROM`, `DYNAMIC_LINK`, ...).
 */
export type EdgeRelationship = 'INCLUDES' | 'DEPENDS_ON' | 'CONTAINS' | 'BUILT_FROM' | (string & {});

export interface EdgeFact {
  from: NodeRef;
  to: NodeRef;
  relationship: EdgeRelationship;
  /** CycloneDX component scope (required/optional/excluded) or SPDX dependency kind (dev, build, test, ...). */
  scope?: string;
  source: 'sbom' | 'provenance';
}

export interface ComponentFact {
  /** Statement-local id: CycloneDX bom-ref, SPDX SPDXID / spdxId, or `#<n>` when the document gives none. */
  ref: string;
  name: string;
  version?: string;
  /** CycloneDX component type, or `package` / `file` for SPDX. */
  type: string;
  purl?: string;
  digest: DigestSet;
  scope?: string;
  /** The node edges use for this component; `{ kind: 'subject' }` for an SBOM root. */
  node: NodeRef;
  root: boolean;
}

export interface SbomFact {
  format: 'cyclonedx' | 'spdx';
  /** `1.5`, `SPDX-2.3`, `3.0.1`. */
  specVersion: string;
  /** CycloneDX serialNumber, SPDX documentNamespace or SpdxDocument spdxId. */
  documentId?: string;
  name?: string;
  /** Refs of the root components (CycloneDX metadata.component, SPDX documentDescribes / DESCRIBES). */
  roots: string[];
  /** Number of components that are not roots. */
  componentCount: number;
}

export interface ProvenanceFact {
  /** SLSA provenance predicate flavour. */
  slsaVersion: '0.1' | '0.2' | '1';
  builderId: string;
  /** v1 / v0.2 buildType, v0.1 recipe.type (absent when a v0.1 predicate has no recipe). */
  buildType?: string;
  /** v1 externalParameters, v0.2 invocation.parameters, v0.1 recipe.arguments (as given). */
  externalParameters?: unknown;
  entryPoint?: string;
  /** Repository URI without `git+` and ref, e.g. `https://github.com/sigstore/sigstore-js`. */
  sourceRepository?: string;
  /** Ref the source was taken at, e.g. `refs/heads/main`. */
  sourceRef?: string;
  /** Commit (gitCommit or sha1 of the source). */
  sourceRevision?: string;
  /** Every resolved dependency / material that has a digest. */
  materials: ArtifactRef[];
  invocationId?: string;
  startedOn?: string;
  finishedOn?: string;
}

export interface VerificationFact {
  /** SLSA VSA predicate version. */
  vsaVersion: '0.2' | '1';
  verifierId: string;
  timeVerified: string;
  result: 'PASSED' | 'FAILED';
  resourceUri: string;
  policy: { uri?: string; digest?: DigestSet };
  /** v1 verifiedLevels; v0.2 policyLevel as a one-element list. */
  levels: string[];
  dependencyLevels?: Readonly<Record<string, number>>;
  slsaVersion?: string;
  inputAttestations: ArtifactRef[];
}

/** npm registry publish attestation: the registry saw this tarball published as name@version. */
export interface PublicationFact {
  registry: string;
  name: string;
  version: string;
  purl: PackageVersionKey;
}

export type PredicateKind = 'slsa-provenance' | 'slsa-vsa' | 'npm-publish' | 'spdx' | 'cyclonedx' | 'unknown';

export interface StatementFact {
  type: string;
  predicateType: string;
  subjects: ArtifactRef[];
}

export interface Facts {
  kind: PredicateKind;
  statement: StatementFact;
  artifacts: ArtifactFact[];
  packages: PackageFact[];
  edges: EdgeFact[];
  components: ComponentFact[];
  provenance?: ProvenanceFact;
  verification?: VerificationFact;
  publication?: PublicationFact;
  sbom?: SbomFact;
  /** Set when the predicate type is known but its version is not supported: only statement facts. */
  unsupported?: string;
}

/** A resource before normalization into an ArtifactRef. */
export interface RefInput {
  digest: DigestSet;
  name?: string;
  uri?: string;
}

export function nodeId(n: NodeRef): string {
  switch (n.kind) {
    case 'subject':
      return 'subject';
    case 'artifact':
      return `artifact ${n.key}`;
    case 'package':
      return `package ${n.key}`;
    case 'component':
      return `component ${n.ref}`;
  }
}

interface Slot {
  digest: Map<string, string>;
  names: Set<string>;
  uris: Set<string>;
  purls: Set<string>;
  roles: Set<ArtifactRole>;
}

/** Where an edge end will point once artifacts are merged (resolve with FactsBuilder.resolve). */
export type PendingNode = NodeRef | { kind: 'slot'; slot: number };

/**
 * Accumulates artifacts (merged by shared identity digest with union-find), packages and edges
 * (deduplicated), then emits Facts parts in first-seen order. Every operation is amortized
 * constant time, so a document of n elements costs O(n).
 */
export class FactsBuilder {
  private readonly slots: Slot[] = [];
  private readonly parent: number[] = [];
  private readonly slotOfKey = new Map<ArtifactKey, number>();
  private readonly packages = new Map<PackageVersionKey, PackageFact>();
  private readonly edges: {
    from: PendingNode;
    to: PendingNode;
    relationship: string;
    scope?: string;
    source: EdgeFact['source'];
  }[] = [];

  constructor(private readonly what: string) {}

  /** Normalizes a resource: identity keys, canonical purl from a purl-shaped name or uri. */
  ref(input: RefInput): ArtifactRef {
    const keys = artifactKeysOf(input.digest);
    const purlSource = [input.name, input.uri].find((s) => s !== undefined && /^pkg:/i.test(s));
    const parsed = purlSource === undefined ? undefined : parsePurl(purlSource);
    return {
      digest: input.digest,
      keys,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.uri !== undefined ? { uri: input.uri } : {}),
      ...(parsed !== undefined ? { purl: formatPurl(parsed) } : {}),
    };
  }

  /**
   * Records an artifact reference. Returns the node to use for it: the artifact when it has an
   * identity digest, else its package version when it has a purl, else undefined.
   */
  addArtifact(
    ref: ArtifactRef,
    role: ArtifactRole,
    extraPurls: readonly string[] = [],
  ): PendingNode | undefined {
    for (const p of [ref.purl, ...extraPurls]) if (p !== undefined) this.addPackage(p);
    if (ref.keys.length === 0) {
      if (ref.purl === undefined) return undefined;
      return { kind: 'package', key: this.addPackage(ref.purl) };
    }
    let slot: number | undefined;
    for (const k of ref.keys) {
      const s = this.slotOfKey.get(k);
      if (s !== undefined) slot = slot === undefined ? this.find(s) : this.union(slot, s);
    }
    if (slot === undefined) {
      slot = this.slots.length;
      this.slots.push({
        digest: new Map(),
        names: new Set(),
        uris: new Set(),
        purls: new Set(),
        roles: new Set(),
      });
      this.parent.push(slot);
    }
    const target = this.slots[slot] as Slot;
    for (const k of ref.keys) this.slotOfKey.set(k, slot);
    for (const [alg, value] of Object.entries(ref.digest)) this.mergeDigest(target, alg, value);
    if (ref.name !== undefined) target.names.add(ref.name);
    if (ref.uri !== undefined) target.uris.add(ref.uri);
    for (const p of [ref.purl, ...extraPurls]) if (p !== undefined) target.purls.add(p);
    target.roles.add(role);
    return { kind: 'slot', slot };
  }

  /** Gives an artifact more purls (e.g. an SBOM root's purl to the statement's subjects). */
  addPurls(node: PendingNode, purls: readonly string[]): void {
    for (const p of purls) {
      this.addPackage(p);
      if (node.kind === 'slot') (this.slots[this.find(node.slot)] as Slot).purls.add(p);
    }
  }

  /** Records a package version from a canonical purl; returns its key. */
  addPackage(purl: string): PackageVersionKey {
    const p = parsePurl(purl);
    if (p === undefined) throw malformed(this.what, `internal: not a canonical purl ${purl}`);
    const key = packageVersionKeyOf(p);
    if (!this.packages.has(key)) {
      this.packages.set(key, {
        purl: packageNameOf(p),
        ...(p.version !== undefined ? { version: p.version } : {}),
        key,
      });
    }
    return key;
  }

  addEdge(
    from: PendingNode,
    to: PendingNode,
    relationship: EdgeRelationship,
    source: EdgeFact['source'],
    scope?: string,
  ): void {
    this.edges.push({ from, to, relationship, source, ...(scope !== undefined ? { scope } : {}) });
  }

  /** Resolves a pending node (artifacts are merged only at the end). */
  resolve(n: PendingNode): NodeRef {
    if (n.kind !== 'slot') return n;
    const slot = this.slots[this.find(n.slot)] as Slot;
    return { kind: 'artifact', key: primaryKey(slot) };
  }

  build(): Pick<Facts, 'artifacts' | 'packages' | 'edges'> {
    const artifacts: ArtifactFact[] = [];
    for (let i = 0; i < this.slots.length; i++) {
      if (this.find(i) !== i) continue;
      const s = this.slots[i] as Slot;
      const digest = Object.fromEntries(s.digest);
      artifacts.push({
        keys: artifactKeysOf(digest),
        digest,
        names: [...s.names],
        uris: [...s.uris],
        purls: [...s.purls],
        roles: [...s.roles],
      });
    }
    const seen = new Set<string>();
    const edges: EdgeFact[] = [];
    for (const e of this.edges) {
      const from = this.resolve(e.from);
      const to = this.resolve(e.to);
      const id = `${nodeId(from)}\n${nodeId(to)}\n${e.relationship}\n${e.scope ?? ''}\n${e.source}`;
      if (seen.has(id) || nodeId(from) === nodeId(to)) continue;
      seen.add(id);
      edges.push({
        from,
        to,
        relationship: e.relationship,
        source: e.source,
        ...(e.scope !== undefined ? { scope: e.scope } : {}),
      });
    }
    return { artifacts, packages: [...this.packages.values()], edges };
  }

  private mergeDigest(slot: Slot, alg: string, value: string): void {
    const had = slot.digest.get(alg);
    if (had === undefined) slot.digest.set(alg, value);
    else if (had !== value) {
      // Two references share an identity digest but disagree on another: the document
      // contradicts itself about which artifact it names.
      throw malformed(
        this.what,
        `one artifact is named with two ${alg} digests (${had.slice(0, 16)}… and ${value.slice(0, 16)}…)`,
      );
    }
  }

  private find(i: number): number {
    let r = i;
    while (this.parent[r] !== r) r = this.parent[r] as number;
    let j = i;
    while (this.parent[j] !== r) {
      const next = this.parent[j] as number;
      this.parent[j] = r;
      j = next;
    }
    return r;
  }

  /** Merges the slots of a and b; returns the surviving root (the older slot). */
  private union(a: number, b: number): number {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return ra;
    const [keep, drop] = ra < rb ? [ra, rb] : [rb, ra];
    const k = this.slots[keep] as Slot;
    const d = this.slots[drop] as Slot;
    this.parent[drop] = keep;
    for (const [alg, value] of d.digest) this.mergeDigest(k, alg, value);
    for (const x of d.names) k.names.add(x);
    for (const x of d.uris) k.uris.add(x);
    for (const x of d.purls) k.purls.add(x);
    for (const x of d.roles) k.roles.add(x);
    return keep;
  }
}

function primaryKey(slot: Slot): ArtifactKey {
  for (const alg of IDENTITY_ALGORITHMS) {
    const v = slot.digest.get(alg);
    if (v !== undefined) return `${alg}:${v}`;
  }
  throw new AttestryError('INTERNAL', 'an artifact slot without an identity digest');
}
