/**
 * The model of a software supply chain that the demo generates: pure functions of (seed, scale,
 * index). Nothing is kept per item, so the stream runs in constant memory and any item can be
 * made alone, on any thread (see docs/design/0006-generator.md for the distributions).
 *
 * - Publishers (PUBLISHER_COUNT): four registries (npm, PyPI, Maven Central, GHCR) that
 *   countersign releases, one VSA verifier, and organisations (GitHub Actions identities) and
 *   individuals (e-mail identities) who own projects. Each has an ECDSA P-256 and an Ed25519 key.
 * - Items come in blocks of 20 (a seeded permutation of 16 hashedrekords, 3 SLSA statements,
 *   1 SBOM), so the mix is exact and item i knows its rank in its kind without counting.
 * - Artifacts (about scale / 5): hashedrekord h signs artifact h / 4 with role h % 4 (owner's
 *   identity, owner's key, registry, a consumer), so every artifact has four distinct signatures
 *   and no two hashedrekords are the same entry. Provenance p describes artifact 4p/3 (a % 4 in
 *   0..2: packages), SBOM s describes artifact 4s+3 (applications, as OCI images).
 * - Third-party packages (scale / 100, at least 200) are chosen by Zipf rank: a few are in nearly
 *   every SBOM, most in few.
 * - One compromised ECDSA key signs the release signatures of a quarter of the artifacts born in a
 *   window of the stream; later provenance and SBOMs depend on some of them (the victims).
 */
import { crypto } from '../core/index.js';
import { ecdsaKeyFrom, ed25519KeyFrom, type DemoKey } from './keys.js';
import { derive, rngFor, type Rng } from './prng.js';

export const PUBLISHER_COUNT = 300;
/** Publishers 0-3: registries; 4: the VSA verifier; 5..: owners of projects. */
export const FIRST_OWNER = 5;
export const BLOCK_SIZE = 20;
export type MixGroup = 'hashedrekord' | 'provenance' | 'sbom';
const BLOCK: readonly MixGroup[] = [
  ...Array<MixGroup>(16).fill('hashedrekord'),
  ...Array<MixGroup>(3).fill('provenance'),
  'sbom',
];
export const MIX = { hashedrekord: 0.8, provenance: 0.15, sbom: 0.05 } as const;

export type ItemKind = 'hashedrekord' | 'slsa-provenance' | 'slsa-vsa' | 'cyclonedx' | 'spdx';
export type Ecosystem = 'npm' | 'pypi' | 'maven' | 'oci';

/** The synthetic clock: item i happens at T0 + i * ITEM_SPACING_MS (statement timestamps only). */
export const T0 = Date.parse('2025-06-01T00:00:00Z');
export const ITEM_SPACING_MS = 2000;
/** Certificates are valid from before T0 until well after any run (see 0006: no 10-minute certs). */
export const LEAF_NOT_BEFORE = new Date('2025-01-01T00:00:00Z');
export const LEAF_NOT_AFTER = new Date('2035-01-01T00:00:00Z');
/** An identity's certificate is reissued every this many items (Fulcio: one per signing; see 0006). */
export const CERT_EPOCH_ITEMS = 10_000;

