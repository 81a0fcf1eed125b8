/**
 * Signer material from verification inputs (keys, key hints, certificates) and the verified
 * signer descriptions Attestry indexes: keys by `sha256:<hex SHA-256 of the DER SPKI>`,
 * certificates by SAN + OIDC issuer (+ Fulcio CI extensions).
 */
import type { X509Certificate } from '@sigstore/core';
import { AttestryError, type ErrorCode } from '../core/index.js';
import {
  certificateDer,
  certificateIdentity,
  certificatePublicKey,
  countVerifiedScts,
  parseCertificateDer,
  parseCertificates,
  verifyCertificateChain,
  type CertificateIdentity,
  type VerifiedChain,
} from './certificates.js';
import { toPem } from './encoding.js';
import type { SignerMaterial } from './entries.js';
import { parsePublicKey, type KeyAlgorithm } from './keys.js';
import type { VerificationMaterialJson } from './schemas.js';
import { inRange, type KeyHint, type TimeRange, type TrustMaterial } from './trust.js';

export type Signer =
  | {
      readonly type: 'key';
      /** `sha256:` + hex SHA-256 of the DER SubjectPublicKeyInfo. */
      readonly keyId: string;
      readonly algorithm: KeyAlgorithm;
      readonly publicKeyPem: string;
      /** The hint the key was named by (npm registry key id), if any. */
      readonly hint?: string;
    }
  | {
      readonly type: 'certificate';
      /** Key id of the certificate's public key. */
      readonly keyId: string;
      readonly algorithm: KeyAlgorithm;
      readonly certificatePem: string;
      /** SAN, OIDC issuer and Fulcio CI extensions. */
      readonly identity: CertificateIdentity;
      readonly notBefore: Date;
      readonly notAfter: Date;
      /** The certificate authority it chains to (its URI from the trusted root, when given). */
      readonly certificateAuthority?: string;
    };

/** Signer material plus how it is trusted: a key's validity window, or a certificate to chain. */
export interface ResolvedMaterial extends SignerMaterial {
  readonly hint?: string;
  /** For keys named by a hint: when the key may sign. Explicit keys are not time-bound. */
  readonly validFor?: TimeRange;
}

function wrap<T>(code: ErrorCode, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof AttestryError && (e.code === 'INPUT_MALFORMED' || e.code === 'BUNDLE_MALFORMED'))
      throw new AttestryError(code, e.message, { cause: e });
    throw e;
  }
}

export function resolveHint(hint: string | undefined, keyHints: readonly KeyHint[]): ResolvedMaterial {
  const found = hint === undefined ? undefined : keyHints.find((k) => k.hint === hint);
  if (found === undefined)
    throw new AttestryError(
      'KEY_UNTRUSTED',
      `no trusted key is known by the hint ${JSON.stringify(hint ?? '')}`,
    );
  return { key: found.key, hint: found.hint, ...(found.validFor ? { validFor: found.validFor } : {}) };
}

export function materialFromCertificateDer(der: Uint8Array, code: ErrorCode): ResolvedMaterial {
  const certificate = wrap(code, () => parseCertificateDer(der));
  return { key: certificatePublicKey(certificate), certificate };
}

/** Resolves one `verificationMaterial` of a bare DSSE or hashedrekord submission. */
export function resolveMaterialJson(
  vm: VerificationMaterialJson,
  keyHints: readonly KeyHint[],
): ResolvedMaterial {
  if ('publicKey' in vm) return { key: parsePublicKey(vm.publicKey) };
  if ('publicKeyHint' in vm) return resolveHint(vm.publicKeyHint, keyHints);
  const certs: X509Certificate[] =
    'certificate' in vm
      ? parseCertificates(vm.certificate)
      : vm.certificateChain.flatMap((c) => parseCertificates(c));
  const leaf = certs[0]!;
  return { key: certificatePublicKey(leaf), certificate: leaf };
}

export interface TrustedMaterial {
  readonly material: ResolvedMaterial;
  readonly chain?: VerifiedChain;
}

/**
 * Checks that the material was trusted at every one of `times`: a hinted key inside its
 * validity window (KEY_UNTRUSTED), a certificate chaining to a CA trusted at each time and
 * carrying a verified SCT when its CA requires one (CERTIFICATE_UNTRUSTED).
 */
export function assertTrustedAt(
  material: ResolvedMaterial,
  trust: TrustMaterial,
  times: readonly Date[],
): TrustedMaterial {
  if (times.length === 0) throw new AttestryError('TIMESTAMP_INVALID', 'no time to check the signer at');
  if (!material.certificate) {
    for (const t of times) {
      if (!inRange(material.validFor, t))
        throw new AttestryError(
          'KEY_UNTRUSTED',
          `the key ${material.hint ?? material.key.keyId} was not valid at ${t.toISOString()}`,
        );
    }
    return { material };
  }
  let chain: VerifiedChain | undefined;
  for (const t of times) chain = verifyCertificateChain(material.certificate, trust, t);
  if (chain!.authority.requireSct) {
    const issuer = chain!.path[1];
    if (issuer === undefined || countVerifiedScts(material.certificate, issuer, trust.ctlogs) < 1)
      throw new AttestryError(
        'CERTIFICATE_UNTRUSTED',
        'the certificate carries no SCT from a trusted CT log',
      );
  }
  return { material, chain: chain! };
}

export function describeSigner(t: TrustedMaterial): Signer {
  const { material } = t;
  if (!material.certificate) {
    return {
      type: 'key',
      keyId: material.key.keyId,
      algorithm: material.key.algorithm,
      publicKeyPem: toPem('PUBLIC KEY', material.key.spki),
      ...(material.hint !== undefined ? { hint: material.hint } : {}),
    };
  }
  const cert = material.certificate;
  return {
    type: 'certificate',
    keyId: material.key.keyId,
    algorithm: material.key.algorithm,
    certificatePem: toPem('CERTIFICATE', certificateDer(cert)),
    identity: certificateIdentity(cert),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    ...(t.chain?.authority.uri ? { certificateAuthority: t.chain.authority.uri } : {}),
  };
}
