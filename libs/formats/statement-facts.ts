/**
 * factsFromStatement: one parsed in-toto Statement -> Facts, dispatching on predicateType.
 * Unknown predicate types are kept (statement and subject facts only), never rejected.
 */
import { isAttestryError } from '../core/index.js';
import { parseCycloneDx } from './cyclonedx/bom.js';
import { FactsBuilder, type Facts, type PendingNode, type PredicateKind } from './facts.js';
import type { Statement } from './in-toto/statement.js';
import { NPM_PUBLISH_V01, publicationFacts } from './npm/publish.js';
import { assertJsonDepth, malformed } from './problems.js';
import { recordSbom, type SbomDocument } from './sbom-graph.js';
import { provenanceFacts, slsaVersionOf } from './slsa/provenance.js';
import { isSpdx3, parseSpdx3 } from './spdx/spdx3.js';
import { parseSpdx2 } from './spdx/spdx2.js';
import { SLSA_VSA_PREFIX, verificationFacts, vsaVersionOf } from './vsa/vsa.js';

export const SLSA_PROVENANCE_PREFIX = 'https://slsa.dev/provenance/';
/** in-toto predicates/spdx.md: `https://spdx.dev/Document`, optionally `/v<spdx version>`. */
export const SPDX_PREDICATE_TYPE = 'https://spdx.dev/Document';
/** in-toto predicates/cyclonedx.md: `https://cyclonedx.org/bom`, optionally `/v<version>`. */
export const CYCLONEDX_PREDICATE_TYPE = 'https://cyclonedx.org/bom';

function isFamily(predicateType: string, base: string): boolean {
  return predicateType === base || predicateType.startsWith(`${base}/`);
}

export function predicateKindOf(predicateType: string): PredicateKind {
  if (predicateType.startsWith(SLSA_PROVENANCE_PREFIX)) return 'slsa-provenance';
  if (predicateType.startsWith(SLSA_VSA_PREFIX)) return 'slsa-vsa';
  if (predicateType === NPM_PUBLISH_V01) return 'npm-publish';
  if (isFamily(predicateType, SPDX_PREDICATE_TYPE)) return 'spdx';
  if (isFamily(predicateType, CYCLONEDX_PREDICATE_TYPE)) return 'cyclonedx';
  return 'unknown';
}

function asDocument(predicate: unknown, what: string): Record<string, unknown> {
  if (predicate === null || typeof predicate !== 'object' || Array.isArray(predicate))
    throw malformed(what, 'predicate is not a JSON object');
  return predicate as Record<string, unknown>;
}

/**
 * Turns a parsed Statement (parseStatement / parseStatementPayload) into Facts. Pure; time and
 * memory linear in the size of the statement. Throws FORMAT_MALFORMED when the predicate of a
 * known type does not parse; a known type in a version we do not read yields statement facts
 * with `unsupported` set.
 */
export function factsFromStatement(statement: Statement): Facts {
  const { predicateType } = statement;
  const kind = predicateKindOf(predicateType);
  assertJsonDepth(statement.predicate, `${predicateType} predicate`);
  const b = new FactsBuilder(`${predicateType} predicate`);

  const subjects = statement.subject.map((rd) =>
    b.ref({
      digest: rd.digest ?? {},
      ...(rd.name !== undefined ? { name: rd.name } : {}),
      ...(rd.uri !== undefined ? { uri: rd.uri } : {}),
    }),
  );
  const subjectNodes: PendingNode[] = [];
  for (const s of subjects) {
    const n = b.addArtifact(s, 'subject');
    if (n !== undefined) subjectNodes.push(n);
  }
  const base = { kind, statement: { type: statement._type, predicateType, subjects }, components: [] };
  const done = (extra: Partial<Facts> = {}): Facts => ({ ...base, ...b.build(), ...extra });

  try {
    switch (kind) {
      case 'slsa-provenance': {
        const version = slsaVersionOf(predicateType);
        if (version === undefined)
          return done({ unsupported: `SLSA provenance ${predicateType} (supported: v0.1, v0.2, v1)` });
        const provenance = provenanceFacts(statement.predicate, version, b);
        return done({ provenance });
      }
      case 'slsa-vsa': {
        const version = vsaVersionOf(predicateType);
        if (version === undefined)
          return done({ unsupported: `SLSA VSA ${predicateType} (supported: v0.2, v1)` });
        const verification = verificationFacts(statement.predicate, version, b);
        return done({ verification });
      }
      case 'npm-publish': {
        const { fact, purl } = publicationFacts(statement.predicate);
        b.addPackage(purl);
        for (const n of subjectNodes) b.addPurls(n, [purl]);
        return done({ publication: fact });
      }
      case 'spdx':
      case 'cyclonedx': {
        const doc = asDocument(statement.predicate, `${predicateType} predicate`);
        let sbom: SbomDocument;
        if (kind === 'cyclonedx') sbom = parseCycloneDx(doc);
        else sbom = isSpdx3(doc) ? parseSpdx3(doc) : parseSpdx2(doc);
        const recorded = recordSbom(b, sbom);
        for (const n of subjectNodes) b.addPurls(n, recorded.rootPurls);
        return done({ components: recorded.components, sbom: recorded.sbom });
      }
      case 'unknown':
        return done();
    }
  } catch (e) {
    if (isAttestryError(e, 'FORMAT_UNSUPPORTED')) return done({ unsupported: e.message });
    throw e;
  }
}
