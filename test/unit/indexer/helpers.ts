/** Log entries built the way the log builds them (libs/verify bodies), for the indexer's core tests. */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { X509Certificate } from '@sigstore/core';
import {
  dsseBody,
  hashedRekordBody,
  parsePublicKey,
  type SignerMaterial,
} from '../../../libs/verify/index.js';
import type { EntryToProject } from '../../../services/indexer/project.js';
import { dsseEnvelope, makeSigner, type TestSigner } from '../../support/signing.js';

export const FIXTURES = new URL('../../fixtures/', import.meta.url);

export function fixtureText(path: string): string {
  return readFileSync(new URL(path, FIXTURES), 'utf8');
}

export function fixtureJson<T = unknown>(path: string): T {
  return JSON.parse(fixtureText(path)) as T;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();
const leaf = (body: Buffer) =>
  createHash('sha256')
    .update(Buffer.from([0]))
    .update(body)
    .digest();

export function keyMaterial(s: TestSigner): SignerMaterial {
  return { key: parsePublicKey(s.publicKeyPem) };
}

/** The signing certificate of a real Sigstore bundle, as the log would record it. */
export function bundleCertificate(path: string): { material: SignerMaterial; pem: string } {
  const bundle = fixtureJson<{
    verificationMaterial: {
      x509CertificateChain?: { certificates: { rawBytes: string }[] };
      certificate?: { rawBytes: string };
    };
  }>(path);
  const vm = bundle.verificationMaterial;
  const raw = vm.certificate?.rawBytes ?? vm.x509CertificateChain?.certificates[0]?.rawBytes ?? '';
  const der = Buffer.from(raw, 'base64');
  const certificate = X509Certificate.parse(der);
  const key = parsePublicKey(Buffer.from(certificate.publicKey).toString('base64'));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return {
    material: { key, certificate },
    pem: `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`,
  };
}

export function hashedRekordEntry(
  logIndex: number,
  signer: SignerMaterial,
  artifact: Buffer,
  integratedTime = 1_700_000_000,
): EntryToProject {
  const body = hashedRekordBody(
    { algorithm: 'sha256', value: sha256(artifact) },
    Buffer.from('signature'),
    signer,
  );
  return {
    logIndex,
    leafHash: leaf(body),
    kind: 'hashedrekord',
    body,
    integratedTime,
    attestationHash: null,
    attestation: undefined,
  };
}

/**
 * A dsse entry over an envelope (JSON as submitted: payload base64, payloadType, signatures),
 * with its attestation bytes (the compact JSON the log stores) unless `attestation` says otherwise.
 */
export function dsseEntry(
  logIndex: number,
  envelope: { payload: string; payloadType: string; signatures: { sig: string; keyid?: string }[] },
  signers: SignerMaterial[],
  opts: { integratedTime?: number; attestation?: Buffer | null } = {},
): EntryToProject {
  const envelopeBytes = Buffer.from(JSON.stringify(envelope), 'utf8');
  const body = dsseBody(
    {
      payloadType: envelope.payloadType,
      payload: Buffer.from(envelope.payload, 'base64'),
      signatures: envelope.signatures.map((s) => ({
        sig: Buffer.from(s.sig, 'base64'),
        ...(s.keyid !== undefined ? { keyid: s.keyid } : {}),
      })),
    },
    envelopeBytes,
    signers,
  );
  const attestation = opts.attestation === undefined ? envelopeBytes : opts.attestation;
  return {
    logIndex,
    leafHash: leaf(body),
    kind: 'dsse',
    body,
    integratedTime: opts.integratedTime ?? 1_700_000_000,
    attestationHash: sha256(envelopeBytes),
    attestation: attestation ?? undefined,
  };
}

/** A dsse entry over a statement signed by a fresh test key. */
export function statementEntry(
  logIndex: number,
  statement: unknown,
  opts: { signer?: TestSigner; payloadType?: string; attestation?: Buffer | null } = {},
): EntryToProject {
  const signer = opts.signer ?? makeSigner('ecdsa-p256');
  const env = dsseEnvelope([signer], statement, opts.payloadType);
  return dsseEntry(logIndex, env, [keyMaterial(signer)], {
    ...(opts.attestation !== undefined ? { attestation: opts.attestation } : {}),
  });
}

export const SUBJECT_SHA256 = 'a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf';

export function statementAbout(predicateType: string, predicate: unknown, subject?: unknown[]) {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: subject ?? [{ name: 'artifact', digest: { sha256: SUBJECT_SHA256 } }],
    predicateType,
    predicate,
  };
}
