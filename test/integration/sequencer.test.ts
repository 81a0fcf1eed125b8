/**
 * The log, end to end through the real broker and PostgreSQL: sequencer and gateway processes,
 * signed submissions on Kafka, and an independent verifier (test/support/mirror.ts) that trusts
 * nothing but HTTP and node:crypto.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLogHarness, submissionRecord, treeSize, type LogHarness } from '../support/log-harness.js';
import { eventually, type RunningService } from '../support/services.js';
import { makeSigner, hashedRekordInput, dsseEnvelope, signerFrom, statement } from '../support/signing.js';
import {
  merkleRoot,
  mirrorEntries,
  parseCheckpointNote,
  rfc6962LeafHash,
  verifyCheckpointSignatures,
  verifyConsistency,
  verifyInclusion,
} from '../support/mirror.js';
import { RejectedEvent } from '../../libs/events/index.js';
import { Bus } from '../../libs/bus/index.js';
import { systemClock } from '../../libs/core/index.js';
import { createPool } from '../../libs/db/index.js';
import { loadLogKeys } from '../../libs/logkeys/index.js';
import { createLogger, createMetrics } from '../../libs/observe/index.js';
import { logSigners } from '../../libs/tlog/index.js';
import { Sequencer } from '../../services/sequencer/sequencer.js';
import { kafkaBrokers, repoRoot } from '../support/stack.js';

const b64 = (s: string) => Buffer.from(s, 'base64');

async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url);
  if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

async function allCheckpoints(h: LogHarness): Promise<Array<{ tree_size: number; note: string }>> {
  return (
    await h.admin.query<{ tree_size: number; note: string }>(
      'SELECT tree_size, note FROM tlog.checkpoints ORDER BY tree_size',
    )
  ).rows;
}

/** Dense indexes 0..n-1, unique leaves, root of the stored tree = independent root of the bodies. */
async function assertLogIntact(h: LogHarness, expected: number): Promise<void> {
  const rows = (
    await h.admin.query<{ log_index: number; leaf_hash: Buffer; body: Buffer }>(
      'SELECT log_index, leaf_hash, body FROM tlog.entries ORDER BY log_index',
    )
  ).rows;
  assert.equal(rows.length, expected, 'entry count');
  rows.forEach((r, i) => assert.equal(r.log_index, i, 'dense indexes'));
  assert.equal(new Set(rows.map((r) => r.leaf_hash.toString('hex'))).size, expected, 'no entry twice');
  for (const r of rows) assert.deepEqual(r.leaf_hash, rfc6962LeafHash(r.body));
  const head = (
    await h.admin.query<{ tree_size: number; root_hash: Buffer }>(
      'SELECT tree_size, root_hash FROM tlog.tree_head',
    )
  ).rows[0];
  assert.equal(head?.tree_size, expected);
  assert.deepEqual(head?.root_hash, merkleRoot(rows.map((r) => r.body)));
}

