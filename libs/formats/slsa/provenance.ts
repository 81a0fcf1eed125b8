/**
 * SLSA provenance predicates -> ProvenanceFact:
 *   v1   https://slsa.dev/provenance/v1   (slsa.dev/spec/v1.0/provenance; also the pre-release
 *        `v1.0?draft`, which has the same required fields)
 *   v0.2 https://slsa.dev/provenance/v0.2 (slsa.dev/provenance/v0.2)
 *   v0.1 https://slsa.dev/provenance/v0.1 (slsa.dev/provenance/v0.1; Google Cloud Build)
 * Unknown fields are ignored, as the SLSA specs require of consumers. Every value is
 * attacker-controlled: the builder id is what the signer claims, not who signed.
 */
import { z } from 'zod';
import { DigestSetSchema, ResourceDescriptorSchema } from '../in-toto/statement.js';
import type { FactsBuilder, ProvenanceFact, RefInput, ArtifactRef } from '../facts.js';
import { parseWith } from '../problems.js';
import { Rfc3339Timestamp } from '../timestamp.js';

export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const SLSA_PROVENANCE_V1_DRAFT = 'https://slsa.dev/provenance/v1.0?draft';
export const SLSA_PROVENANCE_V02 = 'https://slsa.dev/provenance/v0.2';
export const SLSA_PROVENANCE_V01 = 'https://slsa.dev/provenance/v0.1';

/** RFC 3339 timestamp (SLSA "Timestamp"). */
const Timestamp = Rfc3339Timestamp;

const ProvenanceV1 = z.object({
  buildDefinition: z.object({
    buildType: z.string().min(1),
    externalParameters: z.record(z.string(), z.unknown()),
    internalParameters: z.unknown().optional(),
    resolvedDependencies: z.array(ResourceDescriptorSchema).optional(),
  }),
  runDetails: z.object({
    builder: z.object({ id: z.string().min(1) }),
    metadata: z
      .object({
        invocationId: z.string().optional(),
        startedOn: Timestamp.optional(),
        finishedOn: Timestamp.optional(),
      })
      .optional(),
  }),
});

/** v0.2 / v0.1 material: uri and digest, both optional in the spec. */
const Material = z.object({ uri: z.string().optional(), digest: DigestSetSchema.optional() });

const LegacyMetadata = z
  .object({
    buildInvocationId: z.string().optional(),
    // slsa-github-generator writes "buildInvocationID"; accepted as the same field.
    buildInvocationID: z.string().optional(),
    buildStartedOn: Timestamp.optional(),
    buildFinishedOn: Timestamp.optional(),
  })
  .optional();

const ProvenanceV02 = z.object({
  builder: z.object({ id: z.string().min(1) }),
  buildType: z.string().min(1),
  invocation: z
    .object({
      configSource: z
        .object({
          uri: z.string().optional(),
          digest: DigestSetSchema.optional(),
          entryPoint: z.string().optional(),
        })
        .optional(),
      parameters: z.unknown().optional(),
    })
    .optional(),
  metadata: LegacyMetadata,
  materials: z.array(Material).optional(),
});

const ProvenanceV01 = z.object({
  builder: z.object({ id: z.string().min(1) }),
  recipe: z
    .object({
      type: z.string().min(1),
      definedInMaterial: z.number().int().nonnegative().optional(),
      entryPoint: z.string().optional(),
      arguments: z.unknown().optional(),
    })
    .optional(),
  metadata: LegacyMetadata,
  materials: z.array(Material).optional(),
});

export type SlsaVersion = ProvenanceFact['slsaVersion'];

export function slsaVersionOf(predicateType: string): SlsaVersion | undefined {
  if (predicateType === SLSA_PROVENANCE_V1 || predicateType === SLSA_PROVENANCE_V1_DRAFT) return '1';
  if (predicateType === SLSA_PROVENANCE_V02) return '0.2';
  if (predicateType === SLSA_PROVENANCE_V01) return '0.1';
  return undefined;
}

