import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crypto, fixedClock } from '../../../libs/core/index.js';
import {
  cosignatureMessage,
  createCosignatureSigner,
  createEd25519Verifier,
  encodeCosignature,
  formatNote,
  openCheckpoint,
  openNote,
  parseCosignature,
  parseNote,
  signNote,
} from '../../../libs/note/index.js';
import { bundleCheckpoint, codeOf, readFixture, tlogVerifiers } from './helpers.js';

// C2SP tlog-cosignature §Ed25519 signed message example.
const CHECKPOINT = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const SPEC_MESSAGE = `cosignature/v1\ntime 1679315147\n${CHECKPOINT}`;
const AT_1679315147 = fixedClock(new Date(1679315147_000 + 999));

function witness(name = 'witness.example.com/w1') {
  const { privateKey, publicKey } = crypto.generateKeyPair('ed25519');
  return { signer: createCosignatureSigner(name, privateKey, AT_1679315147), publicKey };
}

describe('cosignature/v1 (C2SP tlog-cosignature)', () => {
  it('builds the signed message of the spec example', () => {
    assert.equal(cosignatureMessage(1679315147, Buffer.from(CHECKPOINT)).toString('utf8'), SPEC_MESSAGE);
  });

  it('signs u64 timestamp || Ed25519 signature over the spec message, time in whole seconds', () => {
    const { signer, publicKey } = witness();
    const signature = signer.sign(Buffer.from(CHECKPOINT));
    assert.equal(signature.length, 72);
    assert.equal(Buffer.from(signature).readBigUInt64BE(0), 1679315147n);
    // Checked against the literal spec message, not through cosignatureMessage.
    assert.ok(crypto.verify(publicKey, Buffer.from(SPEC_MESSAGE), signature.subarray(8)));
  });

  it('opens a cosigned note and reports the cosignature timestamp', () => {
    const { signer } = witness();
    const opened = openNote(signNote(CHECKPOINT, [signer]), [signer.verifier]);
    assert.equal(opened.verified.length, 1);
    assert.equal(opened.verified[0]?.type, 'cosignature-v1');
    assert.equal(opened.verified[0]?.timestamp, 1679315147);
  });

  it('rejects a cosignature whose timestamp was changed', () => {
    const { signer } = witness();
    const note = parseNote(signNote(CHECKPOINT, [signer]));
    const [sig] = note.signatures;
    assert.ok(sig);
    for (let i = 0; i < 8; i++) {
      const changed = Buffer.from(sig.signature);
      changed[i] = (changed[i] ?? 0) ^ 0x01;
      const tampered = formatNote({ text: note.text, signatures: [{ ...sig, signature: changed }] });
      assert.equal(
        codeOf(() => openNote(tampered, [signer.verifier])),
        'NOTE_SIGNATURE_INVALID',
        `timestamp byte ${i}`,
      );
    }
  });

  it('covers extension lines', () => {
    const { signer } = witness();
    const withExtension = `${CHECKPOINT}extension\n`;
    const note = signNote(withExtension, [signer]);
    assert.equal(
      codeOf(() => openNote(note.replace('extension', 'extensioN'), [signer.verifier])),
      'NOTE_SIGNATURE_INVALID',
    );
  });

  it('is not mistaken for a plain Ed25519 signature of the same key and name', () => {
    const { signer, publicKey } = witness();
    const asEd25519 = createEd25519Verifier(signer.name, publicKey);
    assert.equal(
      codeOf(() => openNote(signNote(CHECKPOINT, [signer]), [asEd25519])),
      'NOTE_NO_KNOWN_SIGNATURE',
    );
  });

  it('refuses to cosign a text that is not a checkpoint', () => {
    const { signer } = witness();
    assert.equal(
      codeOf(() => signNote('just some text\n', [signer])),
      'CHECKPOINT_MALFORMED',
    );
  });

  it('refuses to cosign with a clock before the epoch', () => {
    const { privateKey } = crypto.generateKeyPair('ed25519');
    const signer = createCosignatureSigner('w', privateKey, fixedClock('1969-12-31T23:59:59Z'));
    assert.equal(
      codeOf(() => signNote(CHECKPOINT, [signer])),
      'INPUT_MALFORMED',
    );
  });

  it('decodes the witness cosignature carried by the real Rekor v2 cosigned checkpoint', () => {
    const note = parseNote(
      readFixture('checkpoints/rekor-v2/log2025-alpha1.rekor.sigstage.dev-736-cosigned.txt'),
    );
    const line = note.signatures.find((s) => s.name === 'witness.example');
    assert.ok(line);
    assert.equal(line.keyId, 0x3bc3c7e4);
    const cosignature = parseCosignature(line.signature);
    assert.equal(cosignature.timestamp, 1755639614); // 2025-08-19T21:40:14Z
    assert.equal(cosignature.signature.length, 64);
  });

  const malformed: [string, Uint8Array][] = [
    ['71 bytes', Buffer.alloc(71)],
    ['73 bytes', Buffer.alloc(73)],
    ['a timestamp of 2^53', Buffer.concat([Buffer.from('0020000000000000', 'hex'), Buffer.alloc(64)])],
    ['a timestamp of 2^64 - 1', Buffer.concat([Buffer.alloc(8, 0xff), Buffer.alloc(64)])],
  ];
  for (const [what, bytes] of malformed) {
    it(`does not decode a cosignature of ${what}`, () => {
      assert.equal(
        codeOf(() => parseCosignature(bytes)),
        'NOTE_MALFORMED',
      );
    });
  }

  it('decodes the largest exact timestamp, 2^53 - 1', () => {
    const bytes = encodeCosignature(Number.MAX_SAFE_INTEGER, Buffer.alloc(64));
    assert.equal(parseCosignature(bytes).timestamp, Number.MAX_SAFE_INTEGER);
  });

  it("lets a monitor cosign a real Rekor v2 checkpoint next to the log's signature", () => {
    const original = readFixture('checkpoints/rekor-v2/log2025-alpha1.rekor.sigstage.dev-736.txt');
    const logKeys = tlogVerifiers(
      'bundles/sigstore-conformance/bundle-verify/rekor2-happy-path/trusted_root.json',
    ).map((t) => t.verifier);
    const { signer } = witness('monitor.attestry.example');
    const parsed = parseNote(original);
    const cosigned = signNote(parsed.text, [signer], parsed.signatures);
    assert.ok(cosigned.startsWith(original), 'the log signature stays first and unchanged');
    const opened = openCheckpoint(cosigned, 'log2025-alpha1.rekor.sigstage.dev', [
      ...logKeys,
      signer.verifier,
    ]);
    assert.deepEqual(
      opened.note.verified.map((s) => [s.name, s.type, s.timestamp]),
      [
        ['log2025-alpha1.rekor.sigstage.dev', 'ed25519', undefined],
        ['monitor.attestry.example', 'cosignature-v1', 1679315147],
      ],
    );
  });

  it('ignores the unknown witnesses on the conformance cosigned checkpoints', () => {
    const logKeys = tlogVerifiers(
      'bundles/sigstore-conformance/bundle-verify/rekor2-checkpoint-multiple-cosigs/trusted_root.json',
    ).map((t) => t.verifier);
    const note = bundleCheckpoint(
      'bundles/sigstore-conformance/bundle-verify/rekor2-checkpoint-multiple-cosigs/bundle.sigstore.json',
    );
    const opened = openNote(note, logKeys);
    assert.deepEqual(
      opened.unverified.map((s) => [s.name, parseCosignature(s.signature).timestamp]),
      [
        ['witness.example/w1', 0x68a4f2ea],
        ['witness.example/w2', 0x68a4f2ea],
      ],
    );
  });
});
