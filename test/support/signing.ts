/**
 * Real signing events for tests, in the JSON shapes Attestry accepts (libs/verify/README.md):
 * hashedrekord submissions and DSSE envelopes with their verification material. Signed with
 * node:crypto directly, independently of libs/verify.
 */
import { constants, createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export interface TestSigner {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  /** RSA only: sign with PSS (randomised) instead of PKCS#1 v1.5. */
  pss?: boolean;
}

export function makeSigner(type: 'ecdsa-p256' | 'ed25519'): TestSigner {
  const { privateKey, publicKey } =
    type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return signerFrom(privateKey, publicKey);
}

export function signerFrom(
  privateKey: KeyObject,
  publicKey: KeyObject,
  opts: { pss?: boolean } = {},
): TestSigner {
  return {
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    ...(opts.pss ? { pss: true } : {}),
  };
}

function signBytes(s: TestSigner, data: Buffer): Buffer {
  if (s.privateKey.asymmetricKeyType === 'ed25519') return sign(null, data, s.privateKey);
  if (s.pss)
    return sign('sha256', data, {
      key: s.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
  return sign('sha256', data, s.privateKey);
}

export const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/**
 * A hashedrekord submission: SHA-256 digest of `artifact` and an ECDSA signature over it.
 * `signatureOf` signs other bytes instead (a forged or mismatched signature).
 */
export function hashedRekordInput(s: TestSigner, artifact: Buffer, opts: { signatureOf?: Buffer } = {}) {
  return {
    artifactDigest: { algorithm: 'sha256' as const, hex: sha256Hex(artifact) },
    signature: signBytes(s, opts.signatureOf ?? artifact).toString('base64'),
    verificationMaterial: { publicKey: s.publicKeyPem },
  };
}

/** DSSE PAE (DSSE protocol.md): "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const t = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${payload.length} `), payload]);
}

/** A DSSE envelope over `payload` (an object is JSON-encoded) signed by every signer. */
export function dsseEnvelope(
  signers: TestSigner[],
  payload: unknown,
  payloadType = 'application/vnd.in-toto+json',
) {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload), 'utf8');
  const data = pae(payloadType, body);
  return {
    payload: body.toString('base64'),
    payloadType,
    signatures: signers.map((s) => ({ sig: signBytes(s, data).toString('base64') })),
  };
}

export function dsseInput(
  signers: TestSigner[],
  payload: unknown,
  payloadType = 'application/vnd.in-toto+json',
) {
  return {
    dsseEnvelope: dsseEnvelope(signers, payload, payloadType),
    verificationMaterial:
      signers.length === 1
        ? { publicKey: signers[0]?.publicKeyPem ?? '' }
        : signers.map((s) => ({ publicKey: s.publicKeyPem })),
  };
}

/** An in-toto Statement v1 about one artifact. */
export function statement(subjectName: string, artifact: Buffer, predicateType: string, predicate: unknown) {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: subjectName, digest: { sha256: sha256Hex(artifact) } }],
    predicateType,
    predicate,
  };
}