describe('the transparency log through Kafka, PostgreSQL and HTTP', () => {
  let h: LogHarness;
  let seq: RunningService;
  let gw: RunningService;
  const signer = makeSigner('ecdsa-p256');

  before(async () => {
    h = await createLogHarness();
    seq = h.startSequencer();
    await seq.waitReady();
    gw = h.startGateway();
    await gw.waitReady();
  });
  after(async () => {
    await h.close();
  });

  it('appends 10,000 entries; the served tiles, bundles, proofs and signed checkpoints all verify independently', async () => {
    const N = 10_000;
    const records = Array.from({ length: N }, (_, i) =>
      submissionRecord(hashedRekordInput(signer, Buffer.from(`artifact ${i}`)), i),
    );
    for (let i = 0; i < N; i += 1000) await h.bus.publish(h.topics.submissions, records.slice(i, i + 1000));
    await eventually(
      async () => ((await treeSize(h.admin)) === N ? true : undefined),
      180_000,
      `${N} entries`,
    );

    const note = await (await fetch(`${gw.url}/tlog/checkpoint`)).text();
    const cp = parseCheckpointNote(note);
    assert.equal(cp.origin, h.origin);
    assert.equal(cp.size, N);
    const keys = h.publicKeys();
    assert.deepEqual(verifyCheckpointSignatures(cp, keys.ecdsa, keys.ed25519), {
      ecdsa: true,
      ed25519: true,
    });

    const entries = await mirrorEntries(gw.url, N);
    assert.deepEqual(merkleRoot(entries), cp.root, 'root recomputed from the served entry bundles');

    for (let i = 0; i < N; i++) {
      const p = await getJson<{ rootHash: string; hashes: string[] }>(
        `${gw.url}/tlog/proof/inclusion?index=${i}&treeSize=${N}`,
      );
      assert.ok(
        verifyInclusion(i, N, rfc6962LeafHash(entries[i] as Buffer), p.hashes.map(b64), cp.root),
        `inclusion of ${i}`,
      );
    }

    const cps = (await allCheckpoints(h)).map((c) => parseCheckpointNote(c.note));
    assert.ok(cps.length >= 2, 'several batches, several checkpoints');
    for (const c of cps)
      assert.deepEqual(verifyCheckpointSignatures(c, keys.ecdsa, keys.ed25519), {
        ecdsa: true,
        ed25519: true,
      });
    for (let a = 0; a < cps.length; a++) {
      for (let b = a + 1; b < cps.length; b++) {
        const A = cps[a] as (typeof cps)[number];
        const B = cps[b] as (typeof cps)[number];
        const p = await getJson<{ hashes: string[] }>(
          `${gw.url}/tlog/proof/consistency?from=${A.size}&to=${B.size}`,
        );
        assert.ok(
          verifyConsistency(A.size, B.size, p.hashes.map(b64), A.root, B.root),
          `consistency ${A.size} -> ${B.size}`,
        );
      }
    }
  });

  it('relays every committed entry to attestry.entries in log order within each partition, and the checkpoints to attestry.checkpoints', async () => {
    const size = await treeSize(h.admin);
    const byPartition = new Map<number, number[]>();
    const seen = new Set<number>();
    const checkpoints: number[] = [];
    const entries = await h.bus.consume({
      groupId: `${h.prefix}test-relay`,
      topics: [h.topics.entries, h.topics.checkpoints],
      loadOffsets: async () => new Map(),
      handleBatch: async (batch) => {
        for (const m of batch.messages) {
          const v = JSON.parse(m.value?.toString() ?? '{}') as {
            logIndex?: number;
            treeSize?: number;
            body?: string;
            leafHash?: string;
          };
          if (batch.topic === h.topics.checkpoints) {
            checkpoints.push(v.treeSize ?? -1);
            continue;
          }
          const i = v.logIndex ?? -1;
          assert.equal(rfc6962LeafHash(b64(v.body ?? '')).toString('hex'), v.leafHash);
          assert.equal(m.key?.toString(), String(i));
          byPartition.set(batch.partition, [...(byPartition.get(batch.partition) ?? []), i]);
          seen.add(i);
        }
      },
    });
    await eventually(
      async () => (seen.size >= size && checkpoints.includes(size) ? true : undefined),
      60_000,
      'relayed entries',
    );
    await entries.stop();
    for (let i = 0; i < size; i++) assert.ok(seen.has(i), `entry ${i} relayed`);
    for (const [p, list] of byPartition)
      assert.deepEqual(
        list,
        [...list].sort((a, b) => a - b),
        `partition ${p} in log order`,
      );
    assert.deepEqual(
      checkpoints,
      [...checkpoints].sort((a, b) => a - b),
      'checkpoints in order',
    );
  });

  it('serves partial tiles for any width up to the current one, full tiles as immutable', async () => {
    const size = await treeSize(h.admin);
    const lastFull = Math.floor(size / 256) - 1;
    const full = await fetch(`${gw.url}/tlog/tile/0/${String(lastFull).padStart(3, '0')}`);
    assert.equal(full.status, 200);
    assert.equal((await full.arrayBuffer()).byteLength, 256 * 32);
    assert.match(full.headers.get('cache-control') ?? '', /immutable/);
    const partialIndex = String(Math.floor(size / 256)).padStart(3, '0');
    const width = size % 256;
    assert.ok(width > 1);
    const older = await fetch(`${gw.url}/tlog/tile/0/${partialIndex}.p/${width - 1}`);
    assert.equal(older.status, 200);
    assert.equal((await older.arrayBuffer()).byteLength, (width - 1) * 32);
    const future = await fetch(`${gw.url}/tlog/tile/0/${partialIndex}.p/${width + 1}`);
    assert.equal(future.status, 404);
    const malformed = await fetch(`${gw.url}/tlog/tile/0/x001/02`);
    assert.equal(malformed.status, 404);
  });

  it('logs the same submission sent 100 times concurrently once', async () => {
    const before = await treeSize(h.admin);
    const input = hashedRekordInput(signer, Buffer.from('the same artifact'));
    // Different keys spread the copies over every partition.
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        h.bus.publish(h.topics.submissions, [submissionRecord(input, i, `dup-${i}`)]),
      ),
    );
    await eventually(
      async () => ((await treeSize(h.admin)) === before + 1 ? true : undefined),
      60_000,
      'one new entry',
    );
    // Drained: every copy's offset committed, still one entry.
    await eventually(
      async () => {
        const r = await h.admin.query<{ behind: number }>(
          'SELECT count(*)::int AS behind FROM tlog.consumer_offsets WHERE topic = $1',
          [h.topics.submissions],
        );
        return (r.rows[0]?.behind ?? 0) > 0 ? true : undefined;
      },
      30_000,
      'offsets',
    );
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await treeSize(h.admin), before + 1);
  });

  it('sends malformed submissions, bad signatures and oversized entries to attestry.rejected with their reason', async () => {
    const seen: RejectedEvent[] = [];
    const consumer = await h.bus.consume({
      groupId: `${h.prefix}test-rejected`,
      topics: [h.topics.rejected],
      loadOffsets: async () => new Map(),
      handleBatch: async (batch) => {
        for (const m of batch.messages) seen.push(RejectedEvent.parse(JSON.parse(m.value?.toString() ?? '')));
      },
    });
    const good = hashedRekordInput(signer, Buffer.from('good'));
    const forged = hashedRekordInput(signer, Buffer.from('other'), { signatureOf: Buffer.from('original') });
    // 16 RSA-12288 signatures and their verifier make a DSSE entry body over the 65,535 bytes a
    // tile entry bundle can hold (a pre-generated test key: generating one takes ~35 s).
    const rsaKey = createPrivateKey(
      readFileSync(path.join(repoRoot, 'test/fixtures/attestry/rsa-12288-test.key')),
    );
    const rsa = signerFrom(rsaKey, createPublicKey(rsaKey), { pss: true });
    await h.bus.publish(h.topics.submissions, [
      { key: 'r-json', value: 'this is not JSON' },
      { key: 'r-schema', value: JSON.stringify({ v: 2, nothing: true }) },
      submissionRecord({ kind: 'nonsense' }, 1, 'r-input'),
      submissionRecord(forged, 2, 'r-sig'),
      submissionRecord(
        {
          dsseEnvelope: dsseEnvelope(
            Array.from({ length: 16 }, () => rsa),
            statement('big', Buffer.from('big'), 'https://example.com/p', {}),
          ),
          verificationMaterial: { publicKey: rsa.publicKeyPem },
        },
        3,
        'r-big',
      ),
      submissionRecord(good, 4, 'r-good'),
    ]);
    await eventually(async () => (seen.length >= 5 ? true : undefined), 60_000, 'five rejections');
    await consumer.stop();
    const byKey = new Map(seen.map((e) => [e.origin?.offset, e]));
    assert.equal(byKey.size, 5);
    const reasons = seen.map((e) => e.reason).sort();
    assert.deepEqual(
      reasons,
      [
        'ENTRY_TOO_LARGE',
        'INPUT_MALFORMED',
        'INPUT_MALFORMED',
        'INPUT_MALFORMED',
        'SIGNATURE_INVALID',
      ].sort(),
    );
    for (const e of seen) {
      assert.equal(e.rejectedBy, 'sequencer');
      assert.ok(e.message.length > 0);
      assert.ok(e.payloadBase64.length > 0, 'the rejected payload travels with the reason');
    }
    const goodLeaf = (
      await h.admin.query("SELECT 1 FROM tlog.entries WHERE convert_from(body, 'UTF8') LIKE $1", [
        `%${createHash('sha256').update('good').digest('hex')}%`,
      ])
    ).rowCount;
    assert.equal(goodLeaf, 1, 'the valid submission in the same batch was logged');
  });
});

