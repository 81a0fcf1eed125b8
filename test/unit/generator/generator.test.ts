/**
 * The demo generator: determinism, the mix, the shape of its distributions, the compromised key,
 * and that every submission verifies with libs/verify and says, through libs/formats, the facts
 * the model intended.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixedClock, isAttestryError } from '../../../libs/core/index.js';
import {
  decodeDsseEnvelope,
  factsFromStatement,
  parseStatementPayload,
  type Facts,
} from '../../../libs/formats/index.js';
import {
  DemoModel,
  DemoSigner,
  DemoTally,
  demoCa,
  generateItems,
  streamItems,
  summarize,
  type DemoItem,
  type ItemPlan,
} from '../../../libs/generator/index.js';
import {
  parseTrustedRoot,
  PUBLIC_GOOD_TRUSTED_ROOT,
  verifySubmission,
  combineTrust,
} from '../../../libs/verify/index.js';

const clock = fixedClock('2026-03-01T12:00:00Z');
const demoTrust = combineTrust(
  parseTrustedRoot(PUBLIC_GOOD_TRUSTED_ROOT),
  parseTrustedRoot(demoCa().trustedRoot()),
);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function statementFacts(item: DemoItem): Facts {
  const input = JSON.parse(item.json) as { dsseEnvelope: unknown };
  const env = decodeDsseEnvelope(input.dsseEnvelope);
  return factsFromStatement(parseStatementPayload(env.payload, env.payloadType));
}

describe('determinism', () => {
  it('gives byte-identical submissions for a seed, on one thread or in worker threads', async () => {
    const a = [...generateItems({ seed: 's1', scale: 2000, end: 120 })].map((i) => i.json);
    const b = [...generateItems({ seed: 's1', scale: 2000, end: 120 })].map((i) => i.json);
    assert.deepEqual(a, b);
    const c: string[] = [];
    for await (const item of streamItems({ seed: 's1', scale: 2000, end: 120, workers: 2, chunkSize: 7 }))
      c.push(item.json);
    assert.deepEqual(c, a);
  });

  it('makes any slice alone, as the whole stream makes it', () => {
    const whole = [...generateItems({ seed: 's1', scale: 2000, end: 80 })].map((i) => i.json);
    const slice = [...generateItems({ seed: 's1', scale: 2000, start: 50, end: 80 })].map((i) => i.json);
    assert.deepEqual(slice, whole.slice(50));
  });

  it('differs for another seed', () => {
    const a = [...generateItems({ seed: 's1', scale: 2000, end: 40 })];
    const b = [...generateItems({ seed: 's2', scale: 2000, end: 40 })];
    assert.equal(
      a.filter((x, i) => x.json === b[i]!.json).length,
      0,
      'no submission in common between two seeds',
    );
  });
});

describe('the mix and the distributions', () => {
  it('is 80 % hashedrekord, 15 % SLSA statements, 5 % SBOMs on 5,000 items', () => {
    const m = new DemoModel({ seed: '1', scale: 5000 });
    const groups = { hashedrekord: 0, provenance: 0, sbom: 0 };
    const kinds = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const { group } = m.slot(i);
      groups[group]++;
      if (group !== 'hashedrekord') {
        const k = m.plan(i).kind;
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }
    }
    assert.ok(Math.abs(groups.hashedrekord / 5000 - 0.8) < 0.01, JSON.stringify(groups));
    assert.ok(Math.abs(groups.provenance / 5000 - 0.15) < 0.01, JSON.stringify(groups));
    assert.ok(Math.abs(groups.sbom / 5000 - 0.05) < 0.01, JSON.stringify(groups));
    assert.ok((kinds.get('slsa-vsa') ?? 0) > 0, 'a few VSAs');
    assert.ok((kinds.get('slsa-vsa') ?? 0) < groups.provenance * 0.1, 'only a few VSAs');
    assert.ok((kinds.get('spdx') ?? 0) > 0 && (kinds.get('cyclonedx') ?? 0) > (kinds.get('spdx') ?? 0));
  });

  it('gives SBOM component counts a power law: median about 20, max 2,000, a heavy tail', () => {
    const m = new DemoModel({ seed: '1', scale: 1_000_000 });
    const counts: number[] = [];
    for (let i = 0; counts.length < 1500; i++) {
      if (m.slot(i).group !== 'sbom') continue;
      const p = m.plan(i);
      if (p.kind === 'cyclonedx' || p.kind === 'spdx') counts.push(p.components.length);
    }
    const med = median(counts);
    assert.ok(med >= 15 && med <= 25, `median ${med}`);
    assert.ok(Math.max(...counts) <= 2000);
    const p95 = [...counts].sort((a, b) => a - b)[Math.floor(counts.length * 0.95)]!;
    assert.ok(p95 >= 3 * med, `p95 ${p95} is well above the median ${med}`);
    assert.ok(Math.min(...counts) >= 1);
  });

  it('makes a few packages a dependency of nearly every SBOM, and most of few', () => {
    const m = new DemoModel({ seed: '1', scale: 1_000_000 });
    const uses = new Map<string, number>();
    let sboms = 0;
    for (let i = 0; sboms < 400; i++) {
      if (m.slot(i).group !== 'sbom') continue;
      const p = m.plan(i);
      if (p.kind !== 'cyclonedx' && p.kind !== 'spdx') continue;
      sboms++;
      const pkgs = new Set(
        p.components.map((c) => (c.target.type === 'package' ? c.target.pkg.name : c.target.artifact.name)),
      );
      for (const name of pkgs) uses.set(name, (uses.get(name) ?? 0) + 1);
    }
    const sorted = [...uses.values()].sort((a, b) => b - a);
    assert.ok(sorted[0]! / sboms > 0.85, `the most popular package is in ${sorted[0]} of ${sboms} SBOMs`);
    const rare = sorted.filter((n) => n <= 2).length;
    assert.ok(rare > sorted.length / 2, 'most packages are in at most two SBOMs (long tail)');
  });

  it('states about 2 edges per item and has about scale / 5 artifacts', () => {
    const m = new DemoModel({ seed: '1', scale: 1_000_000 });
    let edges = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const { group } = m.slot(i);
      if (group === 'hashedrekord') continue;
      const p = m.plan(i);
      if (p.kind === 'slsa-provenance') edges += p.materials.length;
      if (p.kind === 'cyclonedx' || p.kind === 'spdx') edges += p.components.length;
    }
    const perItem = edges / n;
    assert.ok(perItem > 1.4 && perItem < 3, `${perItem} edges per item (~2,000,000 at scale 1,000,000)`);
    assert.equal(m.artifactCount, 200_000);
  });

  it('names a few percent of subjects by sha512 only', () => {
    const m = new DemoModel({ seed: '1', scale: 100_000 });
    let sha512 = 0;
    const n = 4000;
    for (let a = 0; a < n; a++) if (m.artifact(a).digest.sha256 === undefined) sha512++;
    assert.ok(sha512 / n > 0.01 && sha512 / n < 0.1, `${sha512} of ${n}`);
  });
});

describe('the compromised key', () => {
  it('signs a contiguous slice of the stream, and later statements depend on what it signed', () => {
    const model = new DemoModel({ seed: '1', scale: 2000 });
    const signer = new DemoSigner(model);
    const tally = new DemoTally();
    for (let i = 0; i < 2000; i++) tally.add(signer.sign(model.plan(i)));
    const s = summarize(model, tally);
    const w = model.compromisedWindow();
    assert.ok(s.compromised.signatures >= 2);
    assert.equal(s.compromised.signatures, w.artifacts);
    assert.deepEqual(s.compromised.window, { firstItem: w.firstItem, lastItem: w.lastItem });
    assert.ok(w.lastItem - w.firstItem < 2000 * 0.1, 'a window, not the whole run');
    assert.ok(s.compromised.victims >= 1, 'victims downstream');
    assert.equal(s.compromised.keyId, model.compromisedKey().keyId);
    const keyIds = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const p = model.plan(i);
      if (p.signer.type === 'compromised') {
        assert.ok(i >= w.firstItem && i <= w.lastItem);
        keyIds.add(p.signer.type);
      }
    }
    assert.equal(
      s.byKind.hashedrekord +
        s.byKind['slsa-provenance'] +
        s.byKind['slsa-vsa'] +
        s.byKind.cyclonedx +
        s.byKind.spdx,
      2000,
    );
    assert.ok(s.exampleApplication?.startsWith('sha256:'));
    assert.match(s.popularPurl, /^pkg:/);
  });
});

describe('every submission verifies and says what the model meant', () => {
  const model = new DemoModel({ seed: 'verify', scale: 2000 });
  const signer = new DemoSigner(model);
  const items: Array<{ plan: ItemPlan; item: DemoItem }> = [];
  for (let i = 0; i < 800; i++) {
    const plan = model.plan(i);
    items.push({ plan, item: signer.sign(plan) });
  }
  // Make sure a VSA and both SBOM formats are among them.
  for (let i = 800; i < 2000 && !items.some((x) => x.plan.kind === 'slsa-vsa'); i++) {
    const plan = model.plan(i);
    if (plan.kind === 'slsa-vsa') items.push({ plan, item: signer.sign(plan) });
  }

  it('covers every kind, with keys and certificates', () => {
    const seen = new Set(items.map((x) => `${x.item.kind}/${x.item.signerType}`));
    for (const k of [
      'hashedrekord/key',
      'hashedrekord/certificate',
      'slsa-provenance/certificate',
      'slsa-vsa/key',
    ])
      assert.ok(seen.has(k), k);
    assert.ok(seen.has('cyclonedx/key') || seen.has('cyclonedx/certificate'));
    assert.ok(seen.has('spdx/key') || seen.has('spdx/certificate'));
  });

  it('verifies with verifySubmission given the demo trusted root, with the entry hash predicted', () => {
    for (const { item, plan } of items) {
      const v = verifySubmission(JSON.parse(item.json), { trust: demoTrust, clock });
      assert.equal(v.leafHash.toString('hex'), item.entryHash, `item ${item.index}`);
      assert.equal(v.kind, item.kind === 'hashedrekord' ? 'hashedrekord' : 'dsse');
      const s = v.signers[0]!;
      assert.equal(s.keyId, item.keyId);
      assert.equal(s.type, item.signerType);
      if (s.type === 'certificate' && plan.signer.type === 'identity') {
        const id = signer.identity(plan.signer);
        assert.equal(s.identity.subjectAlternativeName, id.kind === 'email' ? id.email : id.uri);
        if (id.kind === 'workflow') {
          assert.equal(s.identity.issuer, 'https://token.actions.githubusercontent.com');
          assert.equal(s.identity.extensions.sourceRepositoryUri, id.claims.sourceRepositoryUri);
          assert.equal(s.identity.extensions.runInvocationUri, id.claims.runInvocationUri);
        } else assert.equal(s.identity.issuer, id.issuer);
      }
      if (v.kind === 'hashedrekord')
        assert.equal(`${v.artifactDigest!.algorithm}:${v.artifactDigest!.hex}`, item.subject);
    }
  });

  it('fails when tampered with, or when the demo CA is not trusted', () => {
    const rekord = items.find((x) => x.item.kind === 'hashedrekord' && x.item.signerType === 'key')!.item;
    const r = JSON.parse(rekord.json) as { artifactDigest: { hex: string } };
    r.artifactDigest.hex = `${r.artifactDigest.hex.slice(0, -1)}${r.artifactDigest.hex.endsWith('0') ? '1' : '0'}`;
    assert.throws(
      () => verifySubmission(r, { trust: demoTrust, clock }),
      (e) => isAttestryError(e, 'SIGNATURE_INVALID'),
    );

    const dsse = items.find((x) => x.item.kind === 'slsa-provenance')!.item;
    const d = JSON.parse(dsse.json) as { dsseEnvelope: { payload: string } };
    const payload = Buffer.from(d.dsseEnvelope.payload, 'base64')
      .toString('utf8')
      .replace('sha256', 'sha384');
    d.dsseEnvelope.payload = Buffer.from(payload).toString('base64');
    assert.throws(
      () => verifySubmission(d, { trust: demoTrust, clock }),
      (e) => isAttestryError(e, 'SIGNATURE_INVALID'),
    );

    const cert = items.find((x) => x.item.signerType === 'certificate')!.item;
    const publicGoodOnly = parseTrustedRoot(PUBLIC_GOOD_TRUSTED_ROOT);
    assert.throws(
      () => verifySubmission(JSON.parse(cert.json), { trust: publicGoodOnly, clock }),
      (e) => isAttestryError(e, 'CERTIFICATE_UNTRUSTED'),
    );
    // Before the leaves' validity (the log's integration time is what they are checked at).
    assert.throws(
      () =>
        verifySubmission(JSON.parse(cert.json), {
          trust: demoTrust,
          clock: fixedClock('2024-06-01T00:00:00Z'),
        }),
      (e) => isAttestryError(e, 'CERTIFICATE_UNTRUSTED'),
    );
  });

  it('parses with libs/formats into the subjects, materials, components and purls intended', () => {
    for (const { item, plan } of items) {
      if (plan.kind === 'hashedrekord') continue;
      const facts = statementFacts(item);
      assert.equal(facts.unsupported, undefined);
      assert.deepEqual(
        facts.statement.subjects.map((s) => s.keys[0]),
        [plan.subject.key],
      );
      switch (plan.kind) {
        case 'slsa-provenance': {
          assert.equal(facts.kind, 'slsa-provenance');
          const p = facts.provenance!;
          assert.equal(p.builderId, plan.builderId);
          assert.equal(p.buildType, plan.buildType);
          assert.equal(p.sourceRepository, plan.repository);
          assert.equal(p.sourceRevision, plan.commit);
          const keys = plan.materials.map((m) =>
            m.type === 'artifact' ? m.artifact.key : `sha256:${m.pkg.sha256}`,
          );
          assert.deepEqual(
            p.materials.filter((m) => m.keys.length > 0).map((m) => m.keys[0]),
            keys,
          );
          const built = facts.edges.filter((e) => e.relationship === 'BUILT_FROM');
          assert.equal(built.length, plan.materials.length);
          break;
        }
        case 'slsa-vsa':
          assert.equal(facts.kind, 'slsa-vsa');
          assert.equal(facts.verification!.result, plan.passed ? 'PASSED' : 'FAILED');
          assert.equal(facts.verification!.resourceUri, plan.subject.purl);
          break;
        case 'cyclonedx':
        case 'spdx': {
          assert.equal(facts.kind, plan.kind);
          assert.equal(facts.sbom!.componentCount, plan.components.length);
          const comps = facts.components.filter((c) => !c.root);
          assert.equal(comps.length, plan.components.length);
          const purlOf = (c: (typeof plan.components)[number]) =>
            c.target.type === 'artifact' ? c.target.artifact.purl : c.target.pkg.purl;
          for (const [k, c] of plan.components.entries()) {
            const f = comps[k]!;
            assert.ok(f.purl !== undefined, 'every component has a purl');
            assert.equal(
              decodeURIComponent(f.purl).split('?')[0]!.toLowerCase(),
              decodeURIComponent(purlOf(c)).split('?')[0]!.toLowerCase(),
            );
            const key =
              c.target.type === 'artifact' ? c.target.artifact.key : `sha256:${c.target.pkg.sha256}`;
            if (c.byDigest) assert.equal(f.node.kind === 'artifact' ? f.node.key : undefined, key);
            else assert.equal(f.node.kind, 'package', 'purl-only components are package nodes');
          }
          const includes = facts.edges.filter((e) => e.relationship === 'INCLUDES');
          assert.equal(includes.length, plan.components.length);
          assert.ok(
            facts.statement.subjects[0]!.purl !== undefined ||
              facts.artifacts.some((a) => a.purls.length > 0),
          );
          break;
        }
      }
    }
  });
});