// prettier-ignore
const ADJECTIVES = [
  'amber', 'brisk', 'cobalt', 'deft', 'ember', 'fable', 'gusty', 'hollow', 'ivory', 'jade', 'keen',
  'lunar', 'mellow', 'nimble', 'onyx', 'plucky', 'quiet', 'rapid', 'silver', 'tidy', 'umber', 'vivid',
  'woven', 'zesty', 'arctic', 'bold', 'crisp', 'dusky', 'early', 'frosty', 'golden', 'hazel', 'iron',
  'jolly', 'kind', 'lucky', 'misty', 'noble', 'olive', 'prime',
];
// prettier-ignore
const NOUNS = [
  'otter', 'falcon', 'cedar', 'harbor', 'lantern', 'meadow', 'comet', 'quartz', 'willow', 'badger',
  'canyon', 'delta', 'ember', 'fjord', 'glacier', 'heron', 'island', 'juniper', 'kestrel', 'lynx', 'maple',
  'nebula', 'orchid', 'pebble', 'quill', 'raven', 'summit', 'thistle', 'urchin', 'valley', 'walrus',
  'yarrow', 'zephyr', 'anchor', 'beacon', 'cinder', 'dune', 'ferry', 'grove', 'hollow', 'inlet', 'jetty',
  'kiln', 'loom', 'mesa', 'nook', 'orbit', 'prairie', 'ridge', 'spruce',
];
// prettier-ignore
const TECH = [
  'json', 'yaml', 'http', 'cache', 'log', 'auth', 'cli', 'test', 'lint', 'parse', 'crypto', 'stream',
  'router', 'orm', 'queue', 'config', 'utils', 'fs', 'date', 'color', 'uuid', 'semver', 'retry', 'schema',
  'mock', 'trace', 'proto', 'grpc', 'csv', 'xml', 'zip', 'image', 'i18n', 'metrics',
];
const SUFFIXES = ['labs', 'dev', 'io', 'hq', 'works', 'systems', 'cloud', 'oss'];
// prettier-ignore
const GIVEN = [
  'ana', 'ben', 'chen', 'dara', 'eli', 'fatima', 'goran', 'hana', 'ines', 'jon', 'kai', 'lea', 'mo', 'nia',
  'omar', 'priya', 'rui', 'sara', 'tomas', 'yuki',
];

export interface Publisher {
  readonly index: number;
  readonly kind: 'registry' | 'verifier' | 'org' | 'individual';
  /** GitHub organisation or user name. */
  readonly name: string;
  readonly ecosystem: Ecosystem;
  /** Individuals: the e-mail identity and its OIDC issuer. */
  readonly email?: string;
  readonly emailIssuer?: string;
  readonly projects: readonly string[];
  /** Numeric GitHub ids for the Fulcio claims. */
  readonly ownerId: number;
  readonly ecdsa: DemoKey;
  readonly ed25519: DemoKey;
}

export interface PackageVersion {
  readonly ecosystem: Ecosystem;
  readonly name: string;
  readonly version: string;
  readonly purl: string;
  /** Identity digests (sha256, and sha512 for npm as its integrity field has). */
  readonly sha256: string;
  readonly sha512?: string;
}

export interface Artifact {
  readonly index: number;
  readonly kind: 'package' | 'application';
  readonly owner: number;
  readonly project: string;
  readonly ecosystem: Ecosystem;
  /** Subject name: the purl for packages, the image reference for applications. */
  readonly name: string;
  readonly version: string;
  readonly purl: string;
  /** Digest set: sha256, or sha512 only for a few npm tarballs. */
  readonly digest: Readonly<Record<'sha256' | 'sha512', string | undefined>>;
  /** `sha256:<hex>` or `sha512:<hex>`: the digest Attestry identifies it by. */
  readonly key: string;
  readonly compromised: boolean;
}

export type SignerRef =
  | { readonly type: 'key'; readonly publisher: number; readonly alg: 'ecdsa' | 'ed25519' }
  | {
      readonly type: 'identity';
      readonly publisher: number;
      readonly project: string;
      readonly epoch: number;
    }
  | { readonly type: 'compromised' };

interface Common {
  readonly index: number;
  readonly kind: ItemKind;
  readonly group: MixGroup;
  readonly time: Date;
  readonly signer: SignerRef;
  readonly subject: Artifact;
}

export interface HashedRekordPlan extends Common {
  readonly kind: 'hashedrekord';
  readonly role: 0 | 1 | 2 | 3;
}

export type Material =
  | { readonly type: 'artifact'; readonly artifact: Artifact }
  | { readonly type: 'package'; readonly pkg: PackageVersion };

export interface ProvenancePlan extends Common {
  readonly kind: 'slsa-provenance';
  readonly builderId: string;
  readonly buildType: string;
  readonly repository: string;
  readonly commit: string;
  readonly workflowPath: string;
  readonly runId: number;
  readonly materials: readonly Material[];
}

