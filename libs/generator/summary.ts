/** What a demo run produced, for people (a README's queries to paste) and for tests (--json). */
import type { DemoModel, ItemKind } from './model.js';
import type { DemoItem } from './submissions.js';

export interface DemoSummary {
  seed: string;
  scale: number;
  items: number;
  byKind: Record<ItemKind, number>;
  bySigner: { key: number; certificate: number };
  /** Dependency edges stated (SBOM components + provenance materials). */
  dependencyEdges: number;
  artifacts: number;
  compromised: {
    keyId: string;
    publisher: string;
    /** Item positions (stream order) of its first and last signature. */
    window: { firstItem: number; lastItem: number };
    signatures: number;
    /** Digests it signed. */
    signed: string[];
    /** Statements that depend on something it signed (their subjects). */
    victims: number;
    exampleVictim?: string;
  };
  /** An application with an SBOM (for `lineage`). */
  exampleApplication?: string;
  /** The most depended-on package version (for `dependents`). */
  popularPurl: string;
}

/** Accumulates a run's items in constant memory (plus the compromised key's few digests). */
export class DemoTally {
  items = 0;
  readonly byKind: Record<ItemKind, number> = {
    hashedrekord: 0,
    'slsa-provenance': 0,
    'slsa-vsa': 0,
    cyclonedx: 0,
    spdx: 0,
  };
  readonly bySigner = { key: 0, certificate: 0 };
  edges = 0;
  victims = 0;
  exampleVictim: string | undefined;
  exampleApplication: string | undefined;
  readonly signed: string[] = [];
  firstCompromised = -1;
  lastCompromised = -1;

  add(item: DemoItem): void {
    this.items++;
    this.byKind[item.kind]++;
    this.bySigner[item.signerType]++;
    this.edges += item.edges;
    if (item.compromised) {
      this.signed.push(item.subject);
      if (this.firstCompromised < 0) this.firstCompromised = item.index;
      this.lastCompromised = item.index;
    }
    if (item.victim) {
      this.victims++;
      this.exampleVictim ??= item.subject;
    }
    if (item.kind === 'cyclonedx' || item.kind === 'spdx') {
      if (item.victim || this.exampleApplication === undefined) this.exampleApplication = item.subject;
    }
  }
}

export function summarize(model: DemoModel, tally: DemoTally): DemoSummary {
  const pkg = model.popularPackage();
  return {
    seed: model.seed,
    scale: model.scale,
    items: tally.items,
    byKind: { ...tally.byKind },
    bySigner: { ...tally.bySigner },
    dependencyEdges: tally.edges,
    artifacts: model.artifactCount,
    compromised: {
      keyId: model.compromisedKey().keyId,
      publisher: model.publisher(model.compromisedPublisher).name,
      window: { firstItem: tally.firstCompromised, lastItem: tally.lastCompromised },
      signatures: tally.signed.length,
      signed: [...tally.signed],
      victims: tally.victims,
      ...(tally.exampleVictim !== undefined ? { exampleVictim: tally.exampleVictim } : {}),
    },
    ...(tally.exampleApplication !== undefined ? { exampleApplication: tally.exampleApplication } : {}),
    popularPurl: pkg.purl,
  };
}
