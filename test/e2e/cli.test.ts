/**
 * The attestry CLI end to end against running services (real Kafka and PostgreSQL): keygen,
 * sign, attest (SLSA provenance and a CycloneDX SBOM from the fixtures), submit the real bundles
 * in test/fixtures, and verify what was produced offline with `attestry verify-bundle` and the
 * trusted root `attestry trusted-root` exports.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, copyFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { createLogHarness, type LogHarness } from '../support/log-harness.js';
import { eventually, startServiceProcess, type RunningService } from '../support/services.js';
import { indexers, type Indexers } from '../support/indexer-harness.js';
import { repoRoot } from '../support/stack.js';

const fixtures = path.join(repoRoot, 'test/fixtures');
const npmKeys = path.join(fixtures, 'trust/public-good/registry.npmjs.org-keys.json');

describe('the attestry CLI against running services', () => {
  let h: LogHarness;
  let gw: RunningService;
  let api: RunningService;
  let idx: Indexers;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(repoRoot, 'bin/attestry.js'), ...args], {
      env,
      encoding: 'utf8',
      cwd: dir,
    });

  before(async () => {
    h = await createLogHarness();
    const seq = h.startSequencer({ KEY_HINT_FILES: npmKeys });
    await seq.waitReady();
    gw = h.startGateway({ KEY_HINT_FILES: npmKeys });
    await gw.waitReady();
    idx = indexers(h);
    await idx.start().waitReady();
    api = startServiceProcess('api', {
      DATABASE_URL: h.db.serviceUrls.api,
      ATTESTRY_HOME: h.env('sequencer')['ATTESTRY_HOME'] ?? '',
      LOG_KEYS_DIR: h.keysDir,
    });
    await api.waitReady();
    dir = mkdtempSync(path.join(repoRoot, '.attestry-test', 'cli-'));
    env = {
      PATH: process.env['PATH'] ?? '',
      ATTESTRY_GATEWAY_URL: gw.url,
      ATTESTRY_API_URL: api.url,
      ...h.env('sequencer'),
    };
    const root = cli('trusted-root');
    assert.equal(root.status, 0, root.stderr);
    writeFileSync(path.join(dir, 'trusted_root.json'), root.stdout);
  });
  after(async () => {
    await api?.stop();
    await idx?.stopAll();
    await h.close();
  });

  it('keygen writes a 0600 PKCS#8 key and an SPKI public key, and prints the key id', () => {
    const r = cli('keygen', '--out', 'dev');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal(statSync(path.join(dir, 'dev.key')).mode & 0o777, 0o600);
    assert.match(readFileSync(path.join(dir, 'dev.pub'), 'utf8'), /BEGIN PUBLIC KEY/);
    assert.equal(cli('keygen', '--out', 'dev').status, 1, 'refuses to overwrite a key');
    assert.equal(cli('keygen', '--out', 'ed', '--type', 'ed25519').status, 0);
  });

  it('sign logs a file and writes a bundle that verifies offline; a tampered file and a wrong key fail', () => {
    writeFileSync(path.join(dir, 'app.tar'), 'the release artifact');
    const r = cli('sign', '--key', 'dev.key', 'app.tar');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /logged at index \d+/);
    const ok = cli(
      'verify-bundle',
      '--bundle',
      'app.tar.sigstore.json',
      '--key',
      'dev.pub',
      '--trusted-root',
      'trusted_root.json',
      'app.tar',
    );
    assert.equal(ok.status, 0, ok.stderr);
    const digest = `sha256:${createHash('sha256').update('the release artifact').digest('hex')}`;
    assert.equal(
      cli(
        'verify-bundle',
        '--bundle',
        'app.tar.sigstore.json',
        '--key',
        'dev.pub',
        '--trusted-root',
        'trusted_root.json',
        digest,
      ).status,
      0,
    );
    writeFileSync(path.join(dir, 'tampered.tar'), 'the release artifact!');
    const bad = cli(
      'verify-bundle',
      '--bundle',
      'app.tar.sigstore.json',
      '--key',
      'dev.pub',
      '--trusted-root',
      'trusted_root.json',
      'tampered.tar',
    );
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /^[A-Z_]+: /);
    const wrongKey = cli(
      'verify-bundle',
      '--bundle',
      'app.tar.sigstore.json',
      '--key',
      'ed.pub',
      '--trusted-root',
      'trusted_root.json',
      'app.tar',
    );
    assert.notEqual(wrongKey.status, 0);
    // Without Attestry's trusted root the log entry is from an unknown log.
    assert.notEqual(
      cli('verify-bundle', '--bundle', 'app.tar.sigstore.json', '--key', 'dev.pub', 'app.tar').status,
      0,
    );
  });

  it('attest signs SLSA provenance and a CycloneDX SBOM as DSSE, logs them, and the bundles verify offline', () => {
    const provenance = JSON.parse(
      readFileSync(path.join(fixtures, 'provenance/bcr-MODULE.bazel.slsa-v1.statement.json'), 'utf8'),
    ) as { predicate: unknown };
    writeFileSync(path.join(dir, 'provenance.json'), JSON.stringify(provenance.predicate));
    copyFileSync(
      path.join(fixtures, 'sbom-cyclonedx/bom-examples/juice-shop-11.1.2.cdx.json'),
      path.join(dir, 'sbom.json'),
    );
    writeFileSync(path.join(dir, 'app.tar'), 'the release artifact');
    const p = cli(
      'attest',
      '--key',
      'dev.key',
      '--predicate-type',
      'https://slsa.dev/provenance/v1',
      '--predicate',
      'provenance.json',
      '--bundle',
      'prov.sigstore.json',
      'app.tar',
    );
    assert.equal(p.status, 0, p.stderr);
    const s = cli(
      'attest',
      '--key',
      'ed.key',
      '--predicate-type',
      'https://cyclonedx.org/bom',
      '--predicate',
      'sbom.json',
      '--bundle',
      'sbom.sigstore.json',
      '--subject',
      `pkg:npm/juice-shop@11.1.2@sha512:${'ab'.repeat(64)}`,
    );
    assert.equal(s.status, 0, s.stderr);
    const v1 = cli(
      'verify-bundle',
      '--bundle',
      'prov.sigstore.json',
      '--key',
      'dev.pub',
      '--trusted-root',
      'trusted_root.json',
      'app.tar',
    );
    assert.equal(v1.status, 0, v1.stderr);
  });

  it('submit sends the real bundles in the fixtures: the valid ones are logged, a duplicate is reported, a non-bundle is rejected with its code', () => {
    const bundles = path.join(dir, 'bundles');
    mkdirSync(bundles);
    for (const f of [
      'bundleV01-dsse-with-proof',
      'bundleV02-intoto',
      'bundleV03-dsse',
      'bundleV01-full-cert-chain',
    ])
      copyFileSync(
        path.join(fixtures, `bundles/sigstore-js/${f}.sigstore.json`),
        path.join(bundles, `${f}.json`),
      );
    copyFileSync(
      path.join(fixtures, 'bundles/npm/extracted/sigstore-2.3.1.provenance.sigstore.json'),
      path.join(bundles, 'npm-provenance.json'),
    );
    copyFileSync(
      path.join(fixtures, 'bundles/npm/extracted/sigstore-2.3.1.publish.sigstore.json'),
      path.join(bundles, 'npm-publish.json'),
    );
    copyFileSync(
      path.join(fixtures, 'bundles/slsa-verifier/valid-v0.3.intoto.sigstore.json'),
      path.join(bundles, 'slsa-verifier.json'),
    );
    writeFileSync(path.join(bundles, 'not-a-bundle.json'), JSON.stringify({ hello: 'world' }));
    const r = cli('submit', 'bundles');
    assert.equal(r.status, 1, 'a rejection makes the exit non-zero');
    assert.match(r.stdout, /8 submitted: 7 accepted, 0 duplicate, 1 rejected/, r.stdout);
    assert.match(r.stdout, /rejected\s+\S*not-a-bundle\.json\s+INPUT_MALFORMED: /);
    const again = cli('submit', path.join('bundles', 'bundleV03-dsse.json'));
    assert.equal(again.status, 0);
    assert.match(again.stdout, /1 submitted: 0 accepted, 1 duplicate, 0 rejected/);
  });

  it('who-signed, dependents and blast-radius answer from the GraphQL API, for people and with --json', async () => {
    const digest = `sha256:${createHash('sha256').update('the release artifact').digest('hex')}`;
    const keyId = cli('keygen', '--out', 'unused').stdout.trim();
    assert.match(keyId, /^sha256:/);
    // The index catches up with what the earlier tests logged.
    const who = await eventually(
      async () => {
        const r = cli('who-signed', '--json', digest);
        assert.equal(r.status, 0, r.stderr);
        const list = JSON.parse(r.stdout) as { predicateType: string | null; signer: { keyId: string } }[];
        return list.length >= 2 ? list : undefined;
      },
      60_000,
      'app.tar signed and attested in the index',
    );
    const devKeyId = `sha256:${createHash('sha256')
      .update(
        Buffer.from(
          readFileSync(path.join(dir, 'dev.pub'), 'utf8').replace(/-----[A-Z ]+-----|\s/g, ''),
          'base64',
        ),
      )
      .digest('hex')}`;
    assert.ok(who.every((s) => s.signer.keyId === devKeyId));
    assert.deepEqual(who.map((s) => s.predicateType).sort(), ['https://slsa.dev/provenance/v1', null].sort());
    const human = cli('who-signed', digest);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`key ${devKeyId}`));

    const juice = `sha512:${'ab'.repeat(64)}`;
    const deps = await eventually(
      async () => {
        const r = cli('dependents', '--json', 'pkg:npm/body-parser@1.19.0');
        assert.equal(r.status, 0, r.stderr);
        const d = JSON.parse(r.stdout) as {
          totalCount: number;
          edges: { node: { artifact: { digest: string } } }[];
        };
        return d.totalCount > 0 ? d : undefined;
      },
      60_000,
      'the SBOM in the index',
    );
    assert.deepEqual(
      deps.edges.map((e) => e.node.artifact.digest),
      [juice],
    );
    assert.match(cli('dependents', 'pkg:npm/body-parser@1.19.0').stdout, /1 artifact\(s\) contain/);

    const br = cli('blast-radius', '--key', 'dev.pub', '--json');
    assert.equal(br.status, 0, br.stderr);
    const b = JSON.parse(br.stdout) as {
      signedCount: number;
      signed: { edges: { node: { digest: string } }[] };
    };
    assert.ok(b.signed.edges.some((e) => e.node.digest === digest));
    const text = cli('blast-radius', '--key-id', devKeyId, '--since', '2000-01-01T00:00:00Z');
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`signed: ${b.signedCount} artifact`));

    // Rekor's search index on the gateway, answered from the same index.
    const search = async (body: unknown) => {
      // cli() blocks the event loop (spawnSync): let fetch's pool see the gateway close its idle
      // keep-alive sockets first, or the request goes out on a socket the server already closed.
      await new Promise((r) => setTimeout(r, 20));
      const r = await fetch(`${gw.url}/api/v1/index/retrieve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as unknown };
    };
    const byHash = await search({ hash: digest });
    assert.equal(byHash.status, 200);
    assert.equal((byHash.body as string[]).length, 2);
    const pub = {
      format: 'x509',
      content: Buffer.from(readFileSync(path.join(dir, 'dev.pub'))).toString('base64'),
    };
    const byKey = await search({ publicKey: pub });
    assert.ok((byKey.body as string[]).length >= 2);
    assert.deepEqual((await search({ hash: digest, publicKey: pub })).body, byHash.body);
    const other = await search({ hash: juice, publicKey: pub, operator: 'and' });
    assert.deepEqual(other.body, []);
    assert.equal((await search({ hash: 'sha256:zz' })).status, 400);
    assert.equal((await search({})).status, 400);

    const bad = cli('who-signed', 'sha256:nothex');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^attestry: BAD_USER_INPUT: /);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    const noApi = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'bin/attestry.js'), 'who-signed', digest],
      {
        env: { ...env, ATTESTRY_API_URL: 'http://127.0.0.1:1' },
        encoding: 'utf8',
        cwd: dir,
      },
    );
    assert.equal(noApi.status, 1);
    assert.match(noApi.stderr, /cannot reach the api/);
  });

  it('errors are one clear line with a non-zero exit, and every command has --help', () => {
    for (const c of [
      'up',
      'down',
      'status',
      'keygen',
      'trusted-root',
      'verify-bundle',
      'sign',
      'attest',
      'submit',
      'who-signed',
      'blast-radius',
      'dependents',
    ]) {
      const r = cli(c, '--help');
      assert.equal(r.status, 0, `${c} --help`);
      assert.match(r.stdout, new RegExp(`attestry ${c}`));
    }
    const noGateway = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'bin/attestry.js'), 'sign', '--key', 'dev.key', 'app.tar'],
      { env: { ...env, ATTESTRY_GATEWAY_URL: 'http://127.0.0.1:1' }, encoding: 'utf8', cwd: dir },
    );
    assert.equal(noGateway.status, 1);
    assert.equal(noGateway.stderr.trim().split('\n').length, 1);
    assert.match(noGateway.stderr, /cannot reach the gateway/);
    const unknown = cli('frobnicate');
    assert.equal(unknown.status, 2);
  });
});