export interface VsaPlan extends Common {
  readonly kind: 'slsa-vsa';
  readonly passed: boolean;
  readonly level: string;
}

export interface Component {
  readonly ref: string;
  readonly target: Material;
  /** false: named by purl only (no hashes). */
  readonly byDigest: boolean;
  readonly direct: boolean;
}

export interface SbomPlan extends Common {
  readonly kind: 'cyclonedx' | 'spdx';
  readonly components: readonly Component[];
}

export type ItemPlan = HashedRekordPlan | ProvenancePlan | VsaPlan | SbomPlan;

export interface DemoParams {
  readonly seed: string;
  /** Number of items in the stream. */
  readonly scale: number;
}

const REGISTRIES: ReadonlyArray<[string, Ecosystem]> = [
  ['npm-registry', 'npm'],
  ['pypi-registry', 'pypi'],
  ['maven-central', 'maven'],
  ['ghcr-registry', 'oci'],
];

export class DemoModel {
  readonly seed: string;
  readonly scale: number;
  /** Artifacts in the whole stream (scale / 5). */
  readonly artifactCount: number;
  readonly packageCount: number;
  /** Compromised artifacts are those in [windowStart, windowEnd) with index % 4 === 0. */
  readonly windowStart: number;
  readonly windowEnd: number;
  /** The publisher whose release key was stolen. */
  readonly compromisedPublisher: number;
  private readonly publisherCache = new Map<number, Publisher>();
  private compromisedKeyCache: DemoKey | undefined;
  private readonly blockCache = new Map<number, readonly MixGroup[]>();
  /** Bounded memo tables: popular artifacts and packages recur in many items. */
  private readonly artifactCache = new Map<number, Artifact>();
  private readonly packageCache = new Map<string, PackageVersion>();

  constructor(params: DemoParams) {
    if (!Number.isSafeInteger(params.scale) || params.scale < 1)
      throw new RangeError('scale must be a positive integer');
    this.seed = params.seed;
    this.scale = params.scale;
    this.artifactCount = Math.max(1, Math.floor(params.scale / 5));
    this.packageCount = Math.max(200, Math.floor(params.scale / 100));
    this.windowStart = Math.floor(this.artifactCount * 0.4);
    this.windowEnd = this.windowStart + Math.max(8, Math.floor(this.artifactCount * 0.05));
    this.compromisedPublisher = FIRST_OWNER + 10 + rngFor(this.seed, 'compromised').int(40);
  }

  // -------------------------------------------------------------------------------------------
  // publishers and keys

  publisher(index: number): Publisher {
    let p = this.publisherCache.get(index);
    if (p === undefined) {
      p = this.makePublisher(index);
      this.publisherCache.set(index, p);
    }
    return p;
  }

  private makePublisher(index: number): Publisher {
    const r = rngFor(this.seed, 'publisher', index);
    const keys = {
      ecdsa: ecdsaKeyFrom(this.seed, 'publisher', index),
      ed25519: ed25519KeyFrom(this.seed, 'publisher', index),
    };
    const ownerId = 10_000_000 + r.int(90_000_000);
    const registry = REGISTRIES[index];
    if (registry)
      return {
        index,
        kind: 'registry',
        name: registry[0],
        ecosystem: registry[1],
        projects: [],
        ownerId,
        ...keys,
      };
    if (index === 4)
      return {
        index,
        kind: 'verifier',
        name: 'slsa-verifier',
        ecosystem: 'oci',
        projects: [],
        ownerId,
        ...keys,
      };
    const adjective = ADJECTIVES[index % ADJECTIVES.length]!;
    const noun = NOUNS[Math.floor(index / ADJECTIVES.length) % NOUNS.length]!;
    const ecosystem = (['npm', 'pypi', 'maven'] as const)[r.weighted([50, 30, 20])]!;
    const projects = Array.from(
      { length: 1 + r.int(4) },
      (_, k) => `${r.pick(TECH)}-${r.pick(NOUNS)}${k > 0 ? `-${k}` : ''}`,
    );
    if (r.chance(0.6))
      return {
        index,
        kind: 'org',
        name: `${adjective}-${noun}-${r.pick(SUFFIXES)}`,
        ecosystem,
        projects,
        ownerId,
        ...keys,
      };
    const handle = `${r.pick(GIVEN)}-${noun}${index}`;
    const google = r.chance(0.5);
    return {
      index,
      kind: 'individual',
      name: handle,
      ecosystem,
      email: google ? `${handle}@gmail.com` : `${handle}@users.noreply.github.com`,
      emailIssuer: google ? 'https://accounts.google.com' : 'https://github.com/login/oauth',
      projects,
      ownerId,
      ...keys,
    };
  }

