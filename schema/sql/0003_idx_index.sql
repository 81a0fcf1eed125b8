-- The index (schema idx): a replayable projection of the log, written only by the indexer
-- (services/indexer, libs/db/idx-store.ts). Design and the argument for idempotence and
-- commutativity: docs/design/0004-index.md.
--
-- Two kinds of rows:
--   * facts, each stated by one log entry: their key starts with (or contains) log_index, the
--     evidence; an entry's facts are a pure function of the entry, so they are written with
--     INSERT ... ON CONFLICT DO NOTHING and never updated;
--   * entities the facts name (artifacts by digest, packages, package versions, signers): pure
--     existence, inserted with ON CONFLICT DO NOTHING; their evidence is the facts that name them.
-- The one derived, updated column is idx.artifacts.artifact (the smallest digest of the
-- artifact's connected component in idx.artifact_aliases), a function of the set of alias facts.
--
-- Digests are `<alg>:<lowercase hex>` text in the "C" collation, so that `min()` prefers sha256 over
-- sha384 over sha512 and comparisons do not depend on the server's locale.
-- Long attacker-controlled text in key or indexed columns is bounded by libs/db/idx-store.ts
-- (boundedText) so that no value can exceed a B-tree entry and block a partition.

-- ---- log entries -------------------------------------------------------------------------------

CREATE TABLE idx.entries (
  log_index        bigint PRIMARY KEY,
  leaf_hash        bytea NOT NULL,
  kind             text NOT NULL,
  integrated_time  timestamptz NOT NULL,
  attestation_hash bytea,
  outcome          text NOT NULL,
  CONSTRAINT entries_kind CHECK (kind IN ('hashedrekord', 'dsse')),
  CONSTRAINT entries_outcome CHECK (outcome IN ('indexed', 'unparsed')),
  CONSTRAINT entries_leaf_hash_len CHECK (octet_length(leaf_hash) = 32)
);
COMMENT ON TABLE idx.entries IS 'Every log entry the index has projected, one row each: the evidence every other fact points to by log_index, and the count behind the lag metric.';
COMMENT ON COLUMN idx.entries.log_index IS 'Index of the entry in the transparency log (tlog.entries.log_index).';
COMMENT ON COLUMN idx.entries.leaf_hash IS 'RFC 6962 leaf hash of the entry body (the entry id), as checked against tlog.entries.';
COMMENT ON COLUMN idx.entries.kind IS 'Rekor v1 entry kind: hashedrekord or dsse.';
COMMENT ON COLUMN idx.entries.integrated_time IS 'When the log integrated the entry (tlog.entries.integrated_time).';
COMMENT ON COLUMN idx.entries.attestation_hash IS 'SHA-256 of the DSSE envelope the entry commits to (tlog.attestations.hash); NULL for hashedrekord.';
COMMENT ON COLUMN idx.entries.outcome IS 'indexed: its facts are in the index; unparsed: its attestation could not be read (see idx.unparsed_statements).';
CREATE INDEX entries_integrated_time ON idx.entries (integrated_time);

-- ---- artifacts -------------------------------------------------------------------------------

CREATE TABLE idx.artifacts (
  digest    text COLLATE "C" PRIMARY KEY,
  algorithm text NOT NULL,
  artifact  text COLLATE "C" NOT NULL,
  CONSTRAINT artifacts_digest CHECK (digest ~ '^(sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128})$'),
  CONSTRAINT artifacts_algorithm CHECK (algorithm = split_part(digest, ':', 1)),
  -- The representative is the smallest digest of the component, so never above the row's own.
  CONSTRAINT artifacts_representative CHECK (artifact <= digest)
);
COMMENT ON TABLE idx.artifacts IS 'One row per identity digest (sha256, sha384, sha512) any fact names. An artifact is a connected component of idx.artifact_aliases; its rows share the column artifact.';
COMMENT ON COLUMN idx.artifacts.digest IS 'The digest, <alg>:<lowercase hex>.';
COMMENT ON COLUMN idx.artifacts.algorithm IS 'sha256, sha384 or sha512.';
COMMENT ON COLUMN idx.artifacts.artifact IS 'The artifact this digest belongs to: the smallest digest (C collation, so a sha256 when the artifact has one) of its alias component. Derived; maintained by the indexer under the merge lock.';
CREATE INDEX artifacts_artifact ON idx.artifacts (artifact);

CREATE TABLE idx.artifact_aliases (
  digest    text COLLATE "C" NOT NULL,
  alias     text COLLATE "C" NOT NULL,
  log_index bigint NOT NULL,
  PRIMARY KEY (digest, alias, log_index),
  CONSTRAINT artifact_aliases_distinct CHECK (digest <> alias)
);
COMMENT ON TABLE idx.artifact_aliases IS 'A statement names two identity digests of one artifact (one digest set): both directions are stored, so the alias graph is symmetric and a component is reachable from any digest.';
COMMENT ON COLUMN idx.artifact_aliases.digest IS 'One digest of the set.';
COMMENT ON COLUMN idx.artifact_aliases.alias IS 'Another digest of the same set.';
COMMENT ON COLUMN idx.artifact_aliases.log_index IS 'Evidence: the entry whose statement names both digests in one digest set.';

CREATE TABLE idx.artifact_names (
  digest    text COLLATE "C" NOT NULL,
  kind      text NOT NULL,
  name      text NOT NULL,
  log_index bigint NOT NULL,
  PRIMARY KEY (digest, kind, name, log_index),
  CONSTRAINT artifact_names_kind CHECK (kind IN ('name', 'uri'))
);
COMMENT ON TABLE idx.artifact_names IS 'Names and URIs statements give an artifact (subject names, SBOM component names, material URIs).';
COMMENT ON COLUMN idx.artifact_names.digest IS 'The first identity digest of the artifact as the statement names it (sha256 before sha384 before sha512); resolve with idx.artifacts.artifact.';
COMMENT ON COLUMN idx.artifact_names.kind IS 'name (a resource descriptor name, a component name) or uri.';
COMMENT ON COLUMN idx.artifact_names.name IS 'The name or URI as stated (bounded in length by the indexer).';
COMMENT ON COLUMN idx.artifact_names.log_index IS 'Evidence: the entry that states it.';
CREATE INDEX artifact_names_log_index ON idx.artifact_names (log_index);

CREATE TABLE idx.artifact_purls (
  digest          text COLLATE "C" NOT NULL,
  purl            text NOT NULL,
  package_version text NOT NULL,
  log_index       bigint NOT NULL,
  PRIMARY KEY (digest, purl, log_index)
);
COMMENT ON TABLE idx.artifact_purls IS 'Package URLs statements give an artifact: a subject or component named by a purl, an SBOM root''s purl, an npm publish attestation.';
COMMENT ON COLUMN idx.artifact_purls.digest IS 'The first identity digest of the artifact as the statement names it; resolve with idx.artifacts.artifact.';
COMMENT ON COLUMN idx.artifact_purls.purl IS 'Canonical purl with qualifiers and subpath (libs/formats canonicalPurl).';
COMMENT ON COLUMN idx.artifact_purls.package_version IS 'The package version key (purl without qualifiers or subpath, with @version when known): idx.package_versions.key.';
COMMENT ON COLUMN idx.artifact_purls.log_index IS 'Evidence: the entry that states it.';
CREATE INDEX artifact_purls_package_version ON idx.artifact_purls (package_version) INCLUDE (digest);
CREATE INDEX artifact_purls_log_index ON idx.artifact_purls (log_index);

-- ---- packages --------------------------------------------------------------------------------

CREATE TABLE idx.packages (
  purl text PRIMARY KEY,
  type text NOT NULL
);
COMMENT ON TABLE idx.packages IS 'Packages (purl without version, qualifiers or subpath) that any fact names.';
COMMENT ON COLUMN idx.packages.purl IS 'Canonical package purl, e.g. pkg:npm/%40scope/name.';
COMMENT ON COLUMN idx.packages.type IS 'The purl type (npm, maven, pypi, golang, ...).';

CREATE TABLE idx.package_versions (
  key     text PRIMARY KEY,
  package text NOT NULL,
  version text
);
COMMENT ON TABLE idx.package_versions IS 'Package versions that any fact names; edges to a package version reach every artifact carrying that purl (idx.artifact_purls.package_version).';
COMMENT ON COLUMN idx.package_versions.key IS 'Canonical purl without qualifiers or subpath, with @version when known: pkg:npm/sigstore@2.3.1.';
COMMENT ON COLUMN idx.package_versions.package IS 'The package (idx.packages.purl).';
COMMENT ON COLUMN idx.package_versions.version IS 'The version, or NULL when the purl names none.';
CREATE INDEX package_versions_package ON idx.package_versions (package);

-- ---- signers and signatures ------------------------------------------------------------------

CREATE TABLE idx.signers (
  signer_id             text PRIMARY KEY,
  kind                  text NOT NULL,
  key_id                text NOT NULL,
  key_algorithm         text,
  identity              text,
  san_type              text,
  issuer                text,
  ci_repository         text,
  ci_workflow           text,
  ci_ref                text,
  ci_revision           text,
  ci_trigger            text,
  ci_runner_environment text,
  ci_build_signer       text,
  ci_run_invocation     text,
  claims                jsonb NOT NULL,
  not_before            timestamptz,
  not_after             timestamptz,
  CONSTRAINT signers_kind CHECK (kind IN ('key', 'certificate'))
);
COMMENT ON TABLE idx.signers IS 'The verifiers logged entries record: public keys, and certificates with their identity (SAN, OIDC issuer, Fulcio CI claims). The log verified them when it appended the entry.';
COMMENT ON COLUMN idx.signers.signer_id IS 'sha256:<hex> of the logged verifier''s DER: the SubjectPublicKeyInfo for a key (then equal to key_id), the certificate for a certificate.';
COMMENT ON COLUMN idx.signers.kind IS 'key or certificate.';
COMMENT ON COLUMN idx.signers.key_id IS 'sha256:<hex SHA-256 of the DER SubjectPublicKeyInfo> of the key (a certificate''s public key for a certificate).';
COMMENT ON COLUMN idx.signers.key_algorithm IS 'ecdsa-p256, ecdsa-p384, ed25519, rsa or rsa-pss; NULL when not recognised.';
COMMENT ON COLUMN idx.signers.identity IS 'Certificate subject alternative name (URI, email or Fulcio username); NULL for keys.';
COMMENT ON COLUMN idx.signers.san_type IS 'uri, email or username.';
COMMENT ON COLUMN idx.signers.issuer IS 'OIDC issuer (Fulcio extension 1.3.6.1.4.1.57264.1.8, else the deprecated .1.1).';
COMMENT ON COLUMN idx.signers.ci_repository IS 'Source repository URL: Fulcio Source Repository URI (.1.12), else https://github.com/ + GitHub Workflow Repository (.1.5) for GitHub Actions.';
COMMENT ON COLUMN idx.signers.ci_workflow IS 'The workflow that ran: Fulcio Build Config URI (.1.18), e.g. https://github.com/o/r/.github/workflows/release.yml@refs/heads/main.';
COMMENT ON COLUMN idx.signers.ci_ref IS 'Source Repository Ref (.1.14), else GitHub Workflow Ref (.1.6).';
COMMENT ON COLUMN idx.signers.ci_revision IS 'Source Repository Digest (.1.13), else GitHub Workflow SHA (.1.3).';
COMMENT ON COLUMN idx.signers.ci_trigger IS 'Build Trigger (.1.20), else GitHub Workflow Trigger (.1.2).';
COMMENT ON COLUMN idx.signers.ci_runner_environment IS 'Runner Environment (.1.11): github-hosted or self-hosted.';
COMMENT ON COLUMN idx.signers.ci_build_signer IS 'Build Signer URI (.1.9): the (possibly reusable) workflow that signed.';
COMMENT ON COLUMN idx.signers.ci_run_invocation IS 'Run Invocation URI (.1.21): the CI run.';
COMMENT ON COLUMN idx.signers.claims IS 'Every Fulcio extension read from the certificate, by name (libs/verify FulcioExtensions); {} for keys.';
COMMENT ON COLUMN idx.signers.not_before IS 'Certificate validity start; NULL for keys.';
COMMENT ON COLUMN idx.signers.not_after IS 'Certificate validity end; NULL for keys.';
CREATE INDEX signers_key_id ON idx.signers (key_id);
CREATE INDEX signers_identity ON idx.signers (identity text_pattern_ops, issuer) WHERE identity IS NOT NULL;

CREATE TABLE idx.signatures (
  log_index       bigint NOT NULL,
  signer_id       text NOT NULL,
  digest          text COLLATE "C",
  integrated_time timestamptz NOT NULL,
  kind            text NOT NULL,
  key_id          text NOT NULL,
  identity        text,
  issuer          text,
  ci_repository   text,
  ci_workflow     text,
  PRIMARY KEY (log_index, signer_id),
  CONSTRAINT signatures_kind CHECK (kind IN ('key', 'certificate'))
);
COMMENT ON TABLE idx.signatures IS 'A signer signed a log entry: a DSSE statement (the statement''s subjects are what it signed, idx.statement_subjects) or, for hashedrekord, an artifact digest. Signer columns are copied here so that signer + time window queries use one index.';
COMMENT ON COLUMN idx.signatures.log_index IS 'Evidence: the entry carrying the signature.';
COMMENT ON COLUMN idx.signatures.signer_id IS 'The signer (idx.signers.signer_id).';
COMMENT ON COLUMN idx.signatures.digest IS 'hashedrekord: the signed artifact digest; NULL for dsse (see idx.statement_subjects).';
COMMENT ON COLUMN idx.signatures.integrated_time IS 'When the log integrated the entry: the time windows of signatures and blast radius filter on it.';
COMMENT ON COLUMN idx.signatures.kind IS 'Copy of idx.signers.kind.';
COMMENT ON COLUMN idx.signatures.key_id IS 'Copy of idx.signers.key_id.';
COMMENT ON COLUMN idx.signatures.identity IS 'Copy of idx.signers.identity.';
COMMENT ON COLUMN idx.signatures.issuer IS 'Copy of idx.signers.issuer.';
COMMENT ON COLUMN idx.signatures.ci_repository IS 'Copy of idx.signers.ci_repository.';
COMMENT ON COLUMN idx.signatures.ci_workflow IS 'Copy of idx.signers.ci_workflow.';
CREATE INDEX signatures_key_time ON idx.signatures (key_id, integrated_time);
CREATE INDEX signatures_identity_time ON idx.signatures (identity text_pattern_ops, issuer, integrated_time)
  WHERE identity IS NOT NULL;
CREATE INDEX signatures_issuer_time ON idx.signatures (issuer, integrated_time) WHERE issuer IS NOT NULL;
CREATE INDEX signatures_repository_time ON idx.signatures (ci_repository, integrated_time)
  WHERE ci_repository IS NOT NULL;
CREATE INDEX signatures_workflow_time ON idx.signatures (ci_workflow text_pattern_ops, integrated_time)
  WHERE ci_workflow IS NOT NULL;
CREATE INDEX signatures_digest ON idx.signatures (digest) WHERE digest IS NOT NULL;
CREATE INDEX signatures_signer ON idx.signatures (signer_id);

-- ---- statements ------------------------------------------------------------------------------

CREATE TABLE idx.statements (
  log_index        bigint PRIMARY KEY,
  statement_type   text NOT NULL,
  predicate_type   text NOT NULL,
  predicate_kind   text NOT NULL,
  integrated_time  timestamptz NOT NULL,
  attestation_hash bytea NOT NULL,
  subjects         jsonb NOT NULL,
  unsupported      text,
  CONSTRAINT statements_predicate_kind CHECK (
    predicate_kind IN ('slsa-provenance', 'slsa-vsa', 'npm-publish', 'spdx', 'cyclonedx', 'unknown'))
);
COMMENT ON TABLE idx.statements IS 'in-toto Statements carried by DSSE entries (also those whose predicate did not parse, which have a row in idx.unparsed_statements too).';
COMMENT ON COLUMN idx.statements.log_index IS 'Evidence: the entry carrying the statement.';
COMMENT ON COLUMN idx.statements.statement_type IS 'The Statement _type (https://in-toto.io/Statement/v1 or v0.1).';
COMMENT ON COLUMN idx.statements.predicate_type IS 'The predicateType as stated.';
COMMENT ON COLUMN idx.statements.predicate_kind IS 'What libs/formats read it as: slsa-provenance, slsa-vsa, npm-publish, spdx, cyclonedx or unknown.';
COMMENT ON COLUMN idx.statements.integrated_time IS 'When the log integrated the entry.';
COMMENT ON COLUMN idx.statements.attestation_hash IS 'SHA-256 of the DSSE envelope (tlog.attestations.hash): the gateway serves it at /api/v1/attestations/sha256:<hex>.';
COMMENT ON COLUMN idx.statements.subjects IS 'The subjects as stated (name, uri, normalized digest set), including digests that identify no artifact (gitCommit, gce_image_id, ...).';
COMMENT ON COLUMN idx.statements.unsupported IS 'Set when the predicate type is known but its version is not read: only statement and subject facts are indexed.';
CREATE INDEX statements_predicate_type ON idx.statements (predicate_type, integrated_time);

CREATE TABLE idx.statement_subjects (
  log_index bigint NOT NULL,
  digest    text COLLATE "C" NOT NULL,
  PRIMARY KEY (log_index, digest)
);
COMMENT ON TABLE idx.statement_subjects IS 'The artifacts a statement is about: every identity digest of every subject (an SBOM''s root is its subject).';
COMMENT ON COLUMN idx.statement_subjects.log_index IS 'Evidence: the statement''s entry.';
COMMENT ON COLUMN idx.statement_subjects.digest IS 'An identity digest of a subject; resolve with idx.artifacts.artifact.';
CREATE INDEX statement_subjects_digest ON idx.statement_subjects (digest, log_index);

-- ---- SBOMs and dependency edges --------------------------------------------------------------

CREATE TABLE idx.sboms (
  log_index       bigint PRIMARY KEY,
  format          text NOT NULL,
  spec_version    text NOT NULL,
  document_id     text,
  name            text,
  component_count integer NOT NULL,
  CONSTRAINT sboms_format CHECK (format IN ('cyclonedx', 'spdx'))
);
COMMENT ON TABLE idx.sboms IS 'SBOM predicates (CycloneDX, SPDX 2 and 3): one per statement.';
COMMENT ON COLUMN idx.sboms.log_index IS 'Evidence: the statement''s entry.';
COMMENT ON COLUMN idx.sboms.format IS 'cyclonedx or spdx.';
COMMENT ON COLUMN idx.sboms.spec_version IS 'Specification version as the document states it: 1.5, SPDX-2.3, 3.0.1.';
COMMENT ON COLUMN idx.sboms.document_id IS 'CycloneDX serialNumber, SPDX documentNamespace or SpdxDocument spdxId.';
COMMENT ON COLUMN idx.sboms.name IS 'Document name, when given.';
COMMENT ON COLUMN idx.sboms.component_count IS 'Number of components that are not roots (roots are the statement''s subject).';

CREATE TABLE idx.sbom_components (
  log_index       bigint NOT NULL,
  ref             text NOT NULL,
  name            text NOT NULL,
  version         text,
  type            text NOT NULL,
  purl            text,
  package_version text,
  digest          text COLLATE "C",
  digests         jsonb NOT NULL,
  scope           text,
  is_root         boolean NOT NULL,
  PRIMARY KEY (log_index, ref)
);
COMMENT ON TABLE idx.sbom_components IS 'Every component an SBOM lists, roots included (flagged), written with set-based inserts however many there are.';
COMMENT ON COLUMN idx.sbom_components.log_index IS 'Evidence: the SBOM statement''s entry.';
COMMENT ON COLUMN idx.sbom_components.ref IS 'Statement-local id: CycloneDX bom-ref, SPDX SPDXID / spdxId, or #<n> when the document gives none.';
COMMENT ON COLUMN idx.sbom_components.name IS 'Component name.';
COMMENT ON COLUMN idx.sbom_components.version IS 'Component version, when given.';
COMMENT ON COLUMN idx.sbom_components.type IS 'CycloneDX component type, or package / file for SPDX.';
COMMENT ON COLUMN idx.sbom_components.purl IS 'Canonical purl, when given.';
COMMENT ON COLUMN idx.sbom_components.package_version IS 'Its package version key (idx.package_versions.key), when it has a purl.';
COMMENT ON COLUMN idx.sbom_components.digest IS 'Its first identity digest, when it has one (the edges'' artifact node for it).';
COMMENT ON COLUMN idx.sbom_components.digests IS 'Its whole digest set as stated (normalized algorithm names), weak algorithms included.';
COMMENT ON COLUMN idx.sbom_components.scope IS 'CycloneDX scope or SPDX dependency kind, when given.';
COMMENT ON COLUMN idx.sbom_components.is_root IS 'True for a root (CycloneDX metadata.component, SPDX documentDescribes): the statement''s subject.';
CREATE INDEX sbom_components_package_version ON idx.sbom_components (package_version)
  WHERE package_version IS NOT NULL;
CREATE INDEX sbom_components_digest ON idx.sbom_components (digest) WHERE digest IS NOT NULL;

CREATE TABLE idx.edges (
  log_index    bigint NOT NULL,
  ordinal      integer NOT NULL,
  from_kind    text NOT NULL,
  from_ref     text COLLATE "C",
  to_kind      text NOT NULL,
  to_ref       text COLLATE "C",
  relationship text NOT NULL,
  scope        text,
  source       text NOT NULL,
  PRIMARY KEY (log_index, ordinal),
  CONSTRAINT edges_from_kind CHECK (from_kind IN ('subject', 'artifact', 'package', 'component')),
  CONSTRAINT edges_to_kind CHECK (to_kind IN ('subject', 'artifact', 'package', 'component')),
  CONSTRAINT edges_refs CHECK ((from_kind = 'subject') = (from_ref IS NULL) AND (to_kind = 'subject') = (to_ref IS NULL)),
  CONSTRAINT edges_source CHECK (source IN ('sbom', 'provenance'))
);
COMMENT ON TABLE idx.edges IS 'Dependency edges a statement states (SBOM INCLUDES / DEPENDS_ON / CONTAINS / other SPDX relationships, provenance BUILT_FROM): from an artifact to an artifact (by digest) or a package version (by purl).';
COMMENT ON COLUMN idx.edges.log_index IS 'Evidence: the SBOM or provenance statement that states the edge.';
COMMENT ON COLUMN idx.edges.ordinal IS 'Position among the statement''s edges as libs/formats emits them (deterministic for a given statement).';
COMMENT ON COLUMN idx.edges.from_kind IS 'subject (every subject of the statement: idx.statement_subjects), artifact, package or component.';
COMMENT ON COLUMN idx.edges.from_ref IS 'artifact: a digest; package: a package version key; component: idx.sbom_components.ref in the same statement; NULL for subject.';
COMMENT ON COLUMN idx.edges.to_kind IS 'subject, artifact, package or component, as from_kind.';
COMMENT ON COLUMN idx.edges.to_ref IS 'As from_ref. A package version reaches every artifact carrying that purl (idx.artifact_purls.package_version).';
COMMENT ON COLUMN idx.edges.relationship IS 'INCLUDES, DEPENDS_ON, CONTAINS, BUILT_FROM, or another SPDX relationship name.';
COMMENT ON COLUMN idx.edges.scope IS 'CycloneDX scope or SPDX dependency kind (dev, build, test, runtime, optional, provided, dynamic-link, static-link), when stated.';
COMMENT ON COLUMN idx.edges.source IS 'sbom or provenance: what kind of statement states it.';
-- Reverse edges (dependents, blast radius): from a digest or package version to what points at it.
CREATE INDEX edges_to ON idx.edges (to_ref, to_kind) INCLUDE (log_index, from_kind, from_ref)
  WHERE to_kind IN ('artifact', 'package');
-- Forward edges from an artifact or package named directly (lineage upstream, SBOM graphs).
CREATE INDEX edges_from ON idx.edges (from_ref, from_kind) INCLUDE (log_index, to_kind, to_ref)
  WHERE from_kind IN ('artifact', 'package');

-- ---- provenance, verification summaries, publications ------------------------------------------

CREATE TABLE idx.provenance (
  log_index           bigint PRIMARY KEY,
  slsa_version        text NOT NULL,
  builder_id          text NOT NULL,
  build_type          text,
  source_repository   text,
  source_ref          text,
  source_revision     text,
  entry_point         text,
  invocation_id       text,
  started_on          timestamptz,
  finished_on         timestamptz,
  external_parameters jsonb
);
COMMENT ON TABLE idx.provenance IS 'SLSA provenance predicates: who built the statement''s subjects, how, and from what. The builder id is the signer''s claim: match it against idx.signatures of the same entry.';
COMMENT ON COLUMN idx.provenance.log_index IS 'Evidence: the provenance statement''s entry.';
COMMENT ON COLUMN idx.provenance.slsa_version IS 'SLSA provenance version read: 0.1, 0.2 or 1.';
COMMENT ON COLUMN idx.provenance.builder_id IS 'builder.id (v1 runDetails.builder.id).';
COMMENT ON COLUMN idx.provenance.build_type IS 'buildType (v0.1 recipe.type).';
COMMENT ON COLUMN idx.provenance.source_repository IS 'Source repository URI without git+ and ref.';
COMMENT ON COLUMN idx.provenance.source_ref IS 'The ref the source was taken at, e.g. refs/heads/main.';
COMMENT ON COLUMN idx.provenance.source_revision IS 'The source commit.';
COMMENT ON COLUMN idx.provenance.entry_point IS 'Workflow path or entry point, when given.';
COMMENT ON COLUMN idx.provenance.invocation_id IS 'The build invocation id, when given.';
COMMENT ON COLUMN idx.provenance.started_on IS 'Build start, when given.';
COMMENT ON COLUMN idx.provenance.finished_on IS 'Build end, when given.';
COMMENT ON COLUMN idx.provenance.external_parameters IS 'v1 externalParameters, v0.2 invocation.parameters, v0.1 recipe.arguments, as given.';
CREATE INDEX provenance_builder ON idx.provenance (builder_id);
CREATE INDEX provenance_source ON idx.provenance (source_repository, source_revision)
  WHERE source_repository IS NOT NULL;

CREATE TABLE idx.provenance_materials (
  log_index       bigint NOT NULL,
  ordinal         integer NOT NULL,
  uri             text,
  name            text,
  purl            text,
  package_version text,
  digest          text COLLATE "C",
  digests         jsonb NOT NULL,
  PRIMARY KEY (log_index, ordinal)
);
COMMENT ON TABLE idx.provenance_materials IS 'Resolved dependencies / materials of a provenance (every one that has a digest, whatever its algorithm).';
COMMENT ON COLUMN idx.provenance_materials.log_index IS 'Evidence: the provenance statement''s entry.';
COMMENT ON COLUMN idx.provenance_materials.ordinal IS 'Position in the predicate''s list.';
COMMENT ON COLUMN idx.provenance_materials.uri IS 'URI as given (git+https://..., oci://..., pkg:...).';
COMMENT ON COLUMN idx.provenance_materials.name IS 'Name as given.';
COMMENT ON COLUMN idx.provenance_materials.purl IS 'Canonical purl when the name or URI is one.';
COMMENT ON COLUMN idx.provenance_materials.package_version IS 'Its package version key, when it has a purl.';
COMMENT ON COLUMN idx.provenance_materials.digest IS 'First identity digest, when it has one (a BUILT_FROM edge then points at it).';
COMMENT ON COLUMN idx.provenance_materials.digests IS 'The whole digest set as given (gitCommit, sha1, ...).';
CREATE INDEX provenance_materials_digest ON idx.provenance_materials (digest) WHERE digest IS NOT NULL;

CREATE TABLE idx.verifications (
  log_index     bigint PRIMARY KEY,
  vsa_version   text NOT NULL,
  verifier_id   text NOT NULL,
  time_verified timestamptz,
  result        text NOT NULL,
  resource_uri  text NOT NULL,
  policy_uri    text,
  levels        text[] NOT NULL,
  CONSTRAINT verifications_result CHECK (result IN ('PASSED', 'FAILED'))
);
COMMENT ON TABLE idx.verifications IS 'SLSA verification summaries (VSA): a verifier''s verdict on the statement''s subjects.';
COMMENT ON COLUMN idx.verifications.log_index IS 'Evidence: the VSA statement''s entry.';
COMMENT ON COLUMN idx.verifications.vsa_version IS 'VSA version read: 0.2 or 1.';
COMMENT ON COLUMN idx.verifications.verifier_id IS 'verifier.id (the signer''s claim).';
COMMENT ON COLUMN idx.verifications.time_verified IS 'timeVerified.';
COMMENT ON COLUMN idx.verifications.result IS 'PASSED or FAILED.';
COMMENT ON COLUMN idx.verifications.resource_uri IS 'resourceUri.';
COMMENT ON COLUMN idx.verifications.policy_uri IS 'policy.uri, when given.';
COMMENT ON COLUMN idx.verifications.levels IS 'verifiedLevels (v0.2 policyLevel as one element).';

CREATE TABLE idx.publications (
  log_index       bigint PRIMARY KEY,
  registry        text NOT NULL,
  name            text NOT NULL,
  version         text NOT NULL,
  package_version text NOT NULL
);
COMMENT ON TABLE idx.publications IS 'npm registry publish attestations: the registry saw the subject published as name@version.';
COMMENT ON COLUMN idx.publications.log_index IS 'Evidence: the publish statement''s entry.';
COMMENT ON COLUMN idx.publications.registry IS 'Registry URL.';
COMMENT ON COLUMN idx.publications.name IS 'Package name.';
COMMENT ON COLUMN idx.publications.version IS 'Package version.';
COMMENT ON COLUMN idx.publications.package_version IS 'Package version key (idx.package_versions.key).';

-- ---- entries that could not be read ------------------------------------------------------------

CREATE TABLE idx.unparsed_statements (
  log_index      bigint PRIMARY KEY,
  stage          text NOT NULL,
  reason_code    text NOT NULL,
  reason         text NOT NULL,
  payload_type   text,
  predicate_type text,
  CONSTRAINT unparsed_statements_stage CHECK (stage IN ('entry', 'attestation', 'envelope', 'statement', 'predicate', 'index'))
);
COMMENT ON TABLE idx.unparsed_statements IS 'Entries whose statement (or, rarely, logged body) could not be read: indexed with the reason and counted, never blocking the partition. Signatures of a DSSE entry whose attestation fails are still indexed, and so are the statement and its subjects when only the predicate fails.';
COMMENT ON COLUMN idx.unparsed_statements.log_index IS 'The entry.';
COMMENT ON COLUMN idx.unparsed_statements.stage IS 'Where it failed: entry (the logged body or its verifier did not decode), attestation (missing or not the one the entry commits to), envelope (DSSE), statement (in-toto), predicate (libs/formats), index (the database refused a value).';
COMMENT ON COLUMN idx.unparsed_statements.reason_code IS 'AttestryError code (FORMAT_MALFORMED, FORMAT_UNSUPPORTED, DIGEST_MISMATCH, NOT_FOUND, ...) or SQLSTATE.';
COMMENT ON COLUMN idx.unparsed_statements.reason IS 'Why, in words (names the field when libs/formats says which).';
COMMENT ON COLUMN idx.unparsed_statements.payload_type IS 'DSSE payloadType, when the envelope was read.';
COMMENT ON COLUMN idx.unparsed_statements.predicate_type IS 'predicateType, when the statement was read.';

-- ---- consumer offsets --------------------------------------------------------------------------

CREATE TABLE idx.consumer_offsets (
  consumer    text NOT NULL,
  topic       text NOT NULL,
  partition   integer NOT NULL,
  next_offset bigint NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, topic, partition)
);
COMMENT ON TABLE idx.consumer_offsets IS 'Kafka offsets of the indexer group on the entries topic, committed in the same transaction as the batch''s facts; advanced only from their stored value.';
COMMENT ON COLUMN idx.consumer_offsets.consumer IS 'Consumer group id (<prefix>indexer).';
COMMENT ON COLUMN idx.consumer_offsets.topic IS 'Kafka topic (<prefix>entries).';
COMMENT ON COLUMN idx.consumer_offsets.partition IS 'Kafka partition.';
COMMENT ON COLUMN idx.consumer_offsets.next_offset IS 'The next offset to read.';
COMMENT ON COLUMN idx.consumer_offsets.updated_at IS 'When it last advanced.';

-- ---- views -------------------------------------------------------------------------------------

CREATE VIEW idx.artifact_conflicts AS
  SELECT artifact, algorithm, array_agg(digest ORDER BY digest) AS digests
    FROM idx.artifacts
   GROUP BY artifact, algorithm
  HAVING count(*) > 1;
COMMENT ON VIEW idx.artifact_conflicts IS 'Artifacts that statements, taken together, give two digests of one algorithm (contradictory digest sets, possibly an attempt to merge identities): for operators and for answers that must flag them.';
COMMENT ON COLUMN idx.artifact_conflicts.artifact IS 'The artifact (idx.artifacts.artifact).';
COMMENT ON COLUMN idx.artifact_conflicts.algorithm IS 'The algorithm with more than one digest.';
COMMENT ON COLUMN idx.artifact_conflicts.digests IS 'Its digests of that algorithm.';
