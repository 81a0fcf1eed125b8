/**
 * The gateway through the real broker and PostgreSQL: ingest (POST /api/v1/entries), its errors
 * and limits, the Rekor v1 subset, and the proof that the log is real: bundles built by the
 * official Sigstore client (@sigstore/sign's RekorWitness pointed at the gateway) verify with the
 * official verifier (@sigstore/verify) given the trusted root `attestry trusted-root` exports.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createHash, sign as nodeSign } from 'node:crypto';
import path from 'node:path';
import { bundleToJSON, bundleFromJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder, RekorWitness, type Signer } from '@sigstore/sign';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { createLogHarness, type LogHarness } from '../support/log-harness.js';
import type { RunningService } from '../support/services.js';
import {
  dsseInput,
  hashedRekordInput,
  makeSigner,
  sha256Hex,
  statement,
  type TestSigner,
} from '../support/signing.js';
import {
  parseCheckpointNote,
  rfc6962LeafHash,
  verifyCheckpointSignatures,
  verifyInclusion,
} from '../support/mirror.js';
import { repoRoot } from '../support/stack.js';

const b64 = (s: string) => Buffer.from(s, 'base64');
// Loosely typed JSON from the wire, read field by field in assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: res.headers,
  };
}

function sigstoreSigner(s: TestSigner): Signer {
  return {
    sign: async (data: Buffer) => ({
      signature: nodeSign('sha256', data, s.privateKey),
      key: { $case: 'publicKey', publicKey: s.publicKeyPem, hint: 'test-key' },
    }),
  };
}

describe('the gateway', () => {
  let h: LogHarness;
  let gw: RunningService;
  const signer = makeSigner('ecdsa-p256');

  before(async () => {
    h = await createLogHarness();
    const seq = h.startSequencer();
    await seq.waitReady();
    gw = h.startGateway({ MAX_BODY_BYTES: '8MiB' });
    await gw.waitReady();
  });
  after(async () => {
    await h.close();
  });

  it('answers a valid submission with 201 and a TransparencyLogEntry whose inclusion proof verifies at a signed checkpoint', async () => {
    const artifact = Buffer.from('gateway artifact 1');
    const input = hashedRekordInput(signer, artifact);
    const r = await post(`${gw.url}/api/v1/entries`, input);
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const entry = r.json['entry'] as Json;
    assert.equal(entry['kindVersion'].kind, 'hashedrekord');
    const body = b64(entry['canonicalizedBody']);
    assert.equal(r.json['entryHash'], rfc6962LeafHash(body).toString('hex'));
    assert.match(body.toString(), new RegExp(sha256Hex(artifact)));
    const proof = entry['inclusionProof'];
    const cp = parseCheckpointNote(proof.checkpoint.envelope);
    assert.equal(String(cp.size), proof.treeSize);
    assert.ok(
      verifyInclusion(
        Number(entry['logIndex']),
        cp.size,
        rfc6962LeafHash(body),
        proof.hashes.map(b64),
        cp.root,
      ),
    );
    const keys = h.publicKeys();
    assert.deepEqual(verifyCheckpointSignatures(cp, keys.ecdsa, keys.ed25519), {
      ecdsa: true,
      ed25519: true,
    });

    // The same submission again (ECDSA signatures are randomised: a fresh signature is a new entry).
    const again = await post(`${gw.url}/api/v1/entries`, input);
    assert.equal(again.status, 200);
    assert.equal(again.json['duplicate'], true);
    assert.equal((again.json['entry'] as Record<string, unknown>)['logIndex'], entry['logIndex']);

    const quick = await post(
      `${gw.url}/api/v1/entries?wait=false`,
      hashedRekordInput(signer, Buffer.from('not waiting')),
    );
    assert.equal(quick.status, 202);
    assert.match(String(quick.json['entryHash']), /^[0-9a-f]{64}$/);
  });

  it('stores an attestation content-addressed and serves it by hash, immutable', async () => {
    const input = dsseInput(
      [signer],
      statement('pkg:npm/demo@1.0.0', Buffer.from('demo'), 'https://slsa.dev/provenance/v1', {
        buildDefinition: { buildType: 'x' },
      }),
    );
    const r = await post(`${gw.url}/api/v1/entries`, input);
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const body = JSON.parse(
      b64((r.json['entry'] as Record<string, string>)['canonicalizedBody'] ?? '').toString(),
    ) as { spec: { envelopeHash: { value: string } } };
    const res = await fetch(`${gw.url}/api/v1/attestations/sha256:${body.spec.envelopeHash.value}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('cache-control') ?? '', /immutable/);
    const content = Buffer.from(await res.arrayBuffer());
    assert.equal(createHash('sha256').update(content).digest('hex'), body.spec.envelopeHash.value);
    assert.equal((JSON.parse(content.toString()) as { payload: string }).payload, input.dsseEnvelope.payload);
  });

  it('refuses bad input with a clear status and code', async () => {
    const notJson = await post(`${gw.url}/api/v1/entries`, '{"oops"');
    assert.equal(notJson.status, 400);
    assert.equal((notJson.json['error'] as Record<string, unknown>)['code'], 'INPUT_MALFORMED');
    const shape = await post(`${gw.url}/api/v1/entries`, { artifactDigest: { algorithm: 'md5', hex: 'ab' } });
    assert.equal(shape.status, 400);
    assert.ok(
      Array.isArray((shape.json['error'] as Record<string, unknown>)['details']),
      'zod issues are listed',
    );
    const forged = await post(
      `${gw.url}/api/v1/entries`,
      hashedRekordInput(signer, Buffer.from('a'), { signatureOf: Buffer.from('b') }),
    );
    assert.equal(forged.status, 422);
    assert.equal((forged.json['error'] as Record<string, unknown>)['code'], 'SIGNATURE_INVALID');
    const missing = await fetch(`${gw.url}/api/v1/attestations/sha256:${'0'.repeat(64)}`);
    assert.equal(missing.status, 404);
  });

  it('accepts an 8 MiB body end to end and refuses a larger one with 413', async () => {
    // A DSSE envelope whose base64 payload fills the body up to the 8 MiB limit.
    const base = JSON.stringify(dsseInput([signer], Buffer.alloc(0), 'application/octet-stream'));
    const payloadBytes = Math.floor(((8 * 1024 * 1024 - base.length - 1024) * 3) / 4);
    const input = dsseInput([signer], Buffer.alloc(payloadBytes, 7), 'application/octet-stream');
    const text = JSON.stringify(input);
    assert.ok(
      text.length > 8 * 1024 * 1024 - 2048 && text.length <= 8 * 1024 * 1024,
      `body of ${text.length} bytes`,
    );
    const ok = await post(`${gw.url}/api/v1/entries`, text);
    assert.equal(ok.status, 201, JSON.stringify(ok.json));
    const tooBig = await post(
      `${gw.url}/api/v1/entries`,
      text + ' '.repeat(8 * 1024 * 1024 - text.length + 1),
    );
    assert.equal(tooBig.status, 413);
    assert.equal((tooBig.json['error'] as Record<string, unknown>)['code'], 'INPUT_TOO_LARGE');
  });

  it('speaks the Rekor v1 subset: create (201, then 409 with Location), get by uuid and index, log info, public key, proofs', async () => {
    const artifact = Buffer.from('rekor style');
    const sig = nodeSign('sha256', artifact, signer.privateKey).toString('base64');
    const proposed = {
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: sha256Hex(artifact) } },
        signature: {
          content: sig,
          publicKey: { content: Buffer.from(signer.publicKeyPem).toString('base64') },
        },
      },
    };
    const created = await post(`${gw.url}/api/v1/log/entries`, proposed);
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const [uuid, e] = Object.entries(created.json)[0] as [string, Json];
    assert.match(uuid, /^[0-9a-f]{64}$/);
    assert.equal(rfc6962LeafHash(b64(e['body'])).toString('hex'), uuid);
    assert.equal(e['verification'].inclusionProof.rootHash.length, 64, 'hex root hash');
    const dup = await post(`${gw.url}/api/v1/log/entries`, proposed);
    assert.equal(dup.status, 409);
    assert.equal(dup.headers.get('location'), `/api/v1/log/entries/${uuid}`);
    const byUuid = (await (await fetch(`${gw.url}/api/v1/log/entries/${uuid}`)).json()) as Record<
      string,
      unknown
    >;
    assert.deepEqual(Object.keys(byUuid), [uuid]);
    const byIndex = (await (
      await fetch(`${gw.url}/api/v1/log/entries?logIndex=${e['logIndex']}`)
    ).json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(byIndex), [uuid]);
    const retrieved = await post(`${gw.url}/api/v1/log/entries/retrieve`, {
      entryUUIDs: [uuid],
      logIndexes: [e['logIndex']],
    });
    assert.equal((retrieved.json as unknown as unknown[]).length, 2);
    const log = (await (await fetch(`${gw.url}/api/v1/log`)).json()) as {
      treeSize: number;
      rootHash: string;
      signedTreeHead: string;
    };
    assert.ok(log.treeSize >= 1);
    assert.equal(parseCheckpointNote(log.signedTreeHead).root.toString('hex'), log.rootHash);
    const pem = await (await fetch(`${gw.url}/api/v1/log/publicKey`)).text();
    assert.match(pem, /BEGIN PUBLIC KEY/);
    const proof = (await (
      await fetch(`${gw.url}/api/v1/log/proof?firstSize=${log.treeSize}&lastSize=${log.treeSize}`)
    ).json()) as { hashes: string[] };
    assert.deepEqual(proof.hashes, [], 'equal sizes give an empty proof');
  });

  it("answers at once with the sequencer's reason when the sequencer rejects what the gateway accepted", async () => {
    // This gateway knows npm's registry keys; the sequencer does not: it refuses the npm publish
    // attestation (KEY_UNTRUSTED) and the waiting request hears it through attestry.rejected.
    const npmKeys = path.join(repoRoot, 'test/fixtures/trust/public-good/registry.npmjs.org-keys.json');
    const lenient = h.startGateway({ KEY_HINT_FILES: npmKeys, INCLUSION_WAIT_MS: '60000' });
    await lenient.waitReady();
    const bundle = JSON.parse(
      readFileSync(
        path.join(repoRoot, 'test/fixtures/bundles/npm/extracted/sigstore-2.3.1.publish.sigstore.json'),
        'utf8',
      ),
    ) as unknown;
    const t0 = Date.now();
    const r = await post(`${lenient.url}/api/v1/entries`, bundle);
    assert.equal(r.status, 422, JSON.stringify(r.json));
    assert.equal((r.json['error'] as Record<string, unknown>)['code'], 'KEY_UNTRUSTED');
    assert.ok(Date.now() - t0 < 30_000, 'well before the inclusion wait runs out');
    await lenient.stop();
  });

  describe('interop with the official Sigstore client and verifier', () => {
    let trustMaterial: ReturnType<typeof toTrustMaterial>;
    const s = makeSigner('ecdsa-p256');

    before(() => {
      const json = execFileSync(process.execPath, [path.join(repoRoot, 'bin/attestry.js'), 'trusted-root'], {
        env: { PATH: process.env['PATH'] ?? '', ...h.env('sequencer') },
        encoding: 'utf8',
      });
      const root = TrustedRoot.fromJSON(JSON.parse(json));
      trustMaterial = toTrustMaterial(root, {
        'test-key': {
          rawBytes: s.publicKey.export({ type: 'spki', format: 'der' }),
          keyDetails: 5,
          validFor: undefined,
        },
      } as never);
    });

    const policy = {};

    it('a message-signature bundle made by RekorWitness against the gateway verifies with @sigstore/verify, offline', async () => {
      const witness = new RekorWitness({ rekorBaseURL: gw.url, fetchOnConflict: true });
      const artifact = Buffer.from('signed through sigstore-js');
      const bundle = await new MessageSignatureBundleBuilder({
        signer: sigstoreSigner(s),
        witnesses: [witness],
      }).create({ data: artifact });
      const json = bundleToJSON(bundle);
      assert.equal(json.verificationMaterial.tlogEntries.length, 1);
      const verifier = new Verifier(trustMaterial, {
        tlogThreshold: 1,
        ctlogThreshold: 0,
        timestampThreshold: 1,
      });
      verifier.verify(toSignedEntity(bundleFromJSON(json), artifact), policy);

      // A tampered artifact, an altered log index, and a log the trusted root does not name all fail.
      assert.throws(() =>
        verifier.verify(toSignedEntity(bundleFromJSON(json), Buffer.from('tampered')), policy),
      );
      const altered = structuredClone(json);
      const tle = altered.verificationMaterial.tlogEntries[0] as { logIndex: string };
      tle.logIndex = String(Number(tle.logIndex) + 1);
      assert.throws(() => verifier.verify(toSignedEntity(bundleFromJSON(altered), artifact), policy));
      const otherRoot = TrustedRoot.fromJSON(
        JSON.parse(
          execFileSync(process.execPath, [path.join(repoRoot, 'bin/attestry.js'), 'trusted-root'], {
            env: { PATH: process.env['PATH'] ?? '', ATTESTRY_HOME: path.join(h.keysDir, 'other-log') },
            encoding: 'utf8',
          }),
        ),
      );
      const otherVerifier = new Verifier(
        toTrustMaterial(otherRoot, {
          'test-key': { rawBytes: s.publicKey.export({ type: 'spki', format: 'der' }), keyDetails: 5 },
        } as never),
        { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 },
      );
      assert.throws(() => otherVerifier.verify(toSignedEntity(bundleFromJSON(json), artifact), policy));
    });

    it('a DSSE bundle made by RekorWitness verifies too, and the wrong key fails', async () => {
      const witness = new RekorWitness({ rekorBaseURL: gw.url, entryType: 'dsse', fetchOnConflict: true });
      const payload = Buffer.from(
        JSON.stringify(
          statement('pkg:npm/interop@1.0.0', Buffer.from('interop'), 'https://slsa.dev/provenance/v1', {
            buildDefinition: {},
          }),
        ),
      );
      const bundle = await new DSSEBundleBuilder({ signer: sigstoreSigner(s), witnesses: [witness] }).create({
        data: payload,
        type: 'application/vnd.in-toto+json',
      });
      const json = bundleToJSON(bundle);
      const verifier = new Verifier(trustMaterial, {
        tlogThreshold: 1,
        ctlogThreshold: 0,
        timestampThreshold: 1,
      });
      verifier.verify(toSignedEntity(bundleFromJSON(json)), policy);
      const wrong = makeSigner('ecdsa-p256');
      const wrongTrust = toTrustMaterial(
        TrustedRoot.fromJSON(
          JSON.parse(
            execFileSync(process.execPath, [path.join(repoRoot, 'bin/attestry.js'), 'trusted-root'], {
              env: { PATH: process.env['PATH'] ?? '', ...h.env('sequencer') },
              encoding: 'utf8',
            }),
          ),
        ),
        {
          'test-key': { rawBytes: wrong.publicKey.export({ type: 'spki', format: 'der' }), keyDetails: 5 },
        } as never,
      );
      assert.throws(() =>
        new Verifier(wrongTrust, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 }).verify(
          toSignedEntity(bundleFromJSON(json)),
          policy,
        ),
      );
    });
  });
});