  /** The stolen key: ECDSA P-256, the compromised publisher's offline release key. */
  compromisedKey(): DemoKey {
    this.compromisedKeyCache ??= ecdsaKeyFrom(this.seed, 'compromised-release-key');
    return this.compromisedKeyCache;
  }

  /** A publisher that owns projects, drawn by Zipf rank (a few prolific, many occasional). */
  private ownerRank(r: Rng): number {
    return FIRST_OWNER + r.zipf(PUBLISHER_COUNT - FIRST_OWNER);
  }

  // -------------------------------------------------------------------------------------------
  // artifacts and packages

  isCompromised(a: number): boolean {
    return a >= this.windowStart && a < this.windowEnd && a % 4 === 0;
  }

  artifact(a: number): Artifact {
    let hit = this.artifactCache.get(a);
    if (hit === undefined) {
      hit = this.makeArtifact(a);
      if (this.artifactCache.size >= 8192) this.artifactCache.clear();
      this.artifactCache.set(a, hit);
    }
    return hit;
  }

  private makeArtifact(a: number): Artifact {
    const r = rngFor(this.seed, 'artifact', a);
    const compromised = this.isCompromised(a);
    const ownerIndex = compromised ? this.compromisedPublisher : this.ownerRank(r);
    const owner = this.publisher(ownerIndex);
    const project = r.pick(owner.projects.length > 0 ? owner.projects : ['app']);
    const version = `${1 + Math.floor(a / 5000)}.${Math.floor(a / 100) % 50}.${a % 100}`;
    const sha256 = derive(this.seed, 'artifact-bytes', a).toString('hex');
    if (a % 4 === 3) {
      const image = `ghcr.io/${owner.name}/${project}`;
      return {
        index: a,
        kind: 'application',
        owner: ownerIndex,
        project,
        ecosystem: 'oci',
        name: image,
        version,
        purl: `pkg:oci/${project}@sha256%3A${sha256}?repository_url=${image}&tag=v${version}`,
        digest: { sha256, sha512: undefined },
        key: `sha256:${sha256}`,
        compromised,
      };
    }
    const namespace =
      owner.kind !== 'org' ? undefined : owner.ecosystem === 'maven' ? `io.github.${owner.name}` : owner.name;
    const purl = packagePurl(owner.ecosystem, namespace, project, version);
    // npm publishes sha512 integrity; a few npm statements name their tarball by sha512 alone.
    if (owner.ecosystem === 'npm' && r.chance(0.1)) {
      const sha512 = crypto.digest('sha512', Buffer.from(sha256, 'hex')).toString('hex');
      return {
        index: a,
        kind: 'package',
        owner: ownerIndex,
        project,
        ecosystem: 'npm',
        name: purl,
        version,
        purl,
        digest: { sha256: undefined, sha512 },
        key: `sha512:${sha512}`,
        compromised,
      };
    }
    return {
      index: a,
      kind: 'package',
      owner: ownerIndex,
      project,
      ecosystem: owner.ecosystem,
      name: purl,
      version,
      purl,
      digest: { sha256, sha512: undefined },
      key: `sha256:${sha256}`,
      compromised,
    };
  }

  /** Versions of third-party package j (popular ones have more). */
  packageVersions(j: number): number {
    return (j < 50 ? 8 : 2) + rngFor(this.seed, 'package', j).int(6);
  }

