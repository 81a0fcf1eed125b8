/**
 * libs/verify: verification of signing events, pure. Sigstore bundles (v0.1 to v0.3), bare DSSE
 * envelopes and hashedrekords are checked against trust material passed in (a Sigstore
 * TrustedRoot, an operator's CA, key hints) at times that verified evidence gives, never at
 * "now" by default; a verified submission comes with the canonical Rekor v1 entry body it is
 * logged as. See README.md for the input shapes and the gaps filled over @sigstore/verify.
 */
export {
  parseSubmissionInput,
  parseBundle,
  SigstoreBundleJson,
  DsseSubmissionJson,
  HashedRekordSubmissionJson,
  VerificationMaterialJson,
  SubmissionInputJson,
  BUNDLE_MEDIA_TYPES,
  type SubmissionInput,
  type ParsedBundle,
  type TlogEntry,
  type BundleVersion,
} from './schemas.js';
export {
  verifySubmission,
  verifySubmissionInput,
  MAX_ENTRY_BYTES,
  type VerifySubmissionOptions,
  type VerifiedSubmission,
} from './submission.js';
export {
  verifyBundle,
  type VerifyBundleOptions,
  type VerifiedBundle,
  type BundlePolicy,
  type ArtifactInput,
} from './verify-bundle.js';
export { runVerifyBundleCli, VERIFY_BUNDLE_USAGE, type VerifyBundleCliIo } from './cli.js';
export {
  parseTrustedRoot,
  combineTrust,
  certificateAuthorityTrust,
  npmRegistryKeyHints,
  type TrustMaterial,
  type KeyHint,
  type TimeRange,
  type CertificateAuthority,
  type TransparencyLog,
  type TimestampAuthority,
} from './trust.js';
export { PUBLIC_GOOD_TRUSTED_ROOT } from './public-good-trusted-root.js';
export type { Signer } from './signers.js';
export type { CertificateIdentity, FulcioExtensions } from './certificates.js';
export type { VerifiedTime } from './bundle-core.js';
export { hashedRekordBody, dsseBody, type SignerMaterial } from './entries.js';
export {
  preAuthEncoding,
  envelopeSerializations,
  inTotoSubjects,
  type DsseEnvelope,
  type InTotoSubject,
} from './dsse.js';
export { parsePublicKey, publicKeyInfo, type PublicKeyInfo, type KeyAlgorithm } from './keys.js';
export { canonicalizeJson, canonicalJsonBytes, type JsonValue } from './canonical-json.js';
export * from './signer-identity.js';
