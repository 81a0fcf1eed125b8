/**
 * The indexer's functional core: log entries -> the idx rows they state. Pure (no I/O, no clock);
 * every row depends only on its entry, so projecting an entry twice, or entries in any order,
 * states the same rows (docs/design/0004-index.md).
 *
 * - hashedrekord: the signer signed an artifact digest.
 * - dsse: the signers signed the envelope; the envelope (the attestation, checked against the
 *   hashes the entry commits to) carries an in-toto Statement which libs/formats turns into facts:
 *   artifacts (digest sets, names, purls), packages, SBOM components, dependency edges,
 *   provenance, verification summaries, publications.
 * An entry whose attestation cannot be read becomes an unparsed statement with its stage and
 * reason; its signatures are still indexed (the log verified them), and when only the predicate
 * fails, the statement and its subjects too. Nothing here throws for bad input.
 *
 * Everything in an entry is attacker-controlled, even after the log accepted it: the log checks
 * signatures, not what a signer chose to state.
 */
import { AttestryError, crypto, isAttestryError, toHex } from '../../libs/core/index.js';
import type { idxStore } from '../../libs/db/index.js';
import {
  decodeDsseEnvelope,
  factsFromStatement,
  packageOf,
  parsePurl,
  parseStatementPayload,
  predicateKindOf,
  type ArtifactRef,
  type Facts,
  type NodeRef,
  type Statement,
} from '../../libs/formats/index.js';
import { signerIdentityOfVerifier, type LoggedSignerIdentity } from '../../libs/verify/index.js';
import { parseEntryBody, type LoggedBody } from './entry-body.js';

type IdxRows = idxStore.IdxRows;
type SignerRow = idxStore.SignerRow;
type UnparsedStage = idxStore.UnparsedStage;

/** A log entry as the shell hands it over, already checked against tlog.entries. */
export interface EntryToProject {
  logIndex: number;
  leafHash: Buffer;
  kind: 'hashedrekord' | 'dsse';
  /** The canonical entry body (the leaf's bytes). */
  body: Buffer;
  /** Unix seconds. */
  integratedTime: number;
  /** SHA-256 of the attestation the log stored with the entry (dsse), else null. */
  attestationHash: Buffer | null;
  /** The attestation bytes (the DSSE envelope), when the shell found them. */
  attestation: Buffer | undefined;
}

export interface UnparsedOutcome {
  logIndex: number;
  stage: UnparsedStage;
  reasonCode: string;
  reason: string;
}

/** Rows of no entry: what a batch's rows start from. */
export function emptyRows(): IdxRows {
  return {
    entries: [],
    artifacts: [],
    aliases: [],
    names: [],
    purls: [],
    packages: [],
    packageVersions: [],
    signers: [],
    signatures: [],
    statements: [],
    subjects: [],
    sboms: [],
    components: [],
    edges: [],
    provenance: [],
    materials: [],
    verifications: [],
    publications: [],
    unparsed: [],
  };
}

function append(into: IdxRows, from: IdxRows): void {
  for (const k of Object.keys(from) as (keyof IdxRows)[]) {
    const target = into[k] as unknown[];
    for (const r of from[k] as unknown[]) target.push(r);
  }
}

/** The rows of one entry; `unparsed` is set when its statement (or body) could not be read. */
export interface EntryProjection {
  logIndex: number;
  rows: IdxRows;
  unparsed?: UnparsedOutcome;
}

/** Projects a batch; an entry seen twice in it (a relay republish) is projected once. */
export function projectEntries(entries: readonly EntryToProject[]): EntryProjection[] {
  const seen = new Set<number>();
  const out: EntryProjection[] = [];
  for (const e of entries) {
    if (seen.has(e.logIndex)) continue;
    seen.add(e.logIndex);
    out.push(projectEntry(e));
  }
  return out;
}

/** All rows of several entries, for one set-based write. */
export function batchRows(projections: readonly EntryProjection[]): IdxRows {
  const rows = emptyRows();
  for (const p of projections) append(rows, p.rows);
  return rows;
}

/**
 * The rows that record an entry the database refused (a value no table can hold, should one
 * slip through): the entry and the reason, nothing it states.
 */
