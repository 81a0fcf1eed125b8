/**
 * From an item's plan to a signed submission in the shapes Attestry's gateway and sequencer
 * accept (libs/verify README.md): keys sign bare hashedrekords and DSSE envelopes with the PEM
 * public key, as `attestry sign` / `attest` do; certificate identities sign a Sigstore bundle
 * v0.3 with the leaf certificate and no transparency-log entry yet (what a Sigstore client holds
 * before it logs), checked by the log at its integration time. Also computes the entry hash the
 * log will give it (hex RFC 6962 leaf hash of the canonical Rekor v1 body), the gateway's Kafka key.
 */
import { X509Certificate } from '@sigstore/core';
import { crypto } from '../core/index.js';
import { hashLeaf } from '../merkle/index.js';
import {
  dsseBody,
  envelopeSerializations,
  hashedRekordBody,
  preAuthEncoding,
  publicKeyInfo,
  type SignerMaterial,
} from '../verify/index.js';
import { demoCa, GITHUB_ACTIONS_ISSUER, type CiClaims, type LeafIdentity } from './ca.js';
import { ecdsaKeyFrom, type DemoKey } from './keys.js';
import {
  LEAF_NOT_AFTER,
  LEAF_NOT_BEFORE,
  type DemoModel,
  type ItemKind,
  type ItemPlan,
  type SignerRef,
} from './model.js';
import { derive } from './prng.js';
import { cycloneDxStatement, provenanceStatement, spdxStatement, vsaStatement } from './statements.js';

export const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** One generated, signed submission. */
export interface DemoItem {
  readonly index: number;
  readonly kind: ItemKind;
  /** The submission (POST /api/v1/entries body, SubmissionEvent `input`) as JSON text. */
  readonly json: string;
  /** Hex leaf hash of the entry the log will append: the gateway's Kafka key. */
  readonly entryHash: string;
  /** Key id of the signing key (the certificate's key for identities). */
  readonly keyId: string;
  readonly signerType: 'key' | 'certificate';
  /** The subject's identity digest (`sha256:` / `sha512:`). */
  readonly subject: string;
  /** Signed by the compromised key. */
  readonly compromised: boolean;
  /** Depends (as a material or SBOM component) on an artifact the compromised key signed. */
  readonly victim: boolean;
  /** SBOM components or provenance materials (dependency edges stated). */
  readonly edges: number;
}

interface ResolvedSigner {
  readonly key: DemoKey;
  readonly certificateDer?: Buffer;
  readonly material: SignerMaterial;
}

/** Signs the plans of one model; holds the few keys and certificates in use (bounded cache). */
export class DemoSigner {
  private readonly cache = new Map<string, ResolvedSigner>();

  constructor(private readonly model: DemoModel) {}

  private resolve(ref: SignerRef): ResolvedSigner {
    const cacheKey = JSON.stringify(ref);
    const hit = this.cache.get(cacheKey);
    if (hit) return hit;
    let resolved: ResolvedSigner;
    if (ref.type === 'compromised') {
      const key = this.model.compromisedKey();
      resolved = { key, material: { key: publicKeyInfo(key.publicKey) } };
    } else if (ref.type === 'key') {
      const p = this.model.publisher(ref.publisher);
      const key = ref.alg === 'ecdsa' ? p.ecdsa : p.ed25519;
      resolved = { key, material: { key: publicKeyInfo(key.publicKey) } };
    } else {
      const label = `${ref.publisher}/${ref.project}/${ref.epoch}`;
      // Fulcio certifies an ephemeral key per signing; here one per identity and epoch.
      const key = ecdsaKeyFrom(this.model.seed, 'leaf', label);
      const der = demoCa().issue({
        identity: this.identity(ref),
        spki: key.spki,
        notBefore: LEAF_NOT_BEFORE,
        notAfter: LEAF_NOT_AFTER,
        serialLabel: `${this.model.seed}/${label}`,
      });
      resolved = {
        key,
        certificateDer: der,
        material: { key: publicKeyInfo(key.publicKey), certificate: X509Certificate.parse(Buffer.from(der)) },
      };
    }
    if (this.cache.size >= 4096) this.cache.clear();
    this.cache.set(cacheKey, resolved);
    return resolved;
  }

