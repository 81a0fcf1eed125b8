/**
 * Rekor entry bodies: building the canonical Rekor v1 bodies Attestry logs, and checking that a
 * transparency-log entry a bundle carries is about the bundle's content and signer.
 *
 * Attestry's entry bytes are what Rekor v1 logs for the same submission, so that a Sigstore
 * verifier recomputes the same leaf hash (DESIGN.md "The log"): RFC 8785 canonical JSON of
 * - hashedrekord 0.0.1 (rekor pkg/types/hashedrekord/v0.0.1 Canonicalize):
 *   {apiVersion, kind, spec: {data: {hash: {algorithm, value: hex}},
 *                              signature: {content: b64(sig), publicKey: {content: b64(PEM)}}}}
 *   where the PEM is the signer's certificate (leaf only) or its PKIX public key re-marshalled;
 * - dsse 0.0.1 (rekor pkg/types/dsse/v0.0.1 Unmarshal + Canonicalize):
 *   {apiVersion, kind, spec: {envelopeHash: {algorithm: sha256, value: hex(SHA-256(envelope
 *   bytes))}, payloadHash: {algorithm: sha256, value: hex(SHA-256(payload))}, signatures:
 *   [{signature: b64(sig), verifier: b64(PEM)}] sorted by signature}}; the payload is not logged.
 *
 * Entry bodies inside bundles are attacker-controlled until an inclusion proof or promise
 * from a trusted log covers them, and even then say nothing about *this* bundle unless they
 * match its content: that is what assertEntryMatches checks.
 */
import type { X509Certificate } from '@sigstore/core';
import { AttestryError, crypto, toHex, type HashAlgorithm } from '../core/index.js';
import { canonicalJsonBytes } from './canonical-json.js';
import { certificateDer } from './certificates.js';
import { preAuthEncoding, type DsseEnvelope } from './dsse.js';
import { decodeBase64Lenient, pemBlocksAny, toPem } from './encoding.js';
import type { PublicKeyInfo } from './keys.js';
import type { TlogEntry } from './schemas.js';

/** A verified signer's key material: a key, or a certificate and its key. */
export interface SignerMaterial {
  readonly key: PublicKeyInfo;
  readonly certificate?: X509Certificate;
}

/** The verifier PEM Rekor v1 stores for a signer: the leaf certificate, else the public key. */
export function verifierPem(signer: SignerMaterial): string {
  return signer.certificate
    ? toPem('CERTIFICATE', certificateDer(signer.certificate))
    : toPem('PUBLIC KEY', signer.key.spki);
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

/** The canonical hashedrekord 0.0.1 entry body. */
export function hashedRekordBody(
  digest: { algorithm: HashAlgorithm; value: Uint8Array },
  signature: Uint8Array,
  signer: SignerMaterial,
): Buffer {
  return canonicalJsonBytes({
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: digest.algorithm, value: toHex(digest.value) } },
      signature: {
        content: b64(signature),
        publicKey: { content: b64(Buffer.from(verifierPem(signer), 'utf8')) },
      },
    },
  });
}

/**
 * The canonical dsse 0.0.1 entry body. `signers[i]` verified `envelope.signatures[i]`;
 * `envelopeBytes` are the envelope bytes the entry commits to (stored beside the log).
 */
