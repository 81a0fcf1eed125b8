/**
 * The demo certificate authority: it plays Fulcio for generated identities. A self-signed ECDSA
 * P-256 root issues leaf certificates shaped as Fulcio v2 issues them (empty subject, critical
 * SAN with an e-mail or a GitHub Actions workflow URI, KeyUsage digitalSignature, EKU
 * codeSigning, the OIDC issuer in 1.3.6.1.4.1.57264.1.8 and the CI claims in .9 to .22 as DER
 * UTF8Strings; github.com/sigstore/fulcio docs/oid-info.md, docs/certificate-specification.md).
 *
 * DEMO ONLY. The root's private key is derived from a string published in this file, so anyone
 * can issue certificates under it: trusting its TrustedRoot means trusting every certificate
 * anyone makes. It exists so that every run, thread and process of the demo agrees on one CA
 * without sharing a secret. Never add it to a production verifier's TRUSTED_ROOT_FILES.
 */
import { crypto } from '../core/index.js';
import { ecdsaScalar } from './keys.js';
import { derive } from './prng.js';
import {
  authorityKeyIdentifier,
  basicConstraintsCa,
  buildCertificate,
  extKeyUsage,
  fulcioRaw,
  fulcioString,
  keyUsage,
  name,
  OID,
  subjectAltName,
  subjectKeyIdentifier,
  type Extension,
} from './x509.js';

/** Public on purpose: the CA key is a function of this string (see the file comment). */
export const DEMO_CA_SEED =
  'attestry demo CA - NOT FOR PRODUCTION - its private key is derived from this public string';
export const DEMO_CA_URI = 'https://fulcio.demo.attestry.invalid';
export const DEMO_CA_COMMON_NAME = 'attestry demo fulcio (NOT FOR PRODUCTION)';
export const DEMO_CA_ORGANIZATION = 'attestry-demo';
/** The root's validity, and the TrustedRoot's validFor start: long before any generated certificate. */
export const DEMO_CA_NOT_BEFORE = new Date('2024-01-01T00:00:00Z');
export const DEMO_CA_NOT_AFTER = new Date('2049-12-31T23:59:59Z');

export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

/** The claims of a GitHub Actions workload identity (Fulcio OIDs .9 to .22). */
export interface CiClaims {
  buildSignerUri: string; // .9
  buildSignerDigest: string; // .10
  runnerEnvironment: string; // .11
  sourceRepositoryUri: string; // .12
  sourceRepositoryDigest: string; // .13
  sourceRepositoryRef: string; // .14
  sourceRepositoryIdentifier: string; // .15
  sourceRepositoryOwnerUri: string; // .16
  sourceRepositoryOwnerIdentifier: string; // .17
  buildConfigUri: string; // .18
  buildConfigDigest: string; // .19
  buildTrigger: string; // .20
  runInvocationUri: string; // .21
  sourceRepositoryVisibilityAtSigning: string; // .22
}

const CI_OIDS: ReadonlyArray<[number, keyof CiClaims]> = [
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
];

export type LeafIdentity =
  | { readonly kind: 'email'; readonly email: string; readonly issuer: string }
  | { readonly kind: 'workflow'; readonly uri: string; readonly claims: CiClaims };

export interface LeafRequest {
  readonly identity: LeafIdentity;
  /** DER SubjectPublicKeyInfo of the signer's key. */
  readonly spki: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Labels that make the serial number unique and deterministic. */
  readonly serialLabel: string;
}

export class DemoCa {
  private readonly scalar: Buffer;
  readonly spki: Buffer;
  readonly subject: Buffer;
  /** DER of the self-signed root certificate. */
  readonly rootDer: Buffer;