export function refusedEntryRows(e: EntryToProject, reasonCode: string, reason: string): IdxRows {
  const rows = emptyRows();
  rows.entries.push({
    logIndex: e.logIndex,
    leafHash: e.leafHash,
    kind: e.kind,
    integratedTime: e.integratedTime,
    attestationHash: e.attestationHash,
    outcome: 'unparsed',
  });
  rows.unparsed.push({
    logIndex: e.logIndex,
    stage: 'index',
    reasonCode,
    reason,
    payloadType: null,
    predicateType: null,
  });
  return rows;
}

class Failure {
  constructor(
    readonly stage: UnparsedStage,
    readonly error: unknown,
    readonly payloadType: string | null = null,
    /** Set when the statement was read and only its predicate failed. */
    readonly statement: Statement | null = null,
  ) {}
}

function reasonOf(error: unknown): { code: string; message: string } {
  if (isAttestryError(error)) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

/** The rows one entry states, and whether its statement could be read. */
export function projectEntry(e: EntryToProject): EntryProjection {
  const rows = emptyRows();
  const logIndex = e.logIndex;
  const fail = (f: Failure) => {
    const { code, message } = reasonOf(f.error);
    rows.unparsed.push({
      logIndex: e.logIndex,
      stage: f.stage,
      reasonCode: code,
      reason: message,
      payloadType: f.payloadType,
      predicateType: f.statement?.predicateType ?? null,
    });
    return { logIndex: e.logIndex, stage: f.stage, reasonCode: code, reason: message };
  };
  const entryRow = (outcome: 'indexed' | 'unparsed') =>
    rows.entries.push({
      logIndex: e.logIndex,
      leafHash: e.leafHash,
      kind: e.kind,
      integratedTime: e.integratedTime,
      attestationHash: e.attestationHash,
      outcome,
    });

  let body: LoggedBody;
  let signers: LoggedSignerIdentity[];
  try {
    body = parseEntryBody(e.kind, e.body);
    signers = body.verifiers.map(describeVerifier);
  } catch (error) {
    entryRow('unparsed');
    return { logIndex, rows, unparsed: fail(new Failure('entry', error)) };
  }

  const digest = body.kind === 'hashedrekord' ? body.digest : null;
  for (const s of signers) {
    const row = signerRow(s);
    rows.signers.push(row);
    rows.signatures.push({
      logIndex: e.logIndex,
      signerId: row.signerId,
      digest,
      integratedTime: e.integratedTime,
      kind: row.kind,
      keyId: row.keyId,
      identity: row.identity,
      issuer: row.issuer,
      ciRepository: row.ciRepository,
      ciWorkflow: row.ciWorkflow,
    });
  }
  // One signer may sign twice (two signatures, one key): one signature row.
  rows.signatures = dedupe(rows.signatures, (s) => s.signerId);
  if (body.kind === 'hashedrekord') {
    rows.artifacts.push({ digest: body.digest });
    entryRow('indexed');
    return { logIndex, rows };
  }

  const result = statementOf(e, body);
  if (result instanceof Failure) {
    // When only the predicate failed, the statement itself was read: keep it and its subjects.
    if (result.statement !== null) addSalvagedStatement(rows, e, result.statement);
    entryRow('unparsed');
    return { logIndex, rows: dedupeEntities(rows), unparsed: fail(result) };
  }
  addFacts(rows, e, result.statement, result.facts);
  entryRow('indexed');
  return { logIndex, rows: dedupeEntities(rows) };
}

function statementOf(
  e: EntryToProject,
  body: Extract<LoggedBody, { kind: 'dsse' }>,
): Failure | { statement: Statement; facts: Facts } {
  if (e.attestationHash === null || e.attestation === undefined) {
    return new Failure(
      'attestation',
      new AttestryError('NOT_FOUND', 'the attestation the entry commits to is not available'),
    );
  }
  if (
    toHex(e.attestationHash) !== body.envelopeHash ||
    toHex(crypto.sha256(e.attestation)) !== body.envelopeHash
  ) {
    return new Failure(
      'attestation',
      new AttestryError(
        'DIGEST_MISMATCH',
        'the attestation is not the envelope the entry commits to (envelopeHash differs)',
      ),
    );
  }
  let envelope: ReturnType<typeof decodeDsseEnvelope>;
  try {
    envelope = decodeDsseEnvelope(JSON.parse(e.attestation.toString('utf8')));
  } catch (error) {
    return new Failure('envelope', error instanceof SyntaxError ? malformedJson(error) : error);
  }
  if (toHex(crypto.sha256(envelope.payload)) !== body.payloadHash) {
    return new Failure(
      'envelope',
      new AttestryError(
        'DIGEST_MISMATCH',
        'the envelope payload is not the one the entry commits to (payloadHash differs)',
      ),
      envelope.payloadType,
    );
  }
  let statement: Statement;
  try {
    statement = parseStatementPayload(envelope.payload, envelope.payloadType);
  } catch (error) {
    return new Failure('statement', error, envelope.payloadType);
  }
  try {
    return { statement, facts: factsFromStatement(statement) };
  } catch (error) {
    return new Failure('predicate', error, envelope.payloadType, statement);
  }
}

function malformedJson(error: SyntaxError): AttestryError {
  return new AttestryError('FORMAT_MALFORMED', `DSSE envelope: not JSON (${error.message.slice(0, 120)})`, {
    cause: error,
  });
}

// ---- signers -------------------------------------------------------------------------------

/**
 * signerIdentityOfVerifier, remembered for the most recent verifiers: a key signs many entries,
 * and parsing its PEM (or a certificate) again for each is most of a hashedrekord's cost. The
 * result depends only on the verifier text, so this changes nothing but time.
 */
const VERIFIER_CACHE_SIZE = 4096;
const verifierCache = new Map<string, LoggedSignerIdentity>();

function describeVerifier(verifier: string): LoggedSignerIdentity {
  const hit = verifierCache.get(verifier);
  if (hit !== undefined) return hit;
  const identity = signerIdentityOfVerifier(verifier);
  if (verifierCache.size >= VERIFIER_CACHE_SIZE) {
    const oldest = verifierCache.keys().next().value;
    if (oldest !== undefined) verifierCache.delete(oldest);
  }
  verifierCache.set(verifier, identity);
  return identity;
}

const GITHUB = 'https://github.com/';

/**
 * The signer as indexed. CI claims are normalized so that one repository or workflow has one
 * spelling across certificate generations: Fulcio's v2 extensions (.1.12 repository URI, .1.18
 * build config URI, ...) when present, else the deprecated GitHub ones (.1.5 `owner/repo`, .1.6
 * ref, .1.3 sha, .1.2 trigger); a legacy GitHub certificate's workflow is its SAN when that SAN
 * is a workflow of the repository itself (a reusable workflow elsewhere signs as itself).
 */
export function signerRow(s: LoggedSignerIdentity): SignerRow {
  const x = s.extensions;
  const legacyRepo = x.githubWorkflowRepository;
  const ciRepository =
    x.sourceRepositoryUri ??
    (legacyRepo === undefined
      ? undefined
      : /^https?:\/\//.test(legacyRepo)
        ? legacyRepo
        : `${GITHUB}${legacyRepo}`);
  const legacyWorkflow =
    legacyRepo !== undefined &&
    s.sanType === 'uri' &&
    s.subjectAlternativeName?.startsWith(`${GITHUB}${legacyRepo}/`) === true
      ? s.subjectAlternativeName
      : undefined;
  const claims: Record<string, string> = {};
  for (const [k, v] of Object.entries(x)) if (typeof v === 'string') claims[k] = v;
  return {
    signerId: s.fingerprint,
    kind: s.kind,
    keyId: s.keyId,
    keyAlgorithm: s.algorithm ?? null,
    identity: s.subjectAlternativeName ?? null,
    sanType: s.sanType ?? null,
    issuer: s.issuer ?? null,
    ciRepository: ciRepository ?? null,
    ciWorkflow: x.buildConfigUri ?? legacyWorkflow ?? null,
    ciRef: x.sourceRepositoryRef ?? x.githubWorkflowRef ?? null,
    ciRevision: x.sourceRepositoryDigest ?? x.githubWorkflowSha ?? null,
    ciTrigger: x.buildTrigger ?? x.githubWorkflowTrigger ?? null,
    ciRunnerEnvironment: x.runnerEnvironment ?? null,
    ciBuildSigner: x.buildSignerUri ?? null,
    ciRunInvocation: x.runInvocationUri ?? null,
    claims,
    notBefore: s.notBefore ?? null,
    notAfter: s.notAfter ?? null,
  };
}

// ---- statements ------------------------------------------------------------------------------

/** One row per entity an entry names (the store dedupes across entries again). */
function dedupeEntities(rows: IdxRows): IdxRows {
  rows.artifacts = dedupe(rows.artifacts, (a) => a.digest);
  rows.packages = dedupe(rows.packages, (p) => p.purl);
  rows.packageVersions = dedupe(rows.packageVersions, (v) => v.key);
  rows.aliases = dedupe(rows.aliases, (a) => `${a.digest} ${a.alias}`);
  rows.names = dedupe(rows.names, (n) => `${n.digest} ${n.kind} ${n.name}`);
  rows.purls = dedupe(rows.purls, (p) => `${p.digest} ${p.purl}`);
  return rows;
}

function dedupe<T>(rows: T[], keyOf: (r: T) => string): T[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = keyOf(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The package version key of a canonical purl, recording the package and the version. */
function notePackage(rows: IdxRows, purl: string): string | null {
  let p: ReturnType<typeof packageOf>;
  try {
    p = packageOf(purl);
  } catch {
    return null;
  }
  const type = parsePurl(p.purl)?.type ?? 'unknown';
  rows.packages.push({ purl: p.purl, type });
  rows.packageVersions.push({ key: p.key, package: p.purl, version: p.version ?? null });
  return p.key;
}

function subjectsJson(subjects: readonly ArtifactRef[]): unknown {
  return subjects.map((s) => ({
    ...(s.name !== undefined ? { name: s.name } : {}),
    ...(s.uri !== undefined ? { uri: s.uri } : {}),
    digest: s.digest,
  }));
}

function addStatement(
  rows: IdxRows,
  e: EntryToProject,
  statement: Statement,
  facts: Facts | undefined,
): void {
  rows.statements.push({
    logIndex: e.logIndex,
    statementType: statement._type,
    predicateType: statement.predicateType,
    predicateKind: facts?.kind ?? predicateKindOf(statement.predicateType),
    integratedTime: e.integratedTime,
    attestationHash: e.attestationHash as Buffer,
    subjects: facts ? subjectsJson(facts.statement.subjects) : subjectsJson([]),
    unsupported: facts?.unsupported ?? null,
  });
}

/** Artifacts (digest rows, aliases, names, purls) and packages, common to full and salvaged statements. */
function addArtifactsAndPackages(rows: IdxRows, logIndex: number, facts: Facts): void {
  for (const a of facts.artifacts) {
    const first = a.keys[0];
    if (first === undefined) continue;
    for (const k of a.keys) rows.artifacts.push({ digest: k });
    for (const k of a.keys)
      for (const other of a.keys) if (k !== other) rows.aliases.push({ digest: k, alias: other, logIndex });
    for (const name of a.names) rows.names.push({ digest: first, kind: 'name', name, logIndex });
    for (const uri of a.uris) rows.names.push({ digest: first, kind: 'uri', name: uri, logIndex });
    for (const purl of a.purls) {
      const packageVersion = notePackage(rows, purl);
      if (packageVersion !== null) rows.purls.push({ digest: first, purl, packageVersion, logIndex });
    }
  }
  for (const p of facts.packages) notePackage(rows, p.key);
  for (const s of facts.statement.subjects)
    for (const k of s.keys) rows.subjects.push({ logIndex, digest: k });
  rows.subjects = dedupe(rows.subjects, (s) => s.digest);
}

/** What a statement whose predicate failed still says: its type and its subjects. */
function addSalvagedStatement(rows: IdxRows, e: EntryToProject, statement: Statement): void {
  let subjectFacts: Facts;
  try {
    // Subjects do not depend on the predicate: read them as a statement of an unknown type.
    subjectFacts = factsFromStatement({ ...statement, predicateType: 'urn:attestry:unread', predicate: {} });
  } catch {
    addStatement(rows, e, statement, undefined);
    return;
  }
  rows.statements.push({
    logIndex: e.logIndex,
    statementType: statement._type,
    predicateType: statement.predicateType,
    predicateKind: predicateKindOf(statement.predicateType),
    integratedTime: e.integratedTime,
    attestationHash: e.attestationHash as Buffer,
    subjects: subjectsJson(subjectFacts.statement.subjects),
    unsupported: null,
  });
  addArtifactsAndPackages(rows, e.logIndex, subjectFacts);
}

function nodeColumns(n: NodeRef): { kind: idxStore.NodeKind; ref: string | null } {
  switch (n.kind) {
    case 'subject':
      return { kind: 'subject', ref: null };
    case 'artifact':
      return { kind: 'artifact', ref: n.key };
    case 'package':
      return { kind: 'package', ref: n.key };
    case 'component':
      return { kind: 'component', ref: n.ref };
  }
}

function addFacts(rows: IdxRows, e: EntryToProject, statement: Statement, facts: Facts): void {
  const logIndex = e.logIndex;
  addStatement(rows, e, statement, facts);
  addArtifactsAndPackages(rows, logIndex, facts);

  if (facts.sbom) {
    rows.sboms.push({
      logIndex,
      format: facts.sbom.format,
      specVersion: facts.sbom.specVersion,
      documentId: facts.sbom.documentId ?? null,
      name: facts.sbom.name ?? null,
      componentCount: facts.sbom.componentCount,
    });
  }
  for (const c of facts.components) {
    rows.components.push({
      logIndex,
      ref: c.ref,
      name: c.name,
      version: c.version ?? null,
      type: c.type,
      purl: c.purl ?? null,
      packageVersion: c.purl === undefined ? null : notePackage(rows, c.purl),
      digest: c.node.kind === 'artifact' ? c.node.key : null,
      digests: { ...c.digest },
      scope: c.scope ?? null,
      isRoot: c.root,
    });
  }
  facts.edges.forEach((edge, ordinal) => {
    const from = nodeColumns(edge.from);
    const to = nodeColumns(edge.to);
    if (to.kind === 'package' && to.ref !== null) notePackage(rows, to.ref);
    if (from.kind === 'package' && from.ref !== null) notePackage(rows, from.ref);
    rows.edges.push({
      logIndex,
      ordinal,
      fromKind: from.kind,
      fromRef: from.ref,
      toKind: to.kind,
      toRef: to.ref,
      relationship: edge.relationship,
      scope: edge.scope ?? null,
      source: edge.source,
    });
  });
  const p = facts.provenance;
  if (p) {
    rows.provenance.push({
      logIndex,
      slsaVersion: p.slsaVersion,
      builderId: p.builderId,
      buildType: p.buildType ?? null,
      sourceRepository: p.sourceRepository ?? null,
      sourceRef: p.sourceRef ?? null,
      sourceRevision: p.sourceRevision ?? null,
      entryPoint: p.entryPoint ?? null,
      invocationId: p.invocationId ?? null,
      startedOn: p.startedOn ?? null,
      finishedOn: p.finishedOn ?? null,
      externalParameters: p.externalParameters ?? null,
    });
    p.materials.forEach((m, ordinal) => {
      rows.materials.push({
        logIndex,
        ordinal,
        uri: m.uri ?? null,
        name: m.name ?? null,
        purl: m.purl ?? null,
        packageVersion: m.purl === undefined ? null : notePackage(rows, m.purl),
        digest: m.keys[0] ?? null,
        digests: { ...m.digest },
      });
    });
  }
  const v = facts.verification;
  if (v) {
    rows.verifications.push({
      logIndex,
      vsaVersion: v.vsaVersion,
      verifierId: v.verifierId,
      timeVerified: v.timeVerified,
      result: v.result,
      resourceUri: v.resourceUri,
      policyUri: v.policy.uri ?? null,
      levels: [...v.levels],
    });
  }
  const pub = facts.publication;
  if (pub) {
    const packageVersion = notePackage(rows, pub.purl) ?? pub.purl;
    rows.publications.push({
      logIndex,
      registry: pub.registry,
      name: pub.name,
      version: pub.version,
      packageVersion,
    });
  }
}