  packageVersion(j: number, v: number): PackageVersion {
    const key = `${j}@${v}`;
    let hit = this.packageCache.get(key);
    if (hit === undefined) {
      hit = this.makePackageVersion(j, v);
      if (this.packageCache.size >= 8192) this.packageCache.clear();
      this.packageCache.set(key, hit);
    }
    return hit;
  }

  private makePackageVersion(j: number, v: number): PackageVersion {
    const r = rngFor(this.seed, 'package', j);
    const ecosystem = (['npm', 'pypi', 'maven', 'oci'] as const)[r.weighted([45, 27, 23, 5])]!;
    const base = `${TECH[j % TECH.length]}-${NOUNS[Math.floor(j / TECH.length) % NOUNS.length]}`;
    const name =
      j < TECH.length * NOUNS.length ? base : `${base}${Math.floor(j / (TECH.length * NOUNS.length))}`;
    const version = `${1 + Math.floor(v / 4)}.${(v * 3) % 10}.${rngFor(this.seed, 'package', j, v).int(20)}`;
    const bytes = derive(this.seed, 'package-bytes', j, v);
    const sha256 = bytes.toString('hex');
    if (ecosystem === 'oci') {
      return {
        ecosystem,
        name: `base-${name}`,
        version,
        purl: `pkg:oci/base-${name}@sha256%3A${sha256}?repository_url=docker.io/library/base-${name}&tag=${version}`,
        sha256,
      };
    }
    const purl = packagePurl(
      ecosystem,
      ecosystem === 'maven' ? `org.${NOUNS[j % NOUNS.length]}` : undefined,
      name,
      version,
    );
    return {
      ecosystem,
      name,
      version,
      purl,
      sha256,
      ...(ecosystem === 'npm' ? { sha512: crypto.digest('sha512', bytes).toString('hex') } : {}),
    };
  }

  /** A third-party package version drawn by popularity: Zipf over packages, latest versions first. */
  private drawPackage(r: Rng): { j: number; v: number } {
    // A quarter of the draws among the ten core packages (the ones nearly everyone depends on).
    const j = r.chance(0.25) ? r.zipf(10) : r.zipf(this.packageCount);
    const n = this.packageVersions(j);
    return { j, v: n - 1 - Math.min(n - 1, r.geometric(0.55)) };
  }

  /** The most depended-on package version (for `dependents`). */
  popularPackage(): PackageVersion {
    return this.packageVersion(0, this.packageVersions(0) - 1);
  }

  /** An earlier package artifact: half recent, half by Zipf rank (early artifacts become hubs). */
  private drawEarlierArtifact(r: Rng, before: number): number | undefined {
    if (before < 2) return undefined;
    let c = r.chance(0.5) ? before - 1 - Math.min(before - 1, r.geometric(0.02)) : r.zipf(before);
    if (c % 4 === 3) c -= 1;
    return c >= 0 && c < before ? c : undefined;
  }

  /** A compromised artifact born before `before`, if any. */
  private drawCompromised(r: Rng, before: number): number | undefined {
    const end = Math.min(before, this.windowEnd);
    const first = Math.ceil(this.windowStart / 4) * 4;
    if (end <= first) return undefined;
    const n = Math.ceil((end - first) / 4);
    return first + 4 * r.int(n);
  }

  // -------------------------------------------------------------------------------------------
  // the stream

  private block(b: number): readonly MixGroup[] {
    let perm = this.blockCache.get(b);
    if (perm === undefined) {
      perm = rngFor(this.seed, 'block', b).shuffle([...BLOCK]);
      if (this.blockCache.size > 64) this.blockCache.clear();
      this.blockCache.set(b, perm);
    }
    return perm;
  }

  /** The group of item i and its rank among the items of that group. */
  slot(i: number): { group: MixGroup; rank: number } {
    const b = Math.floor(i / BLOCK_SIZE);
    const perm = this.block(b);
    const at = i % BLOCK_SIZE;
    const group = perm[at]!;
    let before = 0;
    for (let k = 0; k < at; k++) if (perm[k] === group) before++;
    const perBlock = BLOCK.filter((g) => g === group).length;
    return { group, rank: b * perBlock + before };
  }