  /** The Fulcio identity of a publisher: a GitHub Actions release workflow, or an e-mail. */
  identity(ref: Extract<SignerRef, { type: 'identity' }>): LeafIdentity {
    const p = this.model.publisher(ref.publisher);
    if (p.kind !== 'org')
      return {
        kind: 'email',
        email: p.email ?? `${p.name}@users.noreply.github.com`,
        issuer: p.emailIssuer ?? 'https://github.com/login/oauth',
      };
    const repo = `https://github.com/${p.name}/${ref.project}`;
    const workflow = `${repo}/.github/workflows/release.yml@refs/heads/main`;
    const commit = derive(this.model.seed, 'workflow-commit', ref.publisher, ref.project, ref.epoch)
      .subarray(0, 20)
      .toString('hex');
    const repoId =
      100_000_000 + (derive(this.model.seed, 'repo-id', p.name, ref.project).readUInt32BE(0) % 800_000_000);
    const claims: CiClaims = {
      buildSignerUri: workflow,
      buildSignerDigest: commit,
      runnerEnvironment: 'github-hosted',
      sourceRepositoryUri: repo,
      sourceRepositoryDigest: commit,
      sourceRepositoryRef: 'refs/heads/main',
      sourceRepositoryIdentifier: String(repoId),
      sourceRepositoryOwnerUri: `https://github.com/${p.name}`,
      sourceRepositoryOwnerIdentifier: String(p.ownerId),
      buildConfigUri: workflow,
      buildConfigDigest: commit,
      buildTrigger: 'push',
      runInvocationUri: `${repo}/actions/runs/${8_000_000_000 + ref.epoch}/attempts/1`,
      sourceRepositoryVisibilityAtSigning: 'public',
    };
    return { kind: 'workflow', uri: workflow, claims };
  }

  /** The issuer an identity signer's certificate names (for summaries). */
  static issuerOf(identity: LeafIdentity): string {
    return identity.kind === 'email' ? identity.issuer : GITHUB_ACTIONS_ISSUER;
  }

  sign(plan: ItemPlan): DemoItem {
    const signer = this.resolve(plan.signer);
    const common = {
      index: plan.index,
      kind: plan.kind,
      keyId: signer.key.keyId,
      signerType: signer.certificateDer ? ('certificate' as const) : ('key' as const),
      subject: plan.subject.key,
      compromised: plan.signer.type === 'compromised',
    };
    if (plan.kind === 'hashedrekord') {
      const a = plan.subject;
      const algorithm = a.digest.sha256 !== undefined ? 'sha256' : 'sha512';
      const value = Buffer.from((a.digest.sha256 ?? a.digest.sha512)!, 'hex');
      const signature = signer.key.signDigest(value);
      const input = signer.certificateDer
        ? {
            mediaType: BUNDLE_V03,
            verificationMaterial: {
              certificate: { rawBytes: signer.certificateDer.toString('base64') },
              tlogEntries: [],
            },
            messageSignature: {
              messageDigest: {
                algorithm: algorithm === 'sha256' ? 'SHA2_256' : 'SHA2_512',
                digest: value.toString('base64'),
              },
              signature: signature.toString('base64'),
            },
          }
        : {
            artifactDigest: { algorithm, hex: value.toString('hex') },
            signature: signature.toString('base64'),
            verificationMaterial: { publicKey: signer.key.pem },
          };
      const body = hashedRekordBody({ algorithm, value }, signature, signer.material);
      return {
        ...common,
        json: JSON.stringify(input),
        entryHash: hashLeaf(body).toString('hex'),
        victim: false,
        edges: 0,
      };
    }
    let statement: unknown;
    let victim = false;
    let edges = 0;
    switch (plan.kind) {
      case 'slsa-provenance':
        statement = provenanceStatement(plan);
        victim = plan.materials.some((m) => m.type === 'artifact' && m.artifact.compromised);
        edges = plan.materials.length;
        break;
      case 'slsa-vsa':
        statement = vsaStatement(plan, this.model.seed);
        break;
      case 'cyclonedx':
      case 'spdx':
        statement =
          plan.kind === 'cyclonedx'
            ? cycloneDxStatement(plan, this.model.seed)
            : spdxStatement(plan, this.model.seed);
        victim = plan.components.some((c) => c.target.type === 'artifact' && c.target.artifact.compromised);
        edges = plan.components.length;
        break;
    }
    const payload = Buffer.from(JSON.stringify(statement), 'utf8');
    const sig = signer.key.signMessage(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload));
    const envelope = {
      payload: payload.toString('base64'),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: sig.toString('base64') }],
    };
    const input = signer.certificateDer
      ? {
          mediaType: BUNDLE_V03,
          verificationMaterial: {
            certificate: { rawBytes: signer.certificateDer.toString('base64') },
            tlogEntries: [],
          },
          dsseEnvelope: envelope,
        }
      : { dsseEnvelope: envelope, verificationMaterial: { publicKey: signer.key.pem } };
    const parsed = { payloadType: IN_TOTO_PAYLOAD_TYPE, payload, signatures: [{ sig }] };
    const body = dsseBody(parsed, envelopeSerializations(parsed)[0]!, [signer.material]);
    return {
      ...common,
      json: JSON.stringify(input),
      entryHash: hashLeaf(body).toString('hex'),
      victim,
      edges,
    };
  }
}

/** SHA-256 of a submission's JSON (for determinism checks and logs). */
export function itemFingerprint(item: DemoItem): string {
  return crypto.sha256(Buffer.from(item.json)).toString('hex');
}
