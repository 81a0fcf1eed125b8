/**
 * The signer a logged entry records. A Rekor v1 entry body keeps each signature's verifier as PEM
 * (hashedrekord `spec.signature.publicKey.content`, dsse `spec.signatures[].verifier`, both
 * base64 of the PEM text): a PKIX public key, or the signing certificate (leaf only). This module
 * describes that verifier the way Attestry indexes signers (DESIGN.md "Entry kinds"): a key by
 * its key id `sha256:<hex SHA-256 of the DER SPKI>`, a certificate by its SAN, OIDC issuer and
 * Fulcio CI extensions (github.com/sigstore/fulcio docs/oid-info.md).
 *
 * Nothing is verified here: the log verified the signature and the certificate chain when it
 * appended the entry (libs/verify verifySubmission). The bytes are still attacker-controlled
 * when they arrive from Kafka, so malformed input fails with INPUT_MALFORMED, never anything else.
 */
import { AttestryError, crypto, toHex } from '../core/index.js';
import { certificateIdentity, parseCertificateDer, type FulcioExtensions } from './certificates.js';
import { decodeBase64Lenient, pemBlocksAny } from './encoding.js';
import { publicKeyFromSpki, type KeyAlgorithm } from './keys.js';

export interface LoggedSignerIdentity {
  readonly kind: 'key' | 'certificate';
  /** `sha256:<hex>` of the logged verifier's DER: the SPKI for a key (= keyId), the certificate for a certificate. */
  readonly fingerprint: string;
  /** `sha256:<hex SHA-256 of the DER SubjectPublicKeyInfo>` of the (certificate's) public key. */
  readonly keyId: string;
  /** Undefined when the key is of a type Attestry does not sign with. */
  readonly algorithm?: KeyAlgorithm;
  /** Certificates: the SAN Fulcio bound (URI, email or username). */
  readonly subjectAlternativeName?: string;
  readonly sanType?: 'uri' | 'email' | 'username';
  /** Certificates: the OIDC issuer extension. */
  readonly issuer?: string;
  /** Certificates: the Fulcio CI extensions present; empty for keys. */
  readonly extensions: FulcioExtensions;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

const sha256Id = (der: Uint8Array): string => `sha256:${toHex(crypto.sha256(der))}`;

function algorithmOf(spki: Uint8Array): KeyAlgorithm | undefined {
  try {
    return publicKeyFromSpki(spki).algorithm;
  } catch {
    return undefined;
  }
}

/**
 * Describes the verifier logged for a signature: PEM text (`-----BEGIN PUBLIC KEY-----` or
 * `-----BEGIN CERTIFICATE-----`, the first block counts), or the base64 of that PEM as the entry
 * body stores it. Throws INPUT_MALFORMED.
 */
export function signerIdentityOfVerifier(verifier: string | Uint8Array): LoggedSignerIdentity {
  let text: string;
  if (typeof verifier === 'string' && verifier.trimStart().startsWith('-----BEGIN ')) text = verifier;
  else {
    const bytes = typeof verifier === 'string' ? decodeBase64Lenient(verifier.trim()) : Buffer.from(verifier);
    if (bytes === undefined) throw new AttestryError('INPUT_MALFORMED', 'the logged verifier is not base64');
    text = bytes.toString('utf8');
  }
  const first = pemBlocksAny(text)[0];
  if (first === undefined) throw new AttestryError('INPUT_MALFORMED', 'the logged verifier is empty');
  if (first.type === 'PUBLIC KEY') {
    const keyId = sha256Id(first.der);
    const algorithm = algorithmOf(first.der);
    return {
      kind: 'key',
      fingerprint: keyId,
      keyId,
      ...(algorithm !== undefined ? { algorithm } : {}),
      extensions: {},
    };
  }
  if (first.type !== 'CERTIFICATE')
    throw new AttestryError('INPUT_MALFORMED', `the logged verifier is a PEM ${first.type}`);
  const cert = parseCertificateDer(first.der);
  const spki = Buffer.from(cert.publicKey);
  const identity = certificateIdentity(cert);
  const algorithm = algorithmOf(spki);
  return {
    kind: 'certificate',
    fingerprint: sha256Id(first.der),
    keyId: sha256Id(spki),
    ...(algorithm !== undefined ? { algorithm } : {}),
    ...(identity.subjectAlternativeName !== undefined
      ? { subjectAlternativeName: identity.subjectAlternativeName }
      : {}),
    ...(identity.sanType !== undefined ? { sanType: identity.sanType } : {}),
    ...(identity.issuer !== undefined ? { issuer: identity.issuer } : {}),
    extensions: identity.extensions,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}