export function dsseBody(
  envelope: DsseEnvelope,
  envelopeBytes: Uint8Array,
  signers: readonly SignerMaterial[],
): Buffer {
  const signatures = envelope.signatures
    .map((s, i) => ({ signature: b64(s.sig), verifier: b64(Buffer.from(verifierPem(signers[i]!), 'utf8')) }))
    // Go's sort.Slice on the signature strings: byte order, which for base64 is code-unit order.
    .sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
  return canonicalJsonBytes({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: toHex(crypto.sha256(envelopeBytes)) },
      payloadHash: { algorithm: 'sha256', value: toHex(crypto.sha256(envelope.payload)) },
      signatures,
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Matching a logged entry against a bundle's content

/** What a bundle signed: a message (by its digest) or a DSSE envelope. */
export type SignedContent =
  | {
      readonly type: 'message';
      readonly digest: { algorithm: HashAlgorithm; value: Buffer };
      readonly signature: Buffer;
    }
  | { readonly type: 'dsse'; readonly envelope: DsseEnvelope };

function mismatch(message: string): never {
  throw new AttestryError(
    'TLOG_PROOF_INVALID',
    `the transparency log entry does not match the bundle: ${message}`,
  );
}

type Json = Record<string, unknown>;

function obj(v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) mismatch(`${what} is missing`);
  return v as Json;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') mismatch(`${what} is missing`);
  return v;
}

function bytes(v: unknown, what: string): Buffer {
  const b = decodeBase64Lenient(str(v, what));
  if (b === undefined) mismatch(`${what} is not base64`);
  return b;
}

/** The logged verifier (PEM text or DER key/certificate) names the signer's key or certificate. */
function assertVerifier(
  pemOrDer: { pem: string } | { der: Buffer; type: 'key' | 'certificate' },
  signer: SignerMaterial,
): void {
  let blocks: Array<{ type: string; der: Buffer }>;
  if ('pem' in pemOrDer) {
    try {
      blocks = pemBlocksAny(pemOrDer.pem);
    } catch {
      mismatch('the logged verifier is not PEM');
    }
  } else {
    blocks = [{ type: pemOrDer.type === 'key' ? 'PUBLIC KEY' : 'CERTIFICATE', der: pemOrDer.der }];
  }
  const first = blocks[0];
  if (first === undefined) mismatch('the logged verifier is empty');
  if (first.type === 'CERTIFICATE') {
    if (!signer.certificate || !first.der.equals(certificateDer(signer.certificate)))
      mismatch('the logged certificate is not the signing certificate');
  } else if (first.type === 'PUBLIC KEY') {
    if (!first.der.equals(signer.key.spki)) mismatch('the logged public key is not the signing key');
  } else {
    mismatch(`unexpected logged verifier ${first.type}`);
  }
}

const V2_HASH: Readonly<Record<string, HashAlgorithm>> = {
  SHA2_256: 'sha256',
  SHA2_384: 'sha384',
  SHA2_512: 'sha512',
};

function v2Verifier(v: unknown): { der: Buffer; type: 'key' | 'certificate' } {
  const verifier = obj(v, 'signature.verifier');
  if (verifier.x509Certificate !== undefined)
    return {
      type: 'certificate',
      der: bytes(obj(verifier.x509Certificate, 'x509Certificate').rawBytes, 'rawBytes'),
    };
  return { type: 'key', der: bytes(obj(verifier.publicKey, 'publicKey').rawBytes, 'rawBytes') };
}

function onlySignature(envelope: DsseEnvelope): Buffer {
  if (envelope.signatures.length !== 1) mismatch('a bundle envelope must carry exactly one signature');
  return envelope.signatures[0]!.sig;
}

/**
 * Checks that a logged entry body (kind/version from the bundle, which must agree with the
 * body) is about `content`, signed by `signer`: hashedrekord 0.0.1 and 0.0.2 (including the
 * Rekor v2 "hashedrekord over DSSE" encoding, digest = SHA-256(PAE), rekor-tiles CLIENTS.md),
 * dsse 0.0.1 and 0.0.2, intoto 0.0.2. Throws TLOG_PROOF_INVALID.
 */
export function assertEntryMatches(entry: TlogEntry, content: SignedContent, signer: SignerMaterial): void {
  let body: Json;
  try {
    body = obj(JSON.parse(entry.canonicalizedBody.toString('utf8')), 'body');
  } catch (e) {
    if (e instanceof AttestryError) throw e;
    mismatch('the logged body is not JSON');
  }
  if (body.kind !== entry.kind || body.apiVersion !== entry.version)
    mismatch(
      `the body is ${String(body.kind)}/${String(body.apiVersion)}, the bundle says ${entry.kind}/${entry.version}`,
    );
  const spec = obj(body.spec, 'spec');
  const kindVersion = `${entry.kind}/${entry.version}`;
  switch (kindVersion) {
    case 'hashedrekord/0.0.1': {
      if (content.type !== 'message') mismatch('a hashedrekord 0.0.1 entry for a DSSE envelope');
      const hash = obj(obj(spec.data, 'data').hash, 'data.hash');
      if (
        hash.algorithm !== content.digest.algorithm ||
        str(hash.value, 'hash.value') !== toHex(content.digest.value)
      )
        mismatch('artifact digest differs');
      const sig = obj(spec.signature, 'signature');
      if (!bytes(sig.content, 'signature.content').equals(content.signature)) mismatch('signature differs');
      const pem = bytes(obj(sig.publicKey, 'signature.publicKey').content, 'publicKey.content').toString(
        'utf8',
      );
      assertVerifier({ pem }, signer);
      return;
    }
    case 'hashedrekord/0.0.2': {
      const v2 = obj(spec.hashedRekordV002, 'hashedRekordV002');
      const data = obj(v2.data, 'data');
      const alg = V2_HASH[str(data.algorithm, 'data.algorithm')];
      const digest = bytes(data.digest, 'data.digest');
      const sig = obj(v2.signature, 'signature');
      let expected: { algorithm: HashAlgorithm; value: Buffer };
      let signature: Buffer;
      if (content.type === 'message') {
        expected = content.digest;
        signature = content.signature;
      } else {
        // Rekor v2 logs a DSSE envelope as hashedrekord: digest = SHA-256(PAE(type, payload)).
        expected = {
          algorithm: 'sha256',
          value: crypto.sha256(preAuthEncoding(content.envelope.payloadType, content.envelope.payload)),
        };
        signature = onlySignature(content.envelope);
      }
      if (alg !== expected.algorithm || !digest.equals(expected.value)) mismatch('digest differs');
      if (!bytes(sig.content, 'signature.content').equals(signature)) mismatch('signature differs');
      assertVerifier(v2Verifier(sig.verifier), signer);
      return;
    }
    case 'dsse/0.0.1': {
      if (content.type !== 'dsse') mismatch('a dsse entry for a message signature');
      const payloadHash = obj(spec.payloadHash, 'payloadHash');
      if (
        payloadHash.algorithm !== 'sha256' ||
        payloadHash.value !== toHex(crypto.sha256(content.envelope.payload))
      )
        mismatch('payload hash differs');
      const logged = spec.signatures;
      if (!Array.isArray(logged) || logged.length !== content.envelope.signatures.length)
        mismatch('signature count differs');
      const sig = onlySignature(content.envelope);
      const entrySig = obj(logged[0], 'signatures.0');
      if (!bytes(entrySig.signature, 'signature').equals(sig)) mismatch('signature differs');
      assertVerifier({ pem: bytes(entrySig.verifier, 'verifier').toString('utf8') }, signer);
      return;
    }
    case 'dsse/0.0.2': {
      if (content.type !== 'dsse') mismatch('a dsse entry for a message signature');
      const v2 = obj(spec.dsseV002, 'dsseV002');
      const payloadHash = obj(v2.payloadHash, 'payloadHash');
      if (
        payloadHash.algorithm !== 'SHA2_256' ||
        !bytes(payloadHash.digest, 'payloadHash.digest').equals(crypto.sha256(content.envelope.payload))
      )
        mismatch('payload hash differs');
      const logged = v2.signatures;
      if (!Array.isArray(logged) || logged.length !== 1) mismatch('signature count differs');
      const entrySig = obj(logged[0], 'signatures.0');
      if (!bytes(entrySig.content, 'signature').equals(onlySignature(content.envelope)))
        mismatch('signature differs');
      assertVerifier(v2Verifier(entrySig.verifier), signer);
      return;
    }
    case 'intoto/0.0.2': {
      if (content.type !== 'dsse') mismatch('an intoto entry for a message signature');
      const c = obj(spec.content, 'content');
      const payloadHash = obj(c.payloadHash, 'payloadHash');
      if (
        payloadHash.algorithm !== 'sha256' ||
        payloadHash.value !== toHex(crypto.sha256(content.envelope.payload))
      )
        mismatch('payload hash differs');
      const env = obj(c.envelope, 'envelope');
      if (env.payloadType !== content.envelope.payloadType) mismatch('payload type differs');
      const logged = env.signatures;
      if (!Array.isArray(logged) || logged.length !== 1) mismatch('signature count differs');
      const entrySig = obj(logged[0], 'signatures.0');
      // intoto 0.0.2 stores the envelope's base64 signature base64-encoded again.
      const inner = decodeBase64Lenient(bytes(entrySig.sig, 'sig').toString('utf8'));
      if (inner === undefined || !inner.equals(onlySignature(content.envelope)))
        mismatch('signature differs');
      assertVerifier({ pem: bytes(entrySig.publicKey, 'publicKey').toString('utf8') }, signer);
      return;
    }
    default:
      mismatch(`unsupported entry kind ${kindVersion}`);
  }
}
