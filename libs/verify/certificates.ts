/**
 * X.509 for signers: parsing (via @sigstore/core's X509Certificate), chain verification against
 * the configured certificate authorities at a given time, Certificate Transparency SCTs (RFC
 * 6962 §3.2), and the signer identity Fulcio writes into its certificates (SAN, OIDC issuer and
 * the CI extensions, github.com/sigstore/fulcio docs/oid-info.md). Certificates in submissions
 * and bundles are attacker-controlled; only a chain to a trusted CA makes their contents mean
 * anything.
 */
import { ASN1Obj, ByteStream, EXTENSION_OID_SCT, X509Certificate, X509SCTExtension } from '@sigstore/core';
import { AttestryError, crypto } from '../core/index.js';
import { decodeBase64Lenient, isPem, pemBlocks } from './encoding.js';
import { publicKeyFromSpki, type PublicKeyInfo } from './keys.js';
import { inRange, type CertificateAuthority, type TransparencyLog, type TrustMaterial } from './trust.js';

const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_KP_CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
const OID_KP_TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
const FULCIO = '1.3.6.1.4.1.57264.1';

/** Parses one DER certificate and touches every field verification reads, so a malformed one fails here. */
export function parseCertificateDer(der: Uint8Array): X509Certificate {
  try {
    const cert = X509Certificate.parse(Buffer.from(der));
    void [cert.subject, cert.issuer, cert.serialNumber, cert.notBefore, cert.notAfter, cert.publicKey];
    void cert.extensions.map((e) => e.subs[0]!.toOID());
    return cert;
  } catch (e) {
    throw new AttestryError('INPUT_MALFORMED', 'certificate is not DER X.509', { cause: e });
  }
}

/** Certificates from PEM text (one or more blocks) or one base64 DER certificate. */
export function parseCertificates(text: string): X509Certificate[] {
  if (isPem(text)) {
    const blocks = pemBlocks(text, 'CERTIFICATE');
    if (blocks.length === 0) throw new AttestryError('INPUT_MALFORMED', 'no PEM certificate');
    return blocks.map(parseCertificateDer);
  }
  const der = decodeBase64Lenient(text.trim());
  if (der === undefined || der.length === 0)
    throw new AttestryError('INPUT_MALFORMED', 'certificate is neither PEM nor base64 DER');
  return [parseCertificateDer(der)];
}

export function certificateDer(cert: X509Certificate): Buffer {
  return cert.root.toDER();
}

export function certificatePublicKey(cert: X509Certificate): PublicKeyInfo {
  return publicKeyFromSpki(cert.publicKey);
}

function extKeyUsages(cert: X509Certificate): string[] | undefined {
  const ext = cert.extension(OID_EXT_KEY_USAGE);
  if (ext === undefined) return undefined;
  try {
    return ASN1Obj.parseBuffer(Buffer.from(ext.value)).subs.map((s) => s.toOID());
  } catch {
    return [];
  }
}

function isSelfIssued(cert: X509Certificate): boolean {
  return cert.subject.equals(cert.issuer);
}

function fail(message: string): never {
  throw new AttestryError('CERTIFICATE_UNTRUSTED', message);
}

/** Leaf constraints for a signing certificate (RFC 5280 §4.2.1.3, §4.2.1.9, §4.2.1.12). */
function assertSigningLeaf(leaf: X509Certificate, purpose: string): void {
  if (leaf.extBasicConstraints?.isCA) fail('the signing certificate is a CA certificate');
  const ku = leaf.extKeyUsage;
  if (ku !== undefined && !ku.digitalSignature) fail('the signing certificate may not sign (key usage)');
  const eku = extKeyUsages(leaf);
  if (eku !== undefined && !eku.includes(purpose))
    fail(`the signing certificate lacks extended key usage ${purpose}`);
}

/**
 * The path leaf -> ... -> anchor inside one authority's chain, valid at `at`; throws
 * CERTIFICATE_UNTRUSTED. Every certificate of the authority is trust material, so the path may
 * end at any of them; it is walked to the authority's last (or a self-signed) certificate so
 * that every certificate's validity and CA constraints are checked.
 */