  /** Item positions of the compromised window: the release signatures of its first and last artifact. */
  compromisedWindow(): { artifacts: number; firstItem: number; lastItem: number } {
    const first = Math.ceil(this.windowStart / 4) * 4;
    const all: number[] = [];
    for (let a = first; a < this.windowEnd && a < this.artifactCount; a += 4) all.push(a);
    const itemOf = (a: number) => this.itemOfHashedRekord(4 * a);
    return {
      artifacts: all.length,
      firstItem: all.length > 0 ? itemOf(all[0]!) : -1,
      lastItem: all.length > 0 ? itemOf(all[all.length - 1]!) : -1,
    };
  }

  /** The position of hashedrekord number h. */
  itemOfHashedRekord(h: number): number {
    const b = Math.floor(h / 16);
    const perm = this.block(b);
    let seen = 0;
    for (let k = 0; k < BLOCK_SIZE; k++) {
      if (perm[k] !== 'hashedrekord') continue;
      if (seen === h % 16) return b * BLOCK_SIZE + k;
      seen++;
    }
    return -1;
  }

  timeOf(i: number): Date {
    return new Date(T0 + i * ITEM_SPACING_MS);
  }

  private identityOf(publisher: number, project: string, i: number): SignerRef {
    return { type: 'identity', publisher, project, epoch: Math.floor(i / CERT_EPOCH_ITEMS) };
  }

