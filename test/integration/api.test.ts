/**
 * The GraphQL API over a hand-built supply chain that went through the whole real pipeline
 * (Kafka -> sequencer -> log -> entries topic -> indexer -> idx), queried over HTTP and WebSocket
 * from the real api process with its read-only role. Expected answers are written out from the
 * chain below, not computed by the code under test.
 *
 *   keys: kA (ECDSA, "compromised": signs old-lib before the window, lib1 and lib3 inside it,
 *   late-lib after it), kB (Ed25519), kC (ECDSA); plus a real Fulcio-signed npm bundle.
 *
 *   app0 --sbom(digest)--> old-lib                       (before the window)
 *   app1 --provenance(material digest)--> lib1           (kA signed lib1 in the window)
 *   svc  --sbom(digest)--> app1
 *   app2 --sbom(purl pkg:npm/lib3@3.0.0)--> lib3         (lib3: sha512-only subject, kA provenance)
 *   cycA --sbom--> app2, cycB --sbom--> cycA, cycA --sbom--> cycB   (a cycle)
 *   app3 --sbom(purl only)--> log4j-core@2.14.1 (no artifact carries it), svc2 --sbom--> app3
 *   app9 --sbom(digest)--> late-lib                      (after the window)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createLogHarness, submissionRecord, treeSize, type LogHarness } from '../support/log-harness.js';
import { eventually, startServiceProcess, type RunningService } from '../support/services.js';
import { dsseInput, hashedRekordInput, makeSigner, type TestSigner } from '../support/signing.js';
import { indexers, indexedCount, type Indexers } from '../support/indexer-harness.js';
import { parseCheckpointNote, rfc6962LeafHash, verifyInclusion } from '../support/mirror.js';
import { repoRoot } from '../support/stack.js';

const sha = (alg: 'sha256' | 'sha512', data: Buffer | string) => createHash(alg).update(data).digest('hex');
const d256 = (name: string) => `sha256:${sha('sha256', name)}`;
const keyIdOf = (s: TestSigner) =>
  `sha256:${sha('sha256', s.publicKey.export({ type: 'spki', format: 'der' }))}`;

const CDX = 'https://cyclonedx.org/bom';
const SLSA1 = 'https://slsa.dev/provenance/v1';
const LOG4J = 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1';
const NPM_BUNDLE = 'bundles/npm/extracted/sigstore-2.3.1.provenance.sigstore.json';

const kA = makeSigner('ecdsa-p256');
const kB = makeSigner('ed25519');
const kC = makeSigner('ecdsa-p256');

/** Artifacts are named; their bytes are their names. */
const A = {
  oldLib: d256('old-lib'),
  lib1: d256('lib1'),
  lib3: `sha512:${sha('sha512', 'lib3')}`,
  lateLib: d256('late-lib'),
  app0: d256('app0'),
  app1: d256('app1'),
  app2: d256('app2'),
  app3: d256('app3'),
  app9: d256('app9'),
  svc: d256('svc'),
  svc2: d256('svc2'),
  cycA: d256('cycA'),
  cycB: d256('cycB'),
};

function subject(name: string, digest: string) {
  const [alg, hex] = digest.split(':') as [string, string];
  return { name, digest: { [alg]: hex } };
}

function statementOf(
  subj: { name: string; digest: Record<string, string> },
  predicateType: string,
  predicate: unknown,
) {
  return { _type: 'https://in-toto.io/Statement/v1', subject: [subj], predicateType, predicate };
}

/** A CycloneDX 1.5 SBOM of `name` listing components by digest or by purl only. */
function sbom(
  name: string,
  components: ({ digest: string; name: string } | { purl: string; name: string })[],
) {
  return statementOf(subject(name, A[name as keyof typeof A]), CDX, {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: { component: { 'bom-ref': 'root', type: 'application', name } },
    components: components.map((c, i) => ({
      'bom-ref': `c${i}`,
      type: 'library',
      name: c.name,
      ...('purl' in c ? { purl: c.purl, version: c.purl.split('@')[1] } : {}),
      ...('digest' in c ? { hashes: [{ alg: 'SHA-256', content: c.digest.split(':')[1] }] } : {}),
    })),
    dependencies: [{ ref: 'root', dependsOn: components.map((_c, i) => `c${i}`) }],
  });
}