function pathWithin(leaf: X509Certificate, chain: readonly X509Certificate[], at: Date): X509Certificate[] {
  const path = [leaf];
  let current = leaf;
  for (let depth = 0; depth <= chain.length; depth++) {
    const anchorReached = depth > 0 && (current === chain[chain.length - 1] || isSelfIssued(current));
    if (anchorReached) break;
    const issuer = chain.find((c) => c !== current && c.subject.equals(current.issuer) && current.verify(c));
    if (issuer === undefined) fail('no trusted certificate authority issued this certificate');
    path.push(issuer);
    current = issuer;
  }
  for (let i = 1; i < path.length; i++) {
    const ca = path[i]!;
    if (!ca.isCA) fail('an issuing certificate is not a CA');
    const pathLen = ca.extBasicConstraints?.pathLenConstraint;
    // Intermediates between this CA and the leaf, not counting self-issued ones (§4.2.1.9).
    const below = path.slice(1, i).filter((c) => !isSelfIssued(c)).length;
    if (pathLen !== undefined && BigInt(below) > pathLen) fail('path length constraint exceeded');
  }
  for (const c of path) {
    if (!c.validForDate(at)) fail(`a certificate in the chain is not valid at ${at.toISOString()}`);
  }
  return path;
}

export interface VerifiedChain {
  readonly path: readonly X509Certificate[];
  readonly authority: CertificateAuthority;
}

/**
 * Verifies that a trusted CA, itself trusted at `at`, issued `leaf` and that the whole chain is
 * valid at `at`. The chain a bundle carries is never trusted: only the configured authorities.
 */
export function verifyCertificateChain(leaf: X509Certificate, trust: TrustMaterial, at: Date): VerifiedChain {
  assertSigningLeaf(leaf, OID_KP_CODE_SIGNING);
  let lastError: unknown;
  for (const authority of trust.certificateAuthorities) {
    if (!inRange(authority.validFor, at)) continue;
    try {
      return { path: pathWithin(leaf, authority.certChain, at), authority };
    } catch (e) {
      lastError = e;
    }
  }
  throw new AttestryError(
    'CERTIFICATE_UNTRUSTED',
    `the certificate does not chain to a certificate authority trusted at ${at.toISOString()}`,
    { cause: lastError },
  );
}

/** Verifies a TSA's signing certificate chain at the timestamp's time (RFC 3161 §2.3: EKU timeStamping). */
export function verifyTsaChain(chain: readonly X509Certificate[], at: Date): void {
  const leaf = chain[0];
  if (leaf === undefined) fail('timestamp authority without certificates');
  const eku = extKeyUsages(leaf);
  if (eku !== undefined && !eku.includes(OID_KP_TIME_STAMPING))
    fail('the timestamp authority certificate lacks extended key usage timeStamping');
  if (chain.length === 1) {
    if (!leaf.validForDate(at)) fail('the timestamp authority certificate is not valid at the timestamp');
    return;
  }
  pathWithin(leaf, chain.slice(1), at);
}

/**
 * Counts the leaf's embedded SCTs that verify against a trusted CT log valid at the SCT's time
 * (RFC 6962 §3.2: the signature covers the precertificate TBS without the SCT extension and the
 * issuer's key hash). An SCT from a known log that fails to verify is an error; SCTs from
 * unknown logs are ignored.
 */
export function countVerifiedScts(
  leaf: X509Certificate,
  issuer: X509Certificate,
  ctlogs: readonly TransparencyLog[],
): number {
  const clone = leaf.clone();
  const extensions = clone.extensions;
  const index = extensions.findIndex((e) => e.subs[0]!.toOID() === EXTENSION_OID_SCT);
  if (index < 0) return 0;
  const sctExt = new X509SCTExtension(extensions[index]!);
  extensions.splice(index, 1);
  const preCert = new ByteStream();
  preCert.appendView(crypto.sha256(issuer.publicKey));
  const tbs = clone.tbsCertificate.toDER();
  preCert.appendUint24(tbs.length);
  preCert.appendView(tbs);
  let verified = 0;
  let scts;
  try {
    scts = sctExt.signedCertificateTimestamps;
  } catch (e) {
    throw new AttestryError('CERTIFICATE_UNTRUSTED', 'the SCT extension is malformed', { cause: e });
  }
  for (const sct of scts) {
    const logs = ctlogs.filter((l) => l.logId.equals(sct.logID));
    if (logs.length === 0) continue;
    const ok = logs.some((l) => inRange(l.validFor, sct.datetime) && sct.verify(preCert.buffer, l.key));
    if (!ok) throw new AttestryError('CERTIFICATE_UNTRUSTED', 'an SCT from a trusted CT log does not verify');
    verified++;
  }
  return verified;
}

