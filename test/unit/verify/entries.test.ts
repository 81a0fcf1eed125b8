/**
 * Canonical entry bytes: rebuilding the Rekor v1 body (hashedrekord 0.0.1, dsse 0.0.1) from a
 * bundle's content gives exactly the bytes the log holds, so the leaf hash a Sigstore verifier
 * recomputes matches. Every real bundle in the corpus whose tlog entry is one of those kinds.
 */
import assert from 'node:assert/strict';
import nodeCrypto from 'node:crypto';
import { describe, it } from 'node:test';
import { fixedClock, isAttestryError } from '../../../libs/core/index.js';
import { hashLeaf } from '../../../libs/merkle/index.js';
import {
  canonicalizeJson,
  npmRegistryKeyHints,
  parsePublicKey,
  parseTrustedRoot,
  verifySubmission,
  type KeyHint,
} from '../../../libs/verify/index.js';
import { bundlesIn, clone, fixture, fixtureJson, manifest } from './helpers.js';

const npmKeys = npmRegistryKeyHints(fixtureJson('trust/public-good/registry.npmjs.org-keys.json'));
const clock = fixedClock('2026-11-26T00:00:00Z');

interface Case {
  file: string;
  trustedRoot: string;
  key: string | null;
}

const cases: Case[] = [
  ...manifest.conformance
    .filter((c) => c.expect === 'valid')
    .map((c) => ({ file: c.bundle, trustedRoot: c.trustedRoot, key: c.key })),
  ...manifest.bundles.map((b) => ({
    file: b.path,
    trustedRoot: 'trust/public-good/trusted_root.json',
    key: null,
  })),
  // crypto-valid, only the wrong signer for its policy; made by sigstore-python (", " separators)
  {
    file: 'invalid/slsa-verifier/MODULE-wrong-signer.bazel.intoto.jsonl',
    trustedRoot: 'trust/public-good/trusted_root.json',
    key: null,
  },
];

describe('canonical entry bodies rebuilt from real bundles', () => {
  let compared = 0;
  for (const c of cases) {
    const trust = parseTrustedRoot(fixtureJson(c.trustedRoot));
    bundlesIn(c.file).forEach((bundle, i) => {
      const vm = bundle.verificationMaterial as {
        publicKey?: { hint: string };
        tlogEntries: Array<Record<string, unknown>>;
      };
      for (const entry of vm.tlogEntries) {
        const { kind, version } = entry.kindVersion as { kind: string; version: string };
        if (!['hashedrekord/0.0.1', 'dsse/0.0.1'].includes(`${kind}/${version}`)) continue;
        it(`${c.file} #${i} (${kind} ${version}) rebuilds byte for byte`, () => {
          const keyHints: KeyHint[] = [...npmKeys];
          if (c.key && vm.publicKey)
            keyHints.push({ hint: vm.publicKey.hint, key: parsePublicKey(fixture(c.key).toString('utf8')) });
          const s = verifySubmission(bundle, { trust, clock, keyHints });
          const logged = Buffer.from(entry.canonicalizedBody as string, 'base64');
          assert.equal(s.entryBody.toString('utf8'), logged.toString('utf8'));
          assert.deepEqual(s.leafHash, hashLeaf(logged));
          assert.equal(s.kind, kind);
          if (s.kind === 'dsse') {
            // The stored envelope bytes are the ones the entry's envelopeHash commits to.
            const spec = (
              JSON.parse(logged.toString('utf8')) as { spec: { envelopeHash: { value: string } } }
            ).spec;
            assert.equal(
              nodeCrypto.createHash('sha256').update(s.envelopeBytes!).digest('hex'),
              spec.envelopeHash.value,
            );
          }
          compared++;
        });
      }
    });
  }

  it('compared every such entry in the corpus', () => {
    assert.equal(compared, 16);
  });

  it('without a logged dsse entry, uses the canonical compact envelope serialization', () => {
    const bundle = clone(bundlesIn('invalid/slsa-verifier/MODULE-wrong-signer.bazel.intoto.jsonl')[0]!);
    const trust = parseTrustedRoot(fixtureJson('trust/public-good/trusted_root.json'));
    const logged = verifySubmission(bundle, { trust, clock });
    const env = bundle.dsseEnvelope as {
      payload: string;
      payloadType: string;
      signatures: Array<{ sig: string }>;
    };
    // Without its tlog entry the signature is dated only by the integration time, when this
    // certificate had long expired: the entry cannot be made at all.
    (bundle.verificationMaterial as { tlogEntries: unknown[] }).tlogEntries = [];
    assert.throws(
      () => verifySubmission(bundle, { trust, clock }),
      (e: unknown) => isAttestryError(e, 'CERTIFICATE_UNTRUSTED'),
    );
    const atSigning = verifySubmission(bundle, { trust, clock: fixedClock('2025-03-31T18:40:00Z') });
    assert.equal(
      atSigning.envelopeBytes!.toString('utf8'),
      JSON.stringify({
        payload: env.payload,
        payloadType: env.payloadType,
        signatures: [{ sig: env.signatures[0]!.sig }],
      }),
    );
    assert.notDeepEqual(atSigning.entryBody, logged.entryBody);
  });
});

describe('canonicalizeJson (RFC 8785)', () => {
  it('sorts members by UTF-16 code units and serializes numbers and strings as ECMAScript does', () => {
    // RFC 8785 §3.2.3 sorting example (subset) and §3.2.2.3 number forms.
    const value = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\u{1f600}': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    assert.equal(
      canonicalizeJson(value),
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\u{1f600}":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    assert.equal(
      canonicalizeJson([1e21, 1e-7, -0, 0.000001, Number('333333333.33333329'), 4.5]),
      '[1e+21,1e-7,0,0.000001,333333333.3333333,4.5]',
    );
    assert.equal(canonicalizeJson({ b: [true, null], a: 'x"\u001f' }), '{"a":"x\\"\\u001f","b":[true,null]}');
  });

  it('refuses what is not JSON instead of dropping it', () => {
    assert.throws(() => canonicalizeJson({ a: Number.NaN }));
    assert.throws(() => canonicalizeJson({ a: undefined } as unknown as Record<string, null>));
  });
});