  constructor() {
    this.scalar = ecdsaScalar(DEMO_CA_SEED, 'root');
    this.spki = crypto.spkiDer(crypto.publicKeyOf(crypto.ecdsaP256PrivateFromScalar(this.scalar)));
    this.subject = name([
      [OID.organization, DEMO_CA_ORGANIZATION],
      [OID.commonName, DEMO_CA_COMMON_NAME],
    ]);
    this.rootDer = buildCertificate(
      {
        serial: derive(DEMO_CA_SEED, 'root-serial').subarray(0, 16),
        issuer: this.subject,
        subject: this.subject,
        notBefore: DEMO_CA_NOT_BEFORE,
        notAfter: DEMO_CA_NOT_AFTER,
        spki: this.spki,
        extensions: [
          keyUsage([5, 6]), // keyCertSign, cRLSign
          basicConstraintsCa(0), // leaves only, as Fulcio's intermediate
          subjectKeyIdentifier(this.spki),
        ],
      },
      (digest) => this.sign(digest),
    );
  }

  private sign(digest: Buffer): Buffer {
    return crypto.signEcdsaP256DigestDeterministic(this.scalar, digest);
  }

  /** A Fulcio-shaped leaf certificate (DER). */
  issue(req: LeafRequest): Buffer {
    const id = req.identity;
    const issuer = id.kind === 'email' ? id.issuer : GITHUB_ACTIONS_ISSUER;
    const extensions: Extension[] = [
      keyUsage([0]), // digitalSignature
      extKeyUsage(OID.codeSigning),
      subjectKeyIdentifier(req.spki),
      authorityKeyIdentifier(this.spki),
      // Empty subject: the SAN is the identity and must be critical (RFC 5280 §4.2.1.6).
      subjectAltName(id.kind === 'email' ? { email: id.email } : { uri: id.uri }, true),
      fulcioRaw(1, issuer), // deprecated raw issuer, still written by Fulcio v2
      fulcioString(8, issuer),
    ];
    if (id.kind === 'workflow') {
      for (const [n, key] of CI_OIDS) extensions.push(fulcioString(n, id.claims[key]));
    }
    return buildCertificate(
      {
        serial: derive(DEMO_CA_SEED, 'leaf-serial', req.serialLabel).subarray(0, 16),
        issuer: this.subject,
        subject: name([]),
        notBefore: req.notBefore,
        notAfter: req.notAfter,
        spki: req.spki,
        extensions,
      },
      (digest) => this.sign(digest),
    );
  }

  /**
   * A Sigstore TrustedRoot (protobuf-specs dev.sigstore.trustroot.v1, JSON) naming this CA and
   * nothing else. It lists no CT log, so Attestry's verifier asks its leaves for no SCT (an
   * operator's CA, libs/verify trust.ts); the demo CA runs no CT log and could not give one.
   */
  trustedRoot(): DemoTrustedRoot {
    return {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [],
      certificateAuthorities: [
        {
          subject: { organization: DEMO_CA_ORGANIZATION, commonName: DEMO_CA_COMMON_NAME },
          uri: DEMO_CA_URI,
          certChain: { certificates: [{ rawBytes: this.rootDer.toString('base64') }] },
          validFor: { start: DEMO_CA_NOT_BEFORE.toISOString().replace('.000Z', 'Z') },
        },
      ],
      ctlogs: [],
      timestampAuthorities: [],
    };
  }
}

export interface DemoTrustedRoot {
  mediaType: string;
  tlogs: unknown[];
  certificateAuthorities: Array<{
    subject: { organization: string; commonName: string };
    uri: string;
    certChain: { certificates: Array<{ rawBytes: string }> };
    validFor: { start: string };
  }>;
  ctlogs: unknown[];
  timestampAuthorities: unknown[];
}

let shared: DemoCa | undefined;

/** The demo CA (one per thread: building it signs the root once). */
export function demoCa(): DemoCa {
  shared ??= new DemoCa();
  return shared;
}

/** The demo CA's TrustedRoot JSON document, as text (stable bytes). */
export function demoTrustedRootJson(): string {
  return `${JSON.stringify(demoCa().trustedRoot(), null, 2)}\n`;
}