/** The Fulcio certificate extensions 1.3.6.1.4.1.57264.1.9 and up (docs/oid-info.md), when present. */
export interface FulcioExtensions {
  buildSignerUri?: string;
  buildSignerDigest?: string;
  runnerEnvironment?: string;
  sourceRepositoryUri?: string;
  sourceRepositoryDigest?: string;
  sourceRepositoryRef?: string;
  sourceRepositoryIdentifier?: string;
  sourceRepositoryOwnerUri?: string;
  sourceRepositoryOwnerIdentifier?: string;
  buildConfigUri?: string;
  buildConfigDigest?: string;
  buildTrigger?: string;
  runInvocationUri?: string;
  sourceRepositoryVisibilityAtSigning?: string;
  deploymentEnvironment?: string;
  /** Deprecated GitHub-specific extensions .2 to .6 (raw strings). */
  githubWorkflowTrigger?: string;
  githubWorkflowSha?: string;
  githubWorkflowName?: string;
  githubWorkflowRepository?: string;
  githubWorkflowRef?: string;
}

const FULCIO_DER_EXTENSIONS: ReadonlyArray<[number, keyof FulcioExtensions]> = [
  [9, 'buildSignerUri'],
  [10, 'buildSignerDigest'],
  [11, 'runnerEnvironment'],
  [12, 'sourceRepositoryUri'],
  [13, 'sourceRepositoryDigest'],
  [14, 'sourceRepositoryRef'],
  [15, 'sourceRepositoryIdentifier'],
  [16, 'sourceRepositoryOwnerUri'],
  [17, 'sourceRepositoryOwnerIdentifier'],
  [18, 'buildConfigUri'],
  [19, 'buildConfigDigest'],
  [20, 'buildTrigger'],
  [21, 'runInvocationUri'],
  [22, 'sourceRepositoryVisibilityAtSigning'],
  [23, 'deploymentEnvironment'],
];

const FULCIO_RAW_EXTENSIONS: ReadonlyArray<[number, keyof FulcioExtensions]> = [
  [2, 'githubWorkflowTrigger'],
  [3, 'githubWorkflowSha'],
  [4, 'githubWorkflowName'],
  [5, 'githubWorkflowRepository'],
  [6, 'githubWorkflowRef'],
];

export interface CertificateIdentity {
  /** The SAN Fulcio bound: a URI (CI workloads), an email, or a username (otherName .1.7). */
  readonly subjectAlternativeName?: string;
  readonly sanType?: 'uri' | 'email' | 'username';
  /** The OIDC issuer: extension .1.8 (DER UTF8String), else the deprecated raw .1.1. */
  readonly issuer?: string;
  readonly extensions: FulcioExtensions;
}

/** Extension values .1.8 and up are DER-encoded strings; undefined when not that. */
function derString(value: Uint8Array): string | undefined {
  try {
    const obj = ASN1Obj.parseBuffer(Buffer.from(value));
    // UTF8String (12), PrintableString (19), IA5String (22)
    if (![12, 19, 22].includes(obj.tag.number) || obj.tag.constructed) return undefined;
    return obj.value.toString('utf8');
  } catch {
    return undefined;
  }
}

export function certificateIdentity(cert: X509Certificate): CertificateIdentity {
  const extensions: FulcioExtensions = {};
  for (const [n, name] of FULCIO_DER_EXTENSIONS) {
    const ext = cert.extension(`${FULCIO}.${n}`);
    const v = ext ? derString(ext.value) : undefined;
    if (v !== undefined) extensions[name] = v;
  }
  for (const [n, name] of FULCIO_RAW_EXTENSIONS) {
    const ext = cert.extension(`${FULCIO}.${n}`);
    if (ext) extensions[name] = Buffer.from(ext.value).toString('utf8');
  }
  const v2 = cert.extension(`${FULCIO}.8`);
  const v1 = cert.extension(`${FULCIO}.1`);
  const issuer = v2 ? derString(v2.value) : v1 ? Buffer.from(v1.value).toString('utf8') : undefined;
  let san: { subjectAlternativeName: string; sanType: 'uri' | 'email' | 'username' } | undefined;
  try {
    const ext = cert.extSubjectAltName;
    const uri = ext?.uri;
    const email = ext?.rfc822Name;
    const username = ext?.otherName(`${FULCIO}.7`);
    if (uri !== undefined) san = { subjectAlternativeName: uri, sanType: 'uri' };
    else if (email !== undefined) san = { subjectAlternativeName: email, sanType: 'email' };
    else if (username !== undefined) san = { subjectAlternativeName: username, sanType: 'username' };
  } catch {
    san = undefined;
  }
  return { ...san, ...(issuer !== undefined ? { issuer } : {}), extensions };
}