describe('crash safety and fencing of the sequencer', () => {
  let h: LogHarness;
  const signer = makeSigner('ecdsa-p256');

  before(async () => {
    h = await createLogHarness();
  });
  after(async () => {
    await h.close();
  });

  it('survives SIGKILL at random points mid-batch: nothing lost, nothing twice, indexes dense, checkpoints consistent', async () => {
    const N = 6000;
    const records = Array.from({ length: N }, (_, i) =>
      submissionRecord(hashedRekordInput(signer, Buffer.from(`crash ${i}`)), i),
    );
    for (let i = 0; i < N; i += 1000) await h.bus.publish(h.topics.submissions, records.slice(i, i + 1000));
    let kills = 0;
    let seq = h.startSequencer({ SEQUENCER_LEASE_MS: '2000', LOG_LEVEL: 'warn', BATCH_MAX_BYTES: '256KiB' });
    while ((await treeSize(h.admin)) < N && kills < 12) {
      await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 1200)));
      seq.signal('SIGKILL');
      await seq.exited;
      kills++;
      seq = h.startSequencer({ SEQUENCER_LEASE_MS: '2000', LOG_LEVEL: 'warn', BATCH_MAX_BYTES: '256KiB' });
    }
    await eventually(
      async () => ((await treeSize(h.admin)) === N ? true : undefined),
      180_000,
      `${N} entries after ${kills} kills`,
    );
    assert.ok(kills >= 3, `killed ${kills} times`);
    await assertLogIntact(h, N);
    const gw = h.startGateway();
    await gw.waitReady();
    const cps = (await allCheckpoints(h)).map((c) => parseCheckpointNote(c.note));
    for (let i = 0; i + 1 < cps.length; i++) {
      const A = cps[i] as (typeof cps)[number];
      const B = cps[i + 1] as (typeof cps)[number];
      const p = await getJson<{ hashes: string[] }>(
        `${gw.url}/tlog/proof/consistency?from=${A.size}&to=${B.size}`,
      );
      assert.ok(
        verifyConsistency(A.size, B.size, p.hashes.map(b64), A.root, B.root),
        `checkpoint ${A.size} is consistent with ${B.size}`,
      );
    }
    await seq.stop();
    await gw.stop();
  });

  it('fences a SIGSTOPped leader: the standby takes over, and the old leader steps down when it wakes', async () => {
    const env = { SEQUENCER_LEASE_MS: '2000', LOG_LEVEL: 'info' };
    const a = h.startSequencer(env);
    await a.waitReady();
    const metric = async (s: RunningService) =>
      /attestry_sequencer_active\{[^}]*\} (\d)/.exec(await (await fetch(`${s.url}/metrics`)).text())?.[1];
    await eventually(async () => ((await metric(a)) === '1' ? true : undefined), 30_000, 'a active');
    const b = h.startSequencer(env);
    await b.waitReady();
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await metric(b), '0', 'b stands by while a is active');

    const start = await treeSize(h.admin);
    a.signal('SIGSTOP');
    const more = Array.from({ length: 200 }, (_, i) =>
      submissionRecord(hashedRekordInput(signer, Buffer.from(`fenced ${i}`)), i),
    );
    await h.bus.publish(h.topics.submissions, more);
    await eventually(async () => ((await metric(b)) === '1' ? true : undefined), 60_000, 'b takes over');
    await eventually(
      async () => ((await treeSize(h.admin)) === start + 200 ? true : undefined),
      90_000,
      'b appends',
    );

    a.signal('SIGCONT');
    await eventually(async () => ((await metric(a)) === '0' ? true : undefined), 30_000, 'a steps down');
    const epochs = (
      await h.admin.query<{ epoch: number; holder: string }>('SELECT epoch, holder FROM tlog.leader')
    ).rows[0];
    assert.ok((epochs?.epoch ?? 0) >= 2);
    assert.match(epochs?.holder ?? '', new RegExp(`:${b.child.pid}$`));
    // Still exactly the entries we sent, nothing doubled by the old leader.
    await new Promise((r) => setTimeout(r, 2000));
    await assertLogIntact(h, start + 200);
    await a.stop();
    await b.stop();
  });
});

