import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  IN_TOTO_PAYLOAD_TYPE,
  STATEMENT_TYPE_V01,
  STATEMENT_TYPE_V1,
  decodeDsseEnvelope,
  factsFromStatement,
  parseStatement,
  parseStatementPayload,
} from '../../../libs/formats/index.js';
import {
  assertFails,
  envelopesIn,
  listFixtures,
  manifestEntry,
  readFixture,
  readJsonFixture,
} from './helpers.js';

interface InTotoVector {
  file: string;
  expect: 'valid' | 'invalid';
  error: string | null;
}
const vectors = readJsonFixture<{ vectors: InTotoVector[] }>('invalid/in-toto/vectors.json').vectors;

/** What our message must name for each in-toto Go error (the reason, in our words). */
const REASON: Record<string, RegExp> = {
  ErrInvalidStatementType: /_type: must be https:\/\/in-toto\.io\/Statement\/v1/,
  ErrSubjectRequired: /subject: a statement needs at least one subject/,
  ErrRDRequiredField: /subject\[0\]: a resource descriptor needs at least one of name, uri, digest/,
  ErrDigestRequired: /subject\[0\]\.digest: a subject needs a non-empty digest set/,
  ErrPredicateTypeRequired: /predicateType: predicateType is required/,
  ErrPredicateRequired: /predicate: predicate is required/,
  ErrInvalidDigestEncoding: /subject\[0\]\.digest\.sha256: sha256 digest is not lowercase hex/,
  ErrIncorrectDigestLength:
    /subject\[0\]\.digest\.(sha256|gitCommit): \w+ digest has 6 hex digits, want (64|40 or 64)/,
};

describe('in-toto Statement validation vectors (in-toto/attestation go/v1)', () => {
  it('covers every file of invalid/in-toto and dsse/statements/in-toto-valid', () => {
    const files = new Set(vectors.map((v) => v.file));
    for (const n of listFixtures('invalid/in-toto'))
      if (n !== 'vectors.json') assert.ok(files.has(`invalid/in-toto/${n}`), n);
    for (const n of listFixtures('dsse/statements/in-toto-valid'))
      assert.ok(files.has(`dsse/statements/in-toto-valid/${n}`), n);
  });

  for (const v of vectors) {
    if (v.expect === 'valid') {
      it(`accepts ${v.file}`, () => {
        const raw = readJsonFixture<{ subject: unknown[]; predicateType: string }>(v.file);
        const s = parseStatement(raw);
        assert.equal(s.predicateType, raw.predicateType);
        assert.deepEqual(s.subject, raw.subject);
        // An unknown predicate type is kept, never rejected.
        const facts = factsFromStatement(s);
        assert.equal(facts.kind, 'unknown');
        assert.equal(facts.statement.subjects.length, raw.subject.length);
      });
    } else {
      const name = (v.error ?? '').split(' ')[0] as string;
      it(`rejects ${v.file} (${v.error})`, () => {
        const reason = REASON[name];
        assert.ok(reason, `no expected reason for ${name}`);
        const bytes = Buffer.from(readFixture(v.file));
        assertFails(() => parseStatementPayload(bytes, IN_TOTO_PAYLOAD_TYPE), 'FORMAT_MALFORMED', reason);
      });
    }
  }
});