function provenance(
  subj: { name: string; digest: Record<string, string> },
  materials: { uri: string; digest: string }[],
) {
  return statementOf(subj, SLSA1, {
    buildDefinition: {
      buildType: 'https://example.com/build/v1',
      externalParameters: { repository: 'https://github.com/acme/app' },
      resolvedDependencies: materials.map((m) => {
        const [alg, hex] = m.digest.split(':') as [string, string];
        return { uri: m.uri, digest: { [alg]: hex } };
      }),
    },
    runDetails: { builder: { id: 'https://example.com/builder@v1' }, metadata: { invocationId: 'run-1' } },
  });
}

const hashed = (k: TestSigner, name: string) => hashedRekordInput(k, Buffer.from(name));

interface GqlResult {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
  ms: number;
}

describe('the GraphQL API over a supply chain that went through the real pipeline', () => {
  let h: LogHarness;
  let idx: Indexers;
  let api: RunningService;
  let total = 0;
  let windowStart = '';
  let windowEnd = '';

  async function gql(query: string, variables?: Record<string, unknown>, raw?: string): Promise<GqlResult> {
    const t0 = performance.now();
    const res = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw ?? JSON.stringify({ query, variables }),
    });
    const text = await res.text();
    let body: GqlResult['body'];
    try {
      body = JSON.parse(text) as GqlResult['body'];
    } catch {
      assert.fail(`not JSON (HTTP ${res.status}): ${text.slice(0, 200)}`);
    }
    return { status: res.status, body, ms: performance.now() - t0 };
  }

  async function data(query: string, variables?: Record<string, unknown>) {
    const r = await gql(query, variables);
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    assert.equal(r.status, 200);
    return r.body.data;
  }

  async function submitAndIndex(inputs: unknown[]): Promise<void> {
    await h.bus.publish(
      h.topics.submissions,
      inputs.map((input, i) => submissionRecord(input, total + i, `api-${total + i}`)),
    );
    total += inputs.length;
    await eventually(
      async () => ((await treeSize(h.admin)) === total ? true : undefined),
      120_000,
      `${total} logged`,
    );
    await eventually(
      async () => ((await indexedCount(h.admin)) === total ? true : undefined),
      120_000,
      `${total} indexed`,
    );
  }

  /** Waits past the next whole second (integrated times are seconds) and returns it. */
  async function nextSecond(): Promise<string> {
    const t = Math.floor(Date.now() / 1000) + 1;
    await new Promise((r) => setTimeout(r, t * 1000 - Date.now() + 50));
    return new Date(t * 1000).toISOString();
  }

  before(async () => {
    h = await createLogHarness({ partitions: 3 });
    idx = indexers(h);
    const seq = h.startSequencer();
    await seq.waitReady();
    const indexer = idx.start();
    await indexer.waitReady();
    api = startServiceProcess('api', {
      DATABASE_URL: h.db.serviceUrls.api,
      ATTESTRY_HOME: path.dirname(h.keysDir),
      LOG_KEYS_DIR: h.keysDir,
      SUBSCRIPTION_POLL_MS: '100',
      GATEWAY_PUBLIC_URL: 'http://gateway.test:8080',
    });
    await api.waitReady();

    // Before the window.
    await submitAndIndex([
      hashed(kA, 'old-lib'),
      dsseInput([kB], sbom('app0', [{ name: 'old-lib', digest: A.oldLib }])),
    ]);
    windowStart = await nextSecond();
    // Inside the window.
    await submitAndIndex([
      hashed(kA, 'lib1'),
      dsseInput(
        [kA],
        provenance(subject('pkg:npm/lib3@3.0.0', A.lib3), [
          { uri: 'git+https://github.com/acme/lib3', digest: d256('lib3-src') },
        ]),
      ),
      dsseInput([kB], provenance(subject('app1', A.app1), [{ uri: 'pkg:npm/lib1@1.0.0', digest: A.lib1 }])),
      dsseInput([kC], sbom('svc', [{ name: 'app1', digest: A.app1 }])),
      dsseInput([kB], sbom('app2', [{ name: 'lib3', purl: 'pkg:npm/lib3@3.0.0' }])),
      dsseInput(
        [kC],
        sbom('cycA', [
          { name: 'app2', digest: A.app2 },
          { name: 'cycB', digest: A.cycB },
        ]),
      ),
      dsseInput([kC], sbom('cycB', [{ name: 'cycA', digest: A.cycA }])),
      dsseInput([kB], sbom('app3', [{ name: 'log4j-core', purl: LOG4J }])),
      dsseInput([kC], sbom('svc2', [{ name: 'app3', digest: A.app3 }])),
      JSON.parse(readFileSync(path.join(repoRoot, 'test/fixtures', NPM_BUNDLE), 'utf8')),
    ]);
    windowEnd = await nextSecond();
    // After the window.
    await submitAndIndex([
      hashed(kA, 'late-lib'),
      dsseInput([kB], sbom('app9', [{ name: 'late-lib', digest: A.lateLib }])),
    ]);
  });

  after(async () => {
    await api?.stop();
    await idx?.stopAll();
    await h?.close();
  });

  it('whoSigned answers every signature over an artifact, by any of its digests, with the signer', async () => {
    const d = await data(
      `query($d: String!) { whoSigned(digest: $d) { signer { kind keyId } predicateType entryKind logIndex
          integratedTime artifacts { digest } } }`,
      { d: A.lib3.toUpperCase().replace('SHA512', 'sha512') },
    );
    assert.equal(d.whoSigned.length, 1);
    const [s] = d.whoSigned;
    assert.deepEqual(s.signer, { kind: 'KEY', keyId: keyIdOf(kA) });
    assert.equal(s.predicateType, SLSA1);
    assert.equal(s.entryKind, 'DSSE');
    assert.deepEqual(s.artifacts, [{ digest: A.lib3 }]);
    assert.ok(s.integratedTime >= windowStart && s.integratedTime < windowEnd);

    const lib1 = await data(
      `{ whoSigned(digest: "${A.lib1}") { signer { keyId } entryKind predicateType } }`,
    );
    assert.deepEqual(lib1.whoSigned, [
      { signer: { keyId: keyIdOf(kA) }, entryKind: 'HASHEDREKORD', predicateType: null },
    ]);
    const none = await data(`{ whoSigned(digest: "${d256('never-logged')}") { logIndex } }`);
    assert.deepEqual(none.whoSigned, []);
  });

  it('whoSigned gives a Fulcio signer its identity, issuer and CI claims', async () => {
    const bundle = JSON.parse(readFileSync(path.join(repoRoot, 'test/fixtures', NPM_BUNDLE), 'utf8'));
    const payload = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
    const digest = `sha512:${payload.subject[0].digest.sha512}`;
    const d = await data(
      `{ whoSigned(digest: "${digest}") { signer { kind identity issuer ci { repository workflow ref trigger runnerEnvironment } } } }`,
    );
    assert.deepEqual(d.whoSigned, [
      {
        signer: {
          kind: 'CERTIFICATE',
          identity: 'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main',
          issuer: 'https://token.actions.githubusercontent.com',
          ci: {
            repository: 'https://github.com/sigstore/sigstore-js',
            workflow: 'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main',
            ref: 'refs/heads/main',
            trigger: 'push',
            runnerEnvironment: 'github-hosted',
          },
        },
      },
    ]);
  });

  it('signatures lists what a key or identity signed in a window, paged, with totalCount', async () => {
    const q = `query($s: SignerInput!, $since: DateTime, $until: DateTime, $first: Int, $after: String) {
      signatures(signer: $s, since: $since, until: $until, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { logIndex artifacts { digest } } } } }`;
    const all = await data(q, { s: { keyId: keyIdOf(kA) } });
    assert.equal(all.signatures.totalCount, 4);
    const nodes = all.signatures.edges.map(
      (e: { node: { logIndex: number; artifacts: { digest: string }[] } }) => e.node,
    );
    // Oldest first: old-lib before the window, late-lib after it, lib1 and lib3 (one batch) between.
    const digests = nodes.map((n: { artifacts: { digest: string }[] }) => n.artifacts[0]?.digest);
    assert.equal(digests[0], A.oldLib);
    assert.equal(digests[3], A.lateLib);
    assert.deepEqual(
      new Set(nodes.slice(1, 3).map((n: { artifacts: { digest: string }[] }) => n.artifacts[0]?.digest)),
      new Set([A.lib1, A.lib3]),
    );
    // The window: since inclusive, until exclusive.
    const inWindow = await data(q, { s: { keyId: keyIdOf(kA) }, since: windowStart, until: windowEnd });
    assert.equal(inWindow.signatures.totalCount, 2);
    // Page by page with cursors.
    const seen: number[] = [];
    let afterCursor: string | undefined;
    for (;;) {
      const p = await data(q, { s: { keyId: keyIdOf(kA) }, first: 1, after: afterCursor });
      seen.push(...p.signatures.edges.map((e: { node: { logIndex: number } }) => e.node.logIndex));
      if (!p.signatures.pageInfo.hasNextPage) break;
      afterCursor = p.signatures.pageInfo.endCursor;
    }
    assert.deepEqual(
      seen,
      all.signatures.edges.map((e: { node: { logIndex: number } }) => e.node.logIndex),
    );
    // An organisation by identity prefix, with the issuer; and by CI repository.
    const org = await data(q, {
      s: {
        identityPrefix: 'https://github.com/sigstore/',
        issuer: 'https://token.actions.githubusercontent.com',
      },
    });
    assert.equal(org.signatures.totalCount, 1);
    const other = await data(q, { s: { identityPrefix: 'https://github.com/sigstorf/' } });
    assert.equal(other.signatures.totalCount, 0);
    const repo = await data(q, { s: { repository: 'https://github.com/sigstore/sigstore-js' } });
    assert.equal(repo.signatures.totalCount, 1);
  });

  it('blastRadius of the compromised key in its window: what it signed, what depends on it, depths and paths', async () => {
    const q = `query($s: SignerInput!, $since: DateTime, $until: DateTime, $depth: Int) {
      blastRadius(signer: $s, since: $since, until: $until, maxDepth: $depth) {
        signedCount affectedCount truncated signed { edges { node { digest } } }
        affected(first: 100) { totalCount edges { node { artifact { digest } depth path { digest } viaLogIndex } } } } }`;
    const d = await data(q, { s: { keyId: keyIdOf(kA) }, since: windowStart, until: windowEnd });
    const b = d.blastRadius;
    assert.equal(b.signedCount, 2);
    assert.deepEqual(
      b.signed.edges.map((e: { node: { digest: string } }) => e.node.digest),
      [A.lib1, A.lib3].sort(),
    );
    const affected = b.affected.edges.map(
      (e: { node: { artifact: { digest: string }; depth: number; path: { digest: string }[] } }) => ({
        artifact: e.node.artifact.digest,
        depth: e.node.depth,
        path: e.node.path.map((p) => p.digest),
      }),
    );
    const expected = [
      { artifact: A.app1, depth: 1, path: [A.lib1, A.app1] },
      { artifact: A.app2, depth: 1, path: [A.lib3, A.app2] },
      { artifact: A.svc, depth: 2, path: [A.lib1, A.app1, A.svc] },
      { artifact: A.cycA, depth: 2, path: [A.lib3, A.app2, A.cycA] },
      { artifact: A.cycB, depth: 3, path: [A.lib3, A.app2, A.cycA, A.cycB] },
    ].sort((x, y) => x.depth - y.depth || (x.artifact < y.artifact ? -1 : 1));
    assert.deepEqual(affected, expected);
    assert.equal(b.affectedCount, 5);
    assert.equal(b.affected.totalCount, 5);
    assert.equal(b.truncated, false);
    assert.ok(
      b.affected.edges.every((e: { node: { viaLogIndex: number } }) => Number.isInteger(e.node.viaLogIndex)),
    );

    // Pages of two, walked by cursor, give the same members in the same order.
    const paged: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const p = await data(
        `query($s: SignerInput!, $since: DateTime, $until: DateTime, $after: String) {
          blastRadius(signer: $s, since: $since, until: $until) {
            affected(first: 2, after: $after) { pageInfo { hasNextPage endCursor } edges { node { artifact { digest } } } } } }`,
        { s: { keyId: keyIdOf(kA) }, since: windowStart, until: windowEnd, after: cursor },
      );
      const a = p.blastRadius.affected;
      paged.push(...a.edges.map((e: { node: { artifact: { digest: string } } }) => e.node.artifact.digest));
      if (!a.pageInfo.hasNextPage) break;
      cursor = a.pageInfo.endCursor;
    }
    assert.deepEqual(
      paged,
      expected.map((e) => e.artifact),
    );
    // maxDepth bounds it.
    const shallow = await data(q, {
      s: { keyId: keyIdOf(kA) },
      since: windowStart,
      until: windowEnd,
      depth: 1,
    });
    assert.deepEqual(
      shallow.blastRadius.affected.edges.map(
        (e: { node: { artifact: { digest: string } } }) => e.node.artifact.digest,
      ),
      [A.app1, A.app2].sort(),
    );
    // Without a window: old-lib and late-lib and their dependents too.
    const ever = await data(q, { s: { keyId: keyIdOf(kA) } });
    assert.equal(ever.blastRadius.signedCount, 4);
    assert.equal(ever.blastRadius.affectedCount, 7);
  });

  it('dependents of a package version known by purl only (the log4j question), with paths', async () => {
    const d = await data(
      `query($p: String!) { dependents(purl: $p) { totalCount edges { node { artifact { digest } depth path { digest } via { predicateType } } } } }`,
      { p: LOG4J },
    );
    assert.equal(d.dependents.totalCount, 2);
    assert.deepEqual(
      d.dependents.edges.map(
        (e: {
          node: {
            artifact: { digest: string };
            depth: number;
            path: { digest: string }[];
            via: { predicateType: string };
          };
        }) => [
          e.node.artifact.digest,
          e.node.depth,
          e.node.path.map((p) => p.digest),
          e.node.via.predicateType,
        ],
      ),
      [
        [A.app3, 1, [A.app3], CDX],
        [A.svc2, 2, [A.app3, A.svc2], CDX],
      ],
    );
    // The cycle terminates, and each artifact appears once.
    const lib3 = await data(
      `{ dependents(purl: "pkg:npm/lib3@3.0.0", maxDepth: 25) { totalCount edges { node { artifact { digest } depth } } } }`,
    );
    assert.deepEqual(
      lib3.dependents.edges.map((e: { node: { artifact: { digest: string }; depth: number } }) => [
        e.node.artifact.digest,
        e.node.depth,
      ]),
      [
        [A.app2, 1],
        [A.cycA, 2],
        [A.cycB, 3],
      ],
    );
  });

  it('artifact gives digests, purls, provenance, statements with payload URLs, dependencies and dependents', async () => {
    const d = await data(`{ artifact(digest: "${A.app1}") {
        digest digests
        provenance { builderId buildType materials { uri artifact { digest } digests } statement { logIndex } }
        statements { totalCount edges { node { predicateType predicateKind payloadUrl attestationHash signatures { signer { keyId } } } } }
        dependencies { totalCount edges { node { relationship source artifact { digest } purl } } }
        dependents { totalCount edges { node { artifact { digest } depth } } } } }`);
    const a = d.artifact;
    assert.equal(a.digest, A.app1);
    assert.deepEqual(a.digests, [A.app1]);
    assert.equal(a.provenance.length, 1);
    assert.equal(a.provenance[0].builderId, 'https://example.com/builder@v1');
    assert.deepEqual(a.provenance[0].materials, [
      { uri: 'pkg:npm/lib1@1.0.0', artifact: { digest: A.lib1 }, digests: [A.lib1] },
    ]);
    assert.equal(a.statements.totalCount, 1);
    const st = a.statements.edges[0].node;
    assert.equal(st.predicateKind, 'SLSA_PROVENANCE');
    assert.match(st.attestationHash, /^sha256:[0-9a-f]{64}$/);
    assert.equal(st.payloadUrl, `http://gateway.test:8080/api/v1/attestations/${st.attestationHash}`);
    assert.deepEqual(st.signatures, [{ signer: { keyId: keyIdOf(kB) } }]);
    assert.deepEqual(a.dependencies, {
      totalCount: 1,
      edges: [
        {
          node: {
            relationship: 'BUILT_FROM',
            source: 'PROVENANCE',
            artifact: { digest: A.lib1 },
            purl: null,
          },
        },
      ],
    });
    assert.deepEqual(a.dependents, {
      totalCount: 1,
      edges: [{ node: { artifact: { digest: A.svc }, depth: 1 } }],
    });

    const lib3 = await data(`{ artifact(digest: "${A.lib3}") { digest digests purls } }`);
    assert.deepEqual(lib3.artifact, { digest: A.lib3, digests: [A.lib3], purls: ['pkg:npm/lib3@3.0.0'] });
    assert.deepEqual(await data(`{ artifact(digest: "${d256('nothing')}") { digest } }`), { artifact: null });
  });

  it('lineage upstream and downstream: nodes and edges for a graph view', async () => {
    const up = await data(`{ lineage(digest: "${A.svc}", direction: UPSTREAM, maxDepth: 5) {
        root { digest } truncated nodes { id depth purl } edges { from to logIndex } } }`);
    assert.deepEqual(
      up.lineage.nodes.map((n: { id: string; depth: number }) => [n.id, n.depth]),
      [
        [A.svc, 0],
        [A.app1, 1],
        [A.lib1, 2],
      ],
    );
    assert.deepEqual(
      up.lineage.edges.map((e: { from: string; to: string }) => [e.from, e.to]),
      [
        [A.svc, A.app1],
        [A.app1, A.lib1],
      ],
    );
    const pkgLeaf = await data(
      `{ lineage(digest: "${A.svc2}", direction: UPSTREAM) { nodes { id artifact { digest } purl depth } } }`,
    );
    assert.deepEqual(pkgLeaf.lineage.nodes.at(-1), { id: LOG4J, artifact: null, purl: LOG4J, depth: 2 });
    const down = await data(
      `{ lineage(digest: "${A.lib1}", direction: DOWNSTREAM) { nodes { id depth } edges { from to } } }`,
    );
    assert.deepEqual(
      down.lineage.edges.map((e: { from: string; to: string }) => [e.from, e.to]),
      [
        [A.app1, A.lib1],
        [A.svc, A.app1],
      ],
    );
  });

  it('package lists versions and who signed the artifacts carrying them', async () => {
    const d =
      await data(`{ package(purl: "pkg:npm/lib3@9.9.9") { purl type versions { totalCount edges { node {
        purl version artifacts { digest } signatures { signer { keyId } } } } } } }`);
    assert.equal(d.package.purl, 'pkg:npm/lib3');
    assert.equal(d.package.type, 'npm');
    const v = d.package.versions.edges.find(
      (e: { node: { version: string } }) => e.node.version === '3.0.0',
    )?.node;
    assert.ok(v, 'version 3.0.0 listed');
    assert.deepEqual(v.artifacts, [{ digest: A.lib3 }]);
    assert.deepEqual(v.signatures, [{ signer: { keyId: keyIdOf(kA) } }]);
    assert.deepEqual(await data('{ package(purl: "pkg:npm/never-seen") { purl } }'), { package: null });
  });

  it('every signature carries a log entry whose inclusion proof verifies against the signed checkpoint', async () => {
    const d = await data(`{ checkpoint { origin treeSize rootHash note }
      whoSigned(digest: "${A.lib1}") { logEntry { logIndex leafHash kind kindVersion canonicalizedBody
        inclusionProof { logIndex treeSize rootHash hashes checkpoint } transparencyLogEntry } } }`);
    const cp = parseCheckpointNote(d.checkpoint.note);
    assert.equal(d.checkpoint.origin, h.origin);
    assert.equal(d.checkpoint.treeSize, total);
    assert.equal(cp.root.toString('hex'), d.checkpoint.rootHash);
    const e = d.whoSigned[0].logEntry;
    const body = Buffer.from(e.canonicalizedBody, 'base64');
    assert.equal(rfc6962LeafHash(body).toString('hex'), e.leafHash);
    assert.equal(e.kindVersion, 'hashedrekord/0.0.1');
    const p = e.inclusionProof;
    assert.equal(p.checkpoint, d.checkpoint.note);
    assert.ok(
      verifyInclusion(
        p.logIndex,
        p.treeSize,
        rfc6962LeafHash(body),
        p.hashes.map((x: string) => Buffer.from(x, 'hex')),
        cp.root,
      ),
    );
    assert.equal(e.transparencyLogEntry.logIndex, String(e.logIndex));
    assert.equal(e.transparencyLogEntry.inclusionProof.checkpoint.envelope, d.checkpoint.note);

    const proofs = await data(`{ inclusionProof(index: 0, treeSize: "${total}") { rootHash hashes }
      consistencyProof(from: 2, to: ${total}) { fromRootHash toRootHash hashes }
      logEntry(index: 99999999) { logIndex } }`);
    assert.equal(proofs.inclusionProof.rootHash, d.checkpoint.rootHash);
    assert.equal(proofs.consistencyProof.toRootHash, d.checkpoint.rootHash);
    assert.ok(proofs.consistencyProof.hashes.length > 0);
    assert.equal(proofs.logEntry, null);
  });

  it('refuses malformed input with BAD_USER_INPUT, never an empty answer', async () => {
    const cases = [
      `{ whoSigned(digest: "sha256:abc") { logIndex } }`,
      `{ whoSigned(digest: "md5:d41d8cd98f00b204e9800998ecf8427e") { logIndex } }`,
      `{ signatures(signer: { keyId: "not-a-key-id" }) { totalCount } }`,
      `{ signatures(signer: { issuer: "https://accounts.google.com" }) { totalCount } }`,
      `{ signatures(signer: { keyId: "${keyIdOf(kA)}" }, since: "yesterday") { totalCount } }`,
      `{ dependents(purl: "log4j") { totalCount } }`,
      `{ dependents(purl: "pkg:maven/org.apache.logging.log4j/log4j-core") { totalCount } }`,
      `{ blastRadius(signer: { keyId: "${keyIdOf(kA)}" }, maxDepth: 1000) { signedCount } }`,
      `{ signatures(signer: { keyId: "${keyIdOf(kA)}" }, after: "bm90LWEtY3Vyc29y") { totalCount } }`,
      `{ inclusionProof(index: 5, treeSize: 3) { rootHash } }`,
    ];
    for (const q of cases) {
      const r = await gql(q);
      assert.ok(r.status < 500, `${q}: HTTP ${r.status}`);
      assert.equal(r.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${q}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.data?.whoSigned, undefined);
    }
  });

  it('refuses abusive queries with codes, each within a second, and a large body as a GraphQL error', async () => {
    const deep = `{ artifact(digest: "${A.app1}") { ${'dependents { edges { node { artifact { '.repeat(10)} digest ${'} } } }'.repeat(10)} } }`;
    const aliases = `{ ${Array.from({ length: 3000 }, (_v, i) => `a${i}: checkpoint { treeSize }`).join(' ')} }`;
    const cases: [string, string][] = [
      [deep, 'QUERY_TOO_DEEP'],
      [aliases, 'TOO_MANY_ALIASES'],
      [
        `{ signatures(signer: { keyId: "${keyIdOf(kA)}" }, first: 100000000) { totalCount } }`,
        'BAD_USER_INPUT',
      ],
      [
        `{ signatures(signer: { keyId: "${keyIdOf(kA)}" }, first: 1000) { edges { node { artifacts { signatures(first: 1000) { totalCount } } } } } }`,
        'QUERY_TOO_COSTLY',
      ],
    ];
    for (const [q, code] of cases) {
      const r = await gql(q);
      assert.ok(r.status >= 400 && r.status < 500, `${code}: HTTP ${r.status}`);
      assert.equal(r.body.errors?.[0]?.extensions?.code, code, JSON.stringify(r.body).slice(0, 300));
      assert.ok(r.ms < 1000, `${code} answered in ${r.ms} ms`);
      assert.ok(!JSON.stringify(r.body).includes('stacktrace'));
    }
    // A variable `first` is checked too.
    const v = await gql(
      `query($n: Int) { signatures(signer: { keyId: "${keyIdOf(kA)}" }, first: $n) { totalCount } }`,
      {
        n: 5000,
      },
    );
    assert.equal(v.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    // 1.5 MiB of query is read and refused as GraphQL, not as an HTML 413; 3 MiB is a JSON 413.
    const padded = JSON.stringify({ query: `{ checkpoint { treeSize } } ${'#'.repeat(1536 * 1024)}` });
    const ok = await gql('', undefined, padded);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.data.checkpoint.treeSize, total);
    const big = await gql(
      '',
      undefined,
      JSON.stringify({ query: `{ checkpoint { treeSize } } ${'#'.repeat(3 * 1024 * 1024)}` }),
    );
    assert.equal(big.status, 413);
    assert.equal(big.body.errors?.[0]?.extensions?.code, 'PAYLOAD_TOO_LARGE');
  });

  it('documents every type and field, and introspection works without a CDN landing page', async () => {
    const d = await data(`{ __schema { types { name kind description fields { name description } } } }`);
    const ours = d.__schema.types.filter(
      (t: { name: string; kind: string }) =>
        !t.name.startsWith('__') && !['String', 'Int', 'Boolean', 'ID', 'Float'].includes(t.name),
    );
    for (const t of ours) {
      assert.ok(t.description, `type ${t.name} has a description`);
      for (const f of t.fields ?? []) assert.ok(f.description, `${t.name}.${f.name} has a description`);
    }
    const page = await fetch(`${api.url}/`);
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.ok(
      !/https?:\/\/(?!127\.0\.0\.1|localhost)[a-z0-9.-]+\.[a-z]{2,}\/.*\.(js|css)/i.test(html),
      'no CDN assets',
    );
  });

  it('signatureBy and entryAppended push new entries over WebSocket once they are indexed', async () => {
    const client = createClient({
      url: `${api.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    const got: {
      sig?: { logIndex: number; artifacts: { digest: string }[] };
      entry?: { logIndex: number; kind: string };
    } = {};
    const subscribed: (() => void)[] = [];
    const wait = Promise.all([
      new Promise<void>((resolve, reject) => {
        subscribed.push(
          client.subscribe<{ signatureBy: { logIndex: number; artifacts: { digest: string }[] } }>(
            {
              query: `subscription($k: String!) { signatureBy(signer: { keyId: $k }) { logIndex artifacts { digest } } }`,
              variables: { k: keyIdOf(kC) },
            },
            {
              next: (m) => ((got.sig = m.data?.signatureBy), resolve()),
              error: reject,
              complete: () => undefined,
            },
          ),
        );
      }),
      new Promise<void>((resolve, reject) => {
        subscribed.push(
          client.subscribe<{ entryAppended: { logIndex: number; kind: string } }>(
            { query: `subscription { entryAppended(filter: { kind: HASHEDREKORD }) { logIndex kind } }` },
            {
              next: (m) => ((got.entry = m.data?.entryAppended), resolve()),
              error: reject,
              complete: () => undefined,
            },
          ),
        );
      }),
    ]);
    const before = total;
    // The protocol does not acknowledge a subscription: submit until the events arrive (a
    // subscription made before an entry is indexed must see it), at most five rounds.
    let delivered = false;
    void wait.then(() => (delivered = true));
    for (let round = 0; round < 5 && !delivered; round++) {
      await submitAndIndex([
        dsseInput([kC], sbom('svc', [{ name: `app2-${round}`, digest: A.app2 }])),
        hashed(kA, `fresh-${round}`),
      ]);
      await Promise.race([wait, new Promise((r) => setTimeout(r, 3000))]);
    }
    assert.ok(delivered, 'both subscriptions got an event');
    for (const stop of subscribed) stop();
    await client.dispose();
    assert.ok(got.sig && got.sig.logIndex >= before);
    assert.deepEqual(got.sig.artifacts, [{ digest: A.svc }]);
    assert.equal(got.entry?.kind, 'HASHEDREKORD');
    assert.ok((got.entry?.logIndex ?? -1) >= before);
  });
});
