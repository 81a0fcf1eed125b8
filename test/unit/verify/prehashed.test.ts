/**
 * Signature verification over a digest alone (hashedrekord): ECDSA P-256/P-384 and RSA
 * PKCS#1 v1.5 / PSS implemented over BigInt, checked against signatures node:crypto (OpenSSL)
 * makes, for random messages (fast-check), and against malformed signatures.
 */
import assert from 'node:assert/strict';
import nodeCrypto from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { publicKeyInfo } from '../../../libs/verify/index.js';
import { verifyDigest, verifyMessage } from '../../../libs/verify/keys.js';
import { parseDerEcdsaSignature, verifyEcdsaDigest } from '../../../libs/verify/prehashed.js';

type Hash = 'sha256' | 'sha384' | 'sha512';

const keys = {
  p256: nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  p384: nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  rsa: nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 }),
  rsaOdd: nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2049 }),
  rsaPss: nodeCrypto.generateKeyPairSync('rsa-pss', { modulusLength: 2048 }),
};

function digestOf(hash: Hash, m: Uint8Array): Buffer {
  return nodeCrypto.createHash(hash).update(m).digest();
}

function flip(b: Buffer, i: number): Buffer {
  const c = Buffer.from(b);
  c[i % c.length]! ^= 0x01;
  return c;
}

describe('verifyDigest agrees with OpenSSL', () => {
  const cases: Array<[string, nodeCrypto.KeyPairKeyObjectResult, Hash, 'plain' | 'pss' | 'p1363']> = [
    ['P-256 / SHA-256', keys.p256, 'sha256', 'plain'],
    ['P-256 / SHA-512 (digest truncated to the order)', keys.p256, 'sha512', 'plain'],
    ['P-384 / SHA-384', keys.p384, 'sha384', 'plain'],
    ['P-384 / SHA-256', keys.p384, 'sha256', 'plain'],
    ['P-256 / SHA-256, IEEE P1363 signature', keys.p256, 'sha256', 'p1363'],
    ['RSA-2048 PKCS#1 v1.5 / SHA-256', keys.rsa, 'sha256', 'plain'],
    ['RSA-2048 PSS / SHA-384', keys.rsa, 'sha384', 'pss'],
    ['RSA-2049 PSS / SHA-256 (emLen < k)', keys.rsaOdd, 'sha256', 'pss'],
    ['RSASSA-PSS key / SHA-256', keys.rsaPss, 'sha256', 'pss'],
  ];
  for (const [name, pair, hash, form] of cases) {
    it(name, () => {
      const info = publicKeyInfo(pair.publicKey);
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.nat(), (m, i) => {
          const key =
            form === 'pss'
              ? {
                  key: pair.privateKey,
                  padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING,
                  saltLength: (i % 3) * 16,
                }
              : form === 'p1363'
                ? { key: pair.privateKey, dsaEncoding: 'ieee-p1363' as const }
                : pair.privateKey;
          const sig = nodeCrypto.sign(hash, m, key);
          const d = digestOf(hash, m);
          assert.equal(verifyDigest(info, hash, d, sig), true);
          // (only the leftmost bits up to the curve order's length count for ECDSA: flip within them)
          assert.equal(verifyDigest(info, hash, flip(d, i % 32), sig), false);
          assert.equal(verifyDigest(info, hash, d, flip(sig, i)), false);
        }),
        { numRuns: 12 },
      );
    });
  }

  it('accepts an IEEE P1363 signature whose r begins with 0x30 (it looks like DER)', () => {
    // Found by the property above (seed 1235983874): 1 in 256 P1363 signatures start with 0x30.
    const info = publicKeyInfo(keys.p256.publicKey);
    let found = 0;
    for (let i = 0; found < 3 && i < 20_000; i++) {
      const m = Buffer.from(`p1363 ${i}`);
      const sig = nodeCrypto.sign('sha256', m, { key: keys.p256.privateKey, dsaEncoding: 'ieee-p1363' });
      if (sig[0] !== 0x30) continue;
      found++;
      assert.equal(verifyDigest(info, 'sha256', digestOf('sha256', m), sig), true);
      assert.equal(verifyMessage(info, m, sig), true);
      assert.equal(verifyMessage(info, Buffer.from('another message'), sig), false);
    }
    assert.equal(found, 3, 'three P1363 signatures starting with 0x30 were made');
  });

  it('never accepts a signature made by another key or over another hash', () => {
    const m = Buffer.from('message');
    const other = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.equal(
      verifyDigest(
        publicKeyInfo(keys.p256.publicKey),
        'sha256',
        digestOf('sha256', m),
        nodeCrypto.sign('sha256', m, other.privateKey),
      ),
      false,
    );
    const rsaSig = nodeCrypto.sign('sha256', m, keys.rsa.privateKey);
    assert.equal(
      verifyDigest(publicKeyInfo(keys.rsa.publicKey), 'sha512', digestOf('sha512', m), rsaSig),
      false,
    );
    assert.equal(
      verifyDigest(publicKeyInfo(keys.rsa.publicKey), 'sha256', digestOf('sha256', m), rsaSig.subarray(1)),
      false,
    );
  });
});

describe('ECDSA signature parsing', () => {
  it('accepts only strict DER with r and s in range', () => {
    const sig = nodeCrypto.sign('sha256', Buffer.from('x'), keys.p256.privateKey);
    const rs = parseDerEcdsaSignature(sig);
    assert.ok(rs && rs.r > 0n && rs.s > 0n);
    assert.equal(parseDerEcdsaSignature(Buffer.concat([sig, Buffer.from([0])])), undefined, 'trailing byte');
    assert.equal(parseDerEcdsaSignature(Buffer.from('3006020100020101', 'hex'))?.r, 0n);
    assert.equal(
      parseDerEcdsaSignature(Buffer.from('300702020001020101', 'hex')),
      undefined,
      'non-minimal integer',
    );
    assert.equal(
      parseDerEcdsaSignature(Buffer.from('3006020180020101', 'hex')),
      undefined,
      'negative integer',
    );
    assert.equal(parseDerEcdsaSignature(Buffer.from('3005020101020101', 'hex')), undefined, 'wrong length');
    const jwk = keys.p256.publicKey.export({ format: 'jwk' });
    const x = BigInt(`0x${Buffer.from(jwk.x!, 'base64url').toString('hex')}`);
    const y = BigInt(`0x${Buffer.from(jwk.y!, 'base64url').toString('hex')}`);
    const d = digestOf('sha256', Buffer.from('x'));
    assert.equal(verifyEcdsaDigest('P-256', x, y, d, sig), true);
    assert.equal(verifyEcdsaDigest('P-256', x, y + 1n, d, sig), false, 'a point off the curve');
    assert.equal(verifyEcdsaDigest('P-256', x, y, d, Buffer.from('3006020100020101', 'hex')), false, 'r = 0');
  });
});