describe('in-toto Statement parsing', () => {
  const subject = [{ name: 'a', digest: { sha256: 'a'.repeat(64) } }];
  const ok = { _type: STATEMENT_TYPE_V1, subject, predicateType: 'https://example.com/p', predicate: {} };

  it('accepts the legacy v0.1 type', () => {
    assert.equal(parseStatement({ ...ok, _type: STATEMENT_TYPE_V01 })._type, STATEMENT_TYPE_V01);
  });

  it('checks sha384 and sha512 lengths and keeps custom algorithms unchecked', () => {
    assert.ok(
      parseStatement({
        ...ok,
        subject: [
          {
            digest: { sha384: 'b'.repeat(96), sha512: 'c'.repeat(128), gce_image_id: '8970095005306000053' },
          },
        ],
      }),
    );
    assertFails(
      () => parseStatement({ ...ok, subject: [{ digest: { sha512: 'c'.repeat(64) } }] }),
      'FORMAT_MALFORMED',
      /digest\.sha512: sha512 digest has 64 hex digits, want 128/,
    );
    assertFails(
      () => parseStatement({ ...ok, subject: [{ digest: { sha384: 'b'.repeat(64) } }] }),
      'FORMAT_MALFORMED',
      /sha384 digest has 64 hex digits, want 96/,
    );
  });

  it('refuses uppercase hex and a known algorithm spelled in another case', () => {
    assertFails(
      () => parseStatement({ ...ok, subject: [{ digest: { sha256: 'A'.repeat(64) } }] }),
      'FORMAT_MALFORMED',
      /sha256 digest is not lowercase hex/,
    );
    assertFails(
      () => parseStatement({ ...ok, subject: [{ digest: { SHA256: 'a'.repeat(64) } }] }),
      'FORMAT_MALFORMED',
      /algorithm "SHA256" must be spelled "sha256"/,
    );
  });

  it('refuses a predicate that is null and a statement that is not an object', () => {
    assertFails(
      () => parseStatement({ ...ok, predicate: null }),
      'FORMAT_MALFORMED',
      /predicate is required/,
    );
    assertFails(() => parseStatement([ok]), 'FORMAT_MALFORMED', /not a JSON object/);
  });

  it('reports an unsupported payload type as FORMAT_UNSUPPORTED', () => {
    assertFails(
      () => parseStatementPayload(Buffer.from(JSON.stringify(ok)), 'application/json'),
      'FORMAT_UNSUPPORTED',
      /payloadType "application\/json"/,
    );
  });

  it('reports payload bytes that are not UTF-8 or not JSON as FORMAT_MALFORMED', () => {
    assertFails(
      () => parseStatementPayload(Buffer.from([0x7b, 0xff, 0x7d]), IN_TOTO_PAYLOAD_TYPE),
      'FORMAT_MALFORMED',
      /not UTF-8/,
    );
    assertFails(
      () => parseStatementPayload(Buffer.from('{"_type":'), IN_TOTO_PAYLOAD_TYPE),
      'FORMAT_MALFORMED',
      /not JSON/,
    );
  });

  it('refuses pathologically deep documents instead of exhausting the stack', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const payload = `{"_type":"${STATEMENT_TYPE_V1}","subject":[{"digest":{"sha256":"${'a'.repeat(64)}"}}],"predicateType":"x","predicate":{"d":${deep}}}`;
    assertFails(
      () => parseStatementPayload(Buffer.from(payload), IN_TOTO_PAYLOAD_TYPE),
      'FORMAT_MALFORMED',
      /nests deeper than 128 levels/,
    );
  });
});

describe('statements carried by the fixture bundles and envelopes', () => {
  const files = [
    ...manifestEntries('bundles/sigstore-js/'),
    ...manifestEntries('bundles/npm/'),
    ...manifestEntries('bundles/slsa-verifier/'),
    'dsse/vsa/gke-gce-pre.bcid-vsa.jsonl',
    'dsse/slsa-github-generator-go/binary-linux-amd64-push-v13.0.30.intoto.jsonl',
  ];
  function manifestEntries(prefix: string): string[] {
    return listFixtures(prefix)
      .map((n) => `${prefix}${n}`)
      .filter((p) => manifestEntry(p).expect === 'valid');
  }

  for (const path of files) {
    // slsa-verifier's container-based builder test bundle signs a statement whose predicateType
    // is "" (its DSSE signature and tlog entry are valid, the in-toto statement is not).
    const emptyPredicateType = path === 'bundles/slsa-verifier/valid-v0.1.intoto.sigstore.json';
    it(`${emptyPredicateType ? 'rejects' : 'parses'} the payload of ${path}`, () => {
      const envelopes = envelopesIn(path);
      assert.ok(envelopes.length > 0);
      for (const raw of envelopes) {
        const env = decodeDsseEnvelope(raw);
        if (emptyPredicateType) {
          assertFails(
            () => parseStatementPayload(env.payload, env.payloadType),
            'FORMAT_MALFORMED',
            /predicateType is required/,
          );
        } else {
          const facts = factsFromStatement(parseStatementPayload(env.payload, env.payloadType));
          assert.notEqual(facts.kind, 'unknown');
        }
      }
    });
  }

  for (const path of [
    ...listFixtures('invalid/slsa-verifier').map((n) => `invalid/slsa-verifier/${n}`),
    ...listFixtures('invalid/npm').map((n) => `invalid/npm/${n}`),
  ]) {
    it(`finds no format failure in ${path} (its failure is a signature, log or policy one)`, () => {
      assert.equal(manifestEntry(path).expect, 'invalid');
      for (const raw of envelopesIn(path)) {
        const env = decodeDsseEnvelope(raw);
        assert.ok(factsFromStatement(parseStatementPayload(env.payload, env.payloadType)));
      }
    });
  }
});