interface Source {
  uri?: string;
  digest?: Readonly<Record<string, string>>;
}

/** `git+https://github.com/o/r@refs/heads/main` -> repository `https://github.com/o/r`, ref `refs/heads/main`. */
export function splitSourceUri(uri: string): { repository: string; ref?: string } {
  const u = uri.startsWith('git+') ? uri.slice(4) : uri;
  const scheme = u.indexOf('://');
  // The '@' that starts a ref comes after the authority (which may hold user@host).
  const pathStart = scheme >= 0 ? u.indexOf('/', scheme + 3) : 0;
  const at = pathStart >= 0 ? u.indexOf('@', pathStart) : -1;
  if (at < 0) return { repository: u };
  return { repository: u.slice(0, at), ref: u.slice(at + 1) };
}

function isGitSource(s: Source): boolean {
  return (s.uri !== undefined && s.uri.startsWith('git+')) || s.digest?.gitCommit !== undefined;
}

function sameRepository(a: string, b: string): boolean {
  const norm = (s: string) =>
    s
      .replace(/\.git$/, '')
      .replace(/\/+$/, '')
      .toLowerCase();
  return norm(a) === norm(b);
}

function sourceFields(
  s: Source | undefined,
): Pick<ProvenanceFact, 'sourceRepository' | 'sourceRef' | 'sourceRevision'> {
  if (s === undefined) return {};
  const split = s.uri === undefined ? undefined : splitSourceUri(s.uri);
  const revision = s.digest?.gitCommit ?? s.digest?.sha1;
  return {
    ...(split !== undefined ? { sourceRepository: split.repository } : {}),
    ...(split?.ref !== undefined ? { sourceRef: split.ref } : {}),
    ...(revision !== undefined ? { sourceRevision: revision } : {}),
  };
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function asSource(v: unknown): Source | undefined {
  if (typeof v === 'string') return { uri: v };
  const o = asObject(v);
  if (o === undefined) return undefined;
  const uri = typeof o.uri === 'string' ? o.uri : undefined;
  const digestParsed = DigestSetSchema.safeParse(o.digest);
  const digest = digestParsed.success ? digestParsed.data : undefined;
  if (uri === undefined && digest === undefined) return asSource(o.artifact);
  return { ...(uri !== undefined ? { uri } : {}), ...(digest !== undefined ? { digest } : {}) };
}

function hasDigest(m: Source): m is Source & { digest: Readonly<Record<string, string>> } {
  return m.digest !== undefined && Object.keys(m.digest).length > 0;
}

function materialRefs(b: FactsBuilder, materials: readonly Source[]): ArtifactRef[] {
  // resource_descriptor.md: only one of uri, digest, content is required; a material counts
  // when it has a digest, whatever its uri looks like.
  return materials
    .filter(hasDigest)
    .map((m) =>
      b.ref({ digest: m.digest, ...(m.uri !== undefined ? { uri: m.uri } : {}) } satisfies RefInput),
    );
}

/** Parses a SLSA provenance predicate and records its facts (materials, BUILT_FROM edges). */
export function provenanceFacts(predicate: unknown, version: SlsaVersion, b: FactsBuilder): ProvenanceFact {
  const fact =
    version === '1' ? fromV1(predicate) : version === '0.2' ? fromV02(predicate) : fromV01(predicate);
  const materials = materialRefs(b, fact.materials);
  for (const m of materials) {
    const node = b.addArtifact(m, 'material');
    if (node !== undefined) b.addEdge({ kind: 'subject' }, node, 'BUILT_FROM', 'provenance');
  }
  return { ...fact.fact, materials };
}

interface ParsedProvenance {
  fact: Omit<ProvenanceFact, 'materials'>;
  materials: Source[];
}

function fromV1(predicate: unknown): ParsedProvenance {
  const p = parseWith(ProvenanceV1, predicate, 'SLSA provenance v1', 'predicate');
  const deps = p.buildDefinition.resolvedDependencies ?? [];
  const ext = p.buildDefinition.externalParameters;
  const workflow = asObject(ext.workflow);
  const repoHint = typeof workflow?.repository === 'string' ? workflow.repository : undefined;
  const gitDeps = deps.filter(isGitSource);
  const source =
    (repoHint === undefined
      ? undefined
      : gitDeps.find(
          (d) => d.uri !== undefined && sameRepository(splitSourceUri(d.uri).repository, repoHint),
        )) ??
    gitDeps[0] ??
    asSource(ext.source);
  let fields = sourceFields(source);
  if (fields.sourceRepository === undefined && repoHint !== undefined) {
    fields = {
      ...fields,
      sourceRepository: repoHint,
      ...(typeof workflow?.ref === 'string' ? { sourceRef: workflow.ref } : {}),
    };
  }
  const md = p.runDetails.metadata;
  return {
    fact: {
      slsaVersion: '1',
      builderId: p.runDetails.builder.id,
      buildType: p.buildDefinition.buildType,
      externalParameters: ext,
      ...(typeof workflow?.path === 'string' ? { entryPoint: workflow.path } : {}),
      ...fields,
      ...(md?.invocationId !== undefined ? { invocationId: md.invocationId } : {}),
      ...(md?.startedOn !== undefined ? { startedOn: md.startedOn } : {}),
      ...(md?.finishedOn !== undefined ? { finishedOn: md.finishedOn } : {}),
    },
    materials: deps,
  };
}

function legacyInvocation(
  md: z.infer<typeof LegacyMetadata>,
): Pick<ProvenanceFact, 'invocationId' | 'startedOn' | 'finishedOn'> {
  const id = md?.buildInvocationId ?? md?.buildInvocationID;
  return {
    ...(id !== undefined ? { invocationId: id } : {}),
    ...(md?.buildStartedOn !== undefined ? { startedOn: md.buildStartedOn } : {}),
    ...(md?.buildFinishedOn !== undefined ? { finishedOn: md.buildFinishedOn } : {}),
  };
}

function fromV02(predicate: unknown): ParsedProvenance {
  const p = parseWith(ProvenanceV02, predicate, 'SLSA provenance v0.2', 'predicate');
  const materials = p.materials ?? [];
  const config = p.invocation?.configSource;
  const source =
    config !== undefined && (config.uri !== undefined || config.digest !== undefined)
      ? config
      : materials.find(isGitSource);
  return {
    fact: {
      slsaVersion: '0.2',
      builderId: p.builder.id,
      buildType: p.buildType,
      ...(p.invocation?.parameters !== undefined ? { externalParameters: p.invocation.parameters } : {}),
      ...(config?.entryPoint !== undefined ? { entryPoint: config.entryPoint } : {}),
      ...sourceFields(source),
      ...legacyInvocation(p.metadata),
    },
    materials,
  };
}

function fromV01(predicate: unknown): ParsedProvenance {
  const p = parseWith(ProvenanceV01, predicate, 'SLSA provenance v0.1', 'predicate');
  const materials = p.materials ?? [];
  const defined = p.recipe?.definedInMaterial;
  const source = (defined !== undefined ? materials[defined] : undefined) ?? materials.find(isGitSource);
  return {
    fact: {
      slsaVersion: '0.1',
      builderId: p.builder.id,
      ...(p.recipe !== undefined ? { buildType: p.recipe.type } : {}),
      ...(p.recipe?.arguments !== undefined ? { externalParameters: p.recipe.arguments } : {}),
      ...(p.recipe?.entryPoint !== undefined ? { entryPoint: p.recipe.entryPoint } : {}),
      ...sourceFields(source),
      ...legacyInvocation(p.metadata),
    },
    materials,
  };
}