describe("the log's identity: a sequencer with other keys or another origin never appends", () => {
  let h: LogHarness;
  const signer = makeSigner('ecdsa-p256');
  const publish = (from: number, n: number) =>
    h.bus.publish(
      h.topics.submissions,
      Array.from({ length: n }, (_, i) =>
        submissionRecord(hashedRekordInput(signer, Buffer.from(`identity ${from + i}`)), from + i),
      ),
    );
  const metric = async (s: RunningService) =>
    /attestry_sequencer_active\{[^}]*\} (\d)/.exec(await (await fetch(`${s.url}/metrics`)).text())?.[1];

  before(async () => {
    h = await createLogHarness();
  });
  after(async () => {
    await h.close();
  });

  it('records its identity, refuses other keys or another origin at start-up and on takeover, and the right keys carry on', async () => {
    const env = { SEQUENCER_LEASE_MS: '2000' };
    const otherKeys = mkdtempSync(path.join(repoRoot, '.attestry-test', 'keys-other-'));
    const a = h.startSequencer(env);
    await a.waitReady();
    await eventually(async () => ((await metric(a)) === '1' ? true : undefined), 30_000, 'a active');
    await publish(0, 50);
    await eventually(async () => ((await treeSize(h.admin)) === 50 ? true : undefined), 60_000, '50 by a');
    // The first sequencer recorded the log's identity: its origin and public keys.
    const keys = h.publicKeys();
    const recorded = (
      await h.admin.query<{ origin: string; log_id: string; ecdsa_spki: Buffer; ed25519_spki: Buffer }>(
        'SELECT origin, log_id, ecdsa_spki, ed25519_spki FROM tlog.log_identity',
      )
    ).rows;
    assert.equal(recorded.length, 1);
    const ecdsaSpki = keys.ecdsa.export({ type: 'spki', format: 'der' });
    assert.equal(recorded[0]?.origin, h.origin);
    assert.equal(recorded[0]?.log_id, createHash('sha256').update(ecdsaSpki).digest('hex'));
    assert.deepEqual(recorded[0]?.ecdsa_spki, ecdsaSpki);
    assert.deepEqual(recorded[0]?.ed25519_spki, keys.ed25519.export({ type: 'spki', format: 'der' }));

    // At start-up: other keys, and the right keys under another origin, are refused at once, even
    // as a standby (a is still active).
    const wrong: Record<string, string>[] = [
      { LOG_KEYS_DIR: otherKeys },
      { LOG_ORIGIN: 'attestry.test/another-log' },
    ];
    for (const extra of wrong) {
      const c = h.startSequencer({ ...env, ...extra });
      assert.equal(await c.exited, 1, `refused at start-up: ${JSON.stringify(extra)}`);
      assert.match(c.log(), /LOG_KEY_MISMATCH/);
      assert.match(c.log(), /refusing to append/);
    }

    // On takeover: a sequencer with other keys that got past start-up (here: built in-process,
    // which skips main's check) takes the lease once a is gone, checks, and gives up for good.
    a.signal('SIGKILL');
    await a.exited;
    await publish(50, 20);
    const other = loadLogKeys({ dir: otherKeys });
    const signers = logSigners(h.origin, {
      ed25519: other.ed25519.privateKey,
      ecdsa: other.ecdsa.privateKey,
    });
    const pool = createPool(h.db.serviceUrls.sequencer, { applicationName: 'test-takeover', max: 4 });
    const bus = new Bus({ brokers: kafkaBrokers(), clientId: 'test-takeover' });
    let fatal: (e: Error) => void = () => undefined;
    const failed = new Promise<Error>((r) => (fatal = r));
    const takeover = new Sequencer({
      pool,
      bus,
      topics: h.topics,
      groupId: `${h.prefix}sequencer`,
      logger: createLogger('sequencer', 'silent'),
      metrics: createMetrics('sequencer'),
      clock: systemClock,
      identity: { origin: h.origin, logId: other.logId },
      signers,
      setKey: other.ecdsa.privateKey,
      logIdentity: {
        origin: h.origin,
        logId: other.logId,
        ed25519Spki: other.ed25519.publicKey.export({ type: 'spki', format: 'der' }),
        ecdsaSpki: other.ecdsa.publicKey.export({ type: 'spki', format: 'der' }),
      },
      verify: () => {
        throw new Error('never reached: nothing is verified before the identity check');
      },
      leaseMs: 2000,
      inlineLimitBytes: 1024 * 1024,
      maxBytesPerPartition: 1024 * 1024,
      onFatal: fatal,
    });
    takeover.start();
    const e = await failed;
    assert.match(e.message, /refusing to append/);
    assert.equal(takeover.state, 'failed');
    await takeover.stop();
    await bus.close();
    await pool.end();
    assert.equal(await treeSize(h.admin), 50, 'nobody appended with the wrong identity');

    // A log from before migration 0006 (no identity recorded): its checkpoints still decide.
    await h.admin.query('DELETE FROM tlog.log_identity');
    const c = h.startSequencer({ ...env, LOG_KEYS_DIR: otherKeys });
    assert.equal(await c.exited, 1, 'refused on the checkpoints alone');
    assert.match(c.log(), /not signed by this sequencer's keys/);

    // The log's own keys record the identity again and take the 20 waiting submissions: nothing
    // lost, nothing twice, and every checkpoint verifies with the log's public keys.
    const d = h.startSequencer(env);
    await d.waitReady();
    await eventually(async () => ((await treeSize(h.admin)) === 70 ? true : undefined), 60_000, '70 by d');
    await assertLogIntact(h, 70);
    assert.equal(
      (await h.admin.query<{ log_id: string }>('SELECT log_id FROM tlog.log_identity')).rows[0]?.log_id,
      recorded[0]?.log_id,
    );
    for (const cp of await allCheckpoints(h)) {
      const parsed = parseCheckpointNote(cp.note);
      assert.equal(parsed.origin, h.origin);
      assert.deepEqual(verifyCheckpointSignatures(parsed, keys.ecdsa, keys.ed25519), {
        ecdsa: true,
        ed25519: true,
      });
    }
    await d.stop();
  });
});