  plan(i: number): ItemPlan {
    const { group, rank } = this.slot(i);
    const r = rngFor(this.seed, 'item', i);
    const time = this.timeOf(i);
    if (group === 'hashedrekord') {
      const subject = this.artifact(Math.floor(rank / 4));
      const role = (rank % 4) as 0 | 1 | 2 | 3;
      const owner = subject.owner;
      let signer: SignerRef;
      if (role === 0)
        signer = subject.compromised ? { type: 'compromised' } : this.identityOf(owner, subject.project, i);
      else if (role === 1) signer = { type: 'key', publisher: owner, alg: 'ecdsa' };
      else if (role === 2)
        signer = {
          type: 'key',
          publisher: REGISTRIES.findIndex(([, e]) => e === subject.ecosystem),
          alg: 'ecdsa',
        };
      else {
        let consumer = this.ownerRank(r);
        if (consumer === owner) consumer = consumer + 1 < PUBLISHER_COUNT ? consumer + 1 : FIRST_OWNER;
        signer = { type: 'key', publisher: consumer, alg: 'ecdsa' };
      }
      return { index: i, kind: 'hashedrekord', group, time, signer, subject, role };
    }
    if (group === 'provenance') {
      const a = Math.floor((4 * rank) / 3);
      const subject = this.artifact(a);
      const owner = this.publisher(subject.owner);
      if (r.chance(0.03)) {
        return {
          index: i,
          kind: 'slsa-vsa',
          group,
          time,
          signer: { type: 'key', publisher: 4, alg: 'ed25519' },
          subject,
          passed: r.chance(0.95),
          level: r.chance(0.7) ? 'SLSA_BUILD_LEVEL_3' : 'SLSA_BUILD_LEVEL_2',
        };
      }
      const materials: Material[] = [];
      const seen = new Set<string>();
      const add = (m: Material) => {
        const k = m.type === 'artifact' ? `a${m.artifact.index}` : m.pkg.purl;
        if (!seen.has(k)) {
          seen.add(k);
          materials.push(m);
        }
      };
      // The first provenance statements after the window always build on a compromised artifact.
      const firstAfter = Math.ceil((3 * (this.windowEnd + 1)) / 4);
      const victimBoost = rank >= firstAfter && rank < firstAfter + 3 ? 1 : 0.15;
      if (a > this.windowStart && r.chance(victimBoost)) {
        const c = this.drawCompromised(r, a);
        if (c !== undefined) add({ type: 'artifact', artifact: this.artifact(c) });
      }
      const count = r.pareto(1, 1.2, 20);
      for (let k = 0; materials.length < count && k < count * 3; k++) {
        const c = r.chance(0.6) ? this.drawEarlierArtifact(r, a) : undefined;
        if (c !== undefined) add({ type: 'artifact', artifact: this.artifact(c) });
        else {
          const { j, v } = this.drawPackage(r);
          add({ type: 'package', pkg: this.packageVersion(j, v) });
        }
      }
      const ci = owner.kind === 'org';
      return {
        index: i,
        kind: 'slsa-provenance',
        group,
        time,
        signer: ci
          ? this.identityOf(owner.index, subject.project, i)
          : { type: 'key', publisher: owner.index, alg: 'ed25519' },
        subject,
        builderId: ci
          ? 'https://github.com/actions/runner/github-hosted'
          : r.pick([
              'https://cloudbuild.googleapis.com/GoogleHostedWorker',
              'https://gitlab.com/gitlab-org/gitlab-runner/saas-linux-small-amd64',
            ]),
        buildType: ci
          ? 'https://actions.github.io/buildtypes/workflow/v1'
          : 'https://slsa-framework.github.io/generic-buildtypes/v1',
        repository: `https://github.com/${owner.name}/${subject.project}`,
        commit: derive(this.seed, 'commit', a).subarray(0, 20).toString('hex'),
        workflowPath: '.github/workflows/release.yml',
        runId: 9_000_000_000 + i,
        materials,
      };
    }
    // SBOM of an application
    const a = 4 * rank + 3;
    const subject = this.artifact(a);
    const owner = this.publisher(subject.owner);
    const count = r.pareto(13, 1.6, 2000);
    const components: Component[] = [];
    const seen = new Set<string>();
    const push = (key: string, target: Material, byDigest: boolean) => {
      if (seen.has(key)) return;
      seen.add(key);
      components.push({ ref: `c${components.length}`, target, byDigest, direct: false });
    };
    if (r.chance(0.15)) {
      const c = this.drawCompromised(r, a);
      if (c !== undefined) push(`a${c}`, { type: 'artifact', artifact: this.artifact(c) }, true);
    }
    for (let k = 0; components.length < count && k < count * 3; k++) {
      const c = r.chance(0.1) ? this.drawEarlierArtifact(r, a) : undefined;
      if (c !== undefined) push(`a${c}`, { type: 'artifact', artifact: this.artifact(c) }, true);
      else {
        const { j, v } = this.drawPackage(r);
        push(`p${j}@${v}`, { type: 'package', pkg: this.packageVersion(j, v) }, r.chance(0.6));
      }
    }
    const direct = Math.max(1, Math.ceil(components.length / 4));
    const withDirect = components.map((c, k) => (k < direct ? { ...c, direct: true } : c));
    const signerDraw = r.weighted([40, 30, 30]);
    const signer: SignerRef =
      signerDraw === 0
        ? { type: 'key', publisher: owner.index, alg: 'ed25519' }
        : signerDraw === 1
          ? { type: 'key', publisher: owner.index, alg: 'ecdsa' }
          : this.identityOf(owner.index, subject.project, i);
    return {
      index: i,
      kind: r.chance(0.7) ? 'cyclonedx' : 'spdx',
      group,
      time,
      signer,
      subject,
      components: withDirect,
    };
  }
}

/** A package-URL (purl-spec) for a package version; `namespace` is the npm scope or Maven groupId. */
export function packagePurl(
  ecosystem: Ecosystem,
  namespace: string | undefined,
  name: string,
  version: string,
): string {
  switch (ecosystem) {
    case 'npm':
      return namespace ? `pkg:npm/%40${namespace}/${name}@${version}` : `pkg:npm/${name}@${version}`;
    case 'pypi':
      return `pkg:pypi/${name}@${version}`;
    case 'maven':
      return `pkg:maven/${namespace ?? `io.github.${name}`}/${name}@${version}`;
    case 'oci':
      return `pkg:oci/${name}@${version}`;
  }
}
