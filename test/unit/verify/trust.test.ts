/**
 * Trust material: TrustedRoot parsing (strict), npm registry key hints, the embedded public-good
 * root, combining roots.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAttestryError } from '../../../libs/core/index.js';
import {
  combineTrust,
  npmRegistryKeyHints,
  parseTrustedRoot,
  PUBLIC_GOOD_TRUSTED_ROOT,
} from '../../../libs/verify/index.js';
import { clone, fixtureJson, setPath } from './helpers.js';

const publicGoodJson = fixtureJson<Record<string, unknown>>('trust/public-good/trusted_root.json');

describe('parseTrustedRoot', () => {
  it('reads the public-good root: Rekor v1 and v2 logs, Fulcio CAs, CT logs, the TSA', () => {
    const t = parseTrustedRoot(publicGoodJson);
    assert.deepEqual(
      t.tlogs.map((l) => [l.baseUrl, l.logId.toString('base64'), l.key.asymmetricKeyType]),
      [
        ['https://rekor.sigstore.dev', 'wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=', 'ec'],
        ['https://log2025-1.rekor.sigstore.dev', 'zxGZFVvd0FEmjR8WrFwMdcAJ9vtaY/QXf44Y1wUeP6A=', 'ed25519'],
      ],
    );
    assert.equal(t.certificateAuthorities.length, 2);
    assert.ok(t.certificateAuthorities.every((ca) => ca.requireSct));
    assert.equal(t.ctlogs.length, 2);
    assert.equal(t.timestampAuthorities.length, 1);
    assert.deepEqual(t.certificateAuthorities[0]!.validFor, {
      start: new Date('2021-03-07T03:20:29Z'),
      end: new Date('2022-12-31T23:59:59.999Z'),
    });
  });

  it('embeds exactly the public-good root the corpus holds', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(PUBLIC_GOOD_TRUSTED_ROOT)), publicGoodJson);
  });

  it('refuses a validity window without its required start, instead of reading it as unbounded', () => {
    const root = clone(publicGoodJson) as {
      tlogs: Array<{ publicKey: { validFor: Record<string, string> } }>;
    };
    delete root.tlogs[0]!.publicKey.validFor.start;
    assert.throws(
      () => parseTrustedRoot(root),
      (e: unknown) => isAttestryError(e, 'CONFIG_INVALID'),
    );
    const fixture = fixtureJson(
      'bundles/sigstore-conformance/bundle-verify/trust-root-tlog-missing-validity-start_fail/trusted_root.json',
    );
    assert.throws(
      () => parseTrustedRoot(fixture),
      (e: unknown) => isAttestryError(e, 'CONFIG_INVALID'),
    );
  });

  it('refuses malformed roots: bad media type, undecodable key, unparseable certificate, end before start', () => {
    const mutations: Array<[ReadonlyArray<string | number>, unknown]> = [
      [['mediaType'], 'application/json'],
      [['tlogs', 0, 'publicKey', 'rawBytes'], 'AAAA'],
      [['certificateAuthorities', 0, 'certChain', 'certificates', 0, 'rawBytes'], 'AAAA'],
      [
        ['ctlogs', 0, 'publicKey', 'validFor'],
        { start: '2022-01-01T00:00:00Z', end: '2021-01-01T00:00:00Z' },
      ],
      [['timestampAuthorities', 0, 'validFor', 'start'], 'yesterday'],
    ];
    for (const [path, value] of mutations) {
      const r = clone(publicGoodJson);
      setPath(r, path, value);
      assert.throws(
        () => parseTrustedRoot(r),
        (e: unknown) => isAttestryError(e, 'CONFIG_INVALID'),
        path.join('.'),
      );
    }
  });

  it('reads PKCS#1 RSA log keys (the staging CT log) and null optional fields', () => {
    const staging = parseTrustedRoot(
      fixtureJson('bundles/sigstore-conformance/bundle-verify/rekor2-happy-path/trusted_root.json'),
    );
    const rsa = staging.ctlogs.find((l) => l.keyDetails === 'PKCS1_RSA_PKCS1V5');
    assert.equal(rsa?.key.asymmetricKeyType, 'rsa');
    const withNulls = parseTrustedRoot(
      fixtureJson(
        'bundles/sigstore-conformance/bundle-verify/trust-root-tlog-validity-end-inclusive/trusted_root.json',
      ),
    );
    assert.equal(withNulls.tlogs[1]!.validFor?.end, undefined);
  });

  it('combines roots', () => {
    const staging = parseTrustedRoot(
      fixtureJson('bundles/sigstore-conformance/bundle-verify/rekor2-happy-path/trusted_root.json'),
    );
    const both = combineTrust(parseTrustedRoot(publicGoodJson), staging);
    assert.equal(both.tlogs.length, 2 + staging.tlogs.length);
  });
});

describe('npmRegistryKeyHints', () => {
  it('reads the attestation keys with their validity windows', () => {
    const hints = npmRegistryKeyHints(fixtureJson('trust/public-good/registry.npmjs.org-keys.json'));
    assert.deepEqual(
      hints.map((h) => [
        h.hint,
        h.validFor?.start.toISOString(),
        h.validFor?.end?.toISOString(),
        h.key.algorithm,
      ]),
      [
        [
          'SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA',
          '2022-12-01T00:00:00.000Z',
          '2025-01-29T00:00:00.000Z',
          'ecdsa-p256',
        ],
        [
          'SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U',
          '2025-01-13T00:00:00.000Z',
          undefined,
          'ecdsa-p256',
        ],
      ],
    );
    assert.equal(
      npmRegistryKeyHints(
        fixtureJson('trust/public-good/registry.npmjs.org-keys.json'),
        'npm:signatures',
      )[0]!.validFor?.start.toISOString(),
      '1999-01-01T00:00:00.000Z',
    );
    assert.throws(
      () => npmRegistryKeyHints({ keys: 'none' }),
      (e: unknown) => isAttestryError(e, 'CONFIG_INVALID'),
    );
  });
});
