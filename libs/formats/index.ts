/**
 * libs/formats: documents -> facts. Pure (no I/O, no environment, no clock); every input is
 * attacker-controlled and is parsed with zod before use. Failures are AttestryError with code
 * FORMAT_MALFORMED (the document is wrong; the message names the field and why) or
 * FORMAT_UNSUPPORTED (a payload type or format version this library does not read).
 * See README.md for the facts model and its rules.
 */

// DSSE (secure-systems-lab/dsse)
export {
  DsseEnvelope,
  IN_TOTO_PAYLOAD_TYPE,
  decodeDsseBase64,
  decodeDsseEnvelope,
  parseDsseEnvelope,
  preAuthEncoding,
  type DecodedDsseEnvelope,
} from './dsse/envelope.js';

// in-toto Statement v1 (and legacy v0.1)
export {
  STATEMENT_TYPE_V01,
  STATEMENT_TYPE_V1,
  parseStatement,
  parseStatementPayload,
  type ResourceDescriptor,
  type Statement,
} from './in-toto/statement.js';

// Statement -> facts
export {
  CYCLONEDX_PREDICATE_TYPE,
  SPDX_PREDICATE_TYPE,
  factsFromStatement,
  predicateKindOf,
} from './statement-facts.js';
export { SLSA_PROVENANCE_V01, SLSA_PROVENANCE_V02, SLSA_PROVENANCE_V1 } from './slsa/provenance.js';
export { SLSA_VSA_V02, SLSA_VSA_V1 } from './vsa/vsa.js';
export { NPM_PUBLISH_V01 } from './npm/publish.js';
export { SUPPORTED_CYCLONEDX_VERSIONS } from './cyclonedx/bom.js';
export type {
  ArtifactFact,
  ArtifactRef,
  ArtifactRole,
  ComponentFact,
  EdgeFact,
  EdgeRelationship,
  Facts,
  NodeRef,
  PackageFact,
  PackageVersionKey,
  PredicateKind,
  ProvenanceFact,
  PublicationFact,
  SbomFact,
  StatementFact,
  VerificationFact,
} from './facts.js';

// Identifiers, normalized the same way for indexing and for queries
export {
  IDENTITY_ALGORITHMS,
  parseArtifactKey,
  type ArtifactKey,
  type DigestSet,
  type IdentityAlgorithm,
} from './digest.js';
export { canonicalPurl, packageOf, parsePurl, type Purl } from './purl/purl.js';
