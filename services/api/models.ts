/**
 * What the api's resolvers pass between them (the codegen mappers of scripts/codegen.ts): rows
 * of the read model (services/api/read-model.ts), small enough that a field is resolved through
 * a DataLoader (services/api/loaders.ts) only when a query asks for it.
 */

/** An artifact by its representative (canonical) digest. */
export interface ArtifactModel {
  artifact: string;
}

/** A row of idx.signatures. */
export interface SignatureModel {
  logIndex: number;
  signerId: string;
  digest: string | null;
  integratedTime: Date;
  kind: 'key' | 'certificate';
}

/** A row of idx.signers. */
export interface SignerModel {
  signerId: string;
  kind: 'key' | 'certificate';
  keyId: string;
  keyAlgorithm: string | null;
  identity: string | null;
  sanType: string | null;
  issuer: string | null;
  ciRepository: string | null;
  ciWorkflow: string | null;
  ciRef: string | null;
  ciRevision: string | null;
  ciTrigger: string | null;
  ciRunnerEnvironment: string | null;
  ciBuildSigner: string | null;
  ciRunInvocation: string | null;
  notBefore: Date | null;
  notAfter: Date | null;
}

/** A row of idx.statements. */
export interface StatementModel {
  logIndex: number;
  predicateType: string;
  predicateKind: string;
  integratedTime: Date;
  attestationHash: Buffer;
  unsupported: string | null;
}

/** A row of idx.provenance. */
export interface ProvenanceModel {
  logIndex: number;
  slsaVersion: string;
  builderId: string;
  buildType: string | null;
  sourceRepository: string | null;
  sourceRef: string | null;
  sourceRevision: string | null;
  startedOn: Date | null;
  finishedOn: Date | null;
}

/** A row of idx.provenance_materials. */
export interface MaterialModel {
  uri: string | null;
  name: string | null;
  purl: string | null;
  digest: string | null;
  digests: Record<string, string>;
}

/** A row of idx.sbom_components. */
export interface SbomComponentModel {
  logIndex: number;
  ref: string;
  name: string;
  version: string | null;
  type: string;
  purl: string | null;
  digest: string | null;
  scope: string | null;
  isRoot: boolean;
}

/** A row of idx.edges seen from its `from` end. */
export interface DependencyModel {
  logIndex: number;
  ordinal: number;
  toKind: 'artifact' | 'package' | 'component' | 'subject';
  toRef: string | null;
  relationship: string;
  scope: string | null;
  source: 'sbom' | 'provenance';
}

/** An artifact a transitive search reached. */
export interface ReachedModel {
  artifact: string;
  depth: number;
  path: string[];
  logIndex: number | null;
}

/** A log entry by index (loaded from tlog when a field needs it). */
export interface LogEntryModel {
  logIndex: number;
}

export interface PackageModel {
  purl: string;
  type: string;
}

export interface PackageVersionModel {
  key: string;
  version: string | null;
}

/** A transitive search (dependents of seeds): counted and paged on demand, once per request each. */
export interface TransitiveModel {
  count(): Promise<number>;
  page(first: number, after: string | null | undefined): Promise<Page<ReachedModel>>;
}

/** A blast radius: its signed set is known; what depends on it is searched when asked. */
export interface BlastRadiusModel {
  signed: string[];
  affected: TransitiveModel;
}

export interface LineageNodeModel {
  id: string;
  artifact: string | null;
  purl: string | null;
  depth: number;
  viaLogIndex: number | null;
}

export interface LineageModel {
  root: string;
  nodes: LineageNodeModel[];
  edges: { from: string; to: string; logIndex: number }[];
  truncated: boolean;
}

export interface EntryAppendedModel {
  logIndex: number;
  kind: 'hashedrekord' | 'dsse';
  integratedTime: Date;
}

/** A Relay page; `totalCount` runs its query only when a query asks for it. */
export interface Page<N> {
  edges: { cursor: string; node: N }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount: () => Promise<number> | number;
}
export type SignatureConnectionModel = Page<SignatureModel>;
export type ArtifactConnectionModel = Page<ArtifactModel>;
export type StatementConnectionModel = Page<StatementModel>;
export type SbomComponentConnectionModel = Page<SbomComponentModel>;
export type DependencyConnectionModel = Page<DependencyModel>;
export type DependentConnectionModel = Page<ReachedModel>;
export type PackageVersionConnectionModel = Page<PackageVersionModel>;
