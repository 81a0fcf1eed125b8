import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CYCLONEDX_PREDICATE_TYPE,
  SLSA_PROVENANCE_V1,
  canonicalPurl,
  factsFromStatement,
  packageOf,
  parseArtifactKey,
  parsePurl,
  predicateKindOf,
} from '../../../libs/formats/index.js';
import { assertFails, statementOf } from './helpers.js';

const sha256 = (c: string) => c.repeat(64);
const sha512 = (c: string) => c.repeat(128);

describe('artifact identity', () => {
  it('merges references that share any identity digest into one artifact, across algorithms', () => {
    const subject = [
      { name: 'a', digest: { sha256: sha256('1') } },
      { name: 'a.tgz', digest: { sha256: sha256('1'), sha512: sha512('2') } },
      { name: 'pkg:npm/a@1.0.0', digest: { sha512: sha512('2'), sha1: '3'.repeat(40) } },
      { name: 'other', digest: { sha384: '4'.repeat(96) } },
    ];
    const facts = factsFromStatement(statementOf('https://example.com/unknown', {}, subject));
    assert.equal(facts.kind, 'unknown');
    assert.deepEqual(
      facts.artifacts.map((a) => ({ keys: a.keys, names: a.names, purls: a.purls, digest: a.digest })),
      [
        {
          keys: [`sha256:${sha256('1')}`, `sha512:${sha512('2')}`],
          names: ['a', 'a.tgz', 'pkg:npm/a@1.0.0'],
          purls: ['pkg:npm/a@1.0.0'],
          digest: { sha256: sha256('1'), sha512: sha512('2'), sha1: '3'.repeat(40) },
        },
        {
          keys: [`sha384:${'4'.repeat(96)}`],
          names: ['other'],
          purls: [],
          digest: { sha384: '4'.repeat(96) },
        },
      ],
    );
    assert.deepEqual(facts.packages, [{ purl: 'pkg:npm/a', version: '1.0.0', key: 'pkg:npm/a@1.0.0' }]);
  });

  it('never merges on weak or custom algorithms', () => {
    const subject = [
      { name: 'x', digest: { sha1: '5'.repeat(40), sha256: sha256('6') } },
      { name: 'y', digest: { sha1: '5'.repeat(40), sha256: sha256('7') } },
      { name: 'z', digest: { gitCommit: '5'.repeat(40) } },
    ];
    const facts = factsFromStatement(statementOf('https://example.com/unknown', {}, subject));
    assert.equal(facts.artifacts.length, 2);
    assert.equal(facts.statement.subjects.length, 3);
    assert.deepEqual(facts.statement.subjects[2]?.keys, []);
  });

  it('refuses a statement that names one artifact with two different sha256 digests', () => {
    const subject = [
      { name: 'x', digest: { sha256: sha256('1'), sha512: sha512('2') } },
      { name: 'y', digest: { sha256: sha256('3'), sha512: sha512('2') } },
    ];
    assertFails(
      () => factsFromStatement(statementOf('https://example.com/unknown', {}, subject)),
      'FORMAT_MALFORMED',
      /one artifact is named with two sha256 digests/,
    );
  });

  it('parses artifact keys as queries give them', () => {
    assert.equal(parseArtifactKey(`SHA256:${'AB'.repeat(32)}`), `sha256:${'ab'.repeat(32)}`);
    assertFails(
      () => parseArtifactKey(`sha1:${'a'.repeat(40)}`),
      'FORMAT_MALFORMED',
      /expected sha256:, sha384: or sha512:/,
    );
    assertFails(
      () => parseArtifactKey(`sha512:${'a'.repeat(64)}`),
      'FORMAT_MALFORMED',
      /sha512 needs 128 hex digits/,
    );
  });
});

describe('package URLs', () => {
  it('spells one package one way (percent-encoding, npm scopes, type case rules, qualifier order)', () => {
    assert.equal(canonicalPurl('pkg:npm/@angular/core@1.0.0'), 'pkg:npm/%40angular/core@1.0.0');
    assert.equal(canonicalPurl('pkg:npm/%40angular/core@1.0.0'), 'pkg:npm/%40angular/core@1.0.0');
    assert.equal(canonicalPurl('PKG:PyPI/Django_Rest@3.0'), 'pkg:pypi/django-rest@3.0');
    assert.equal(
      canonicalPurl('pkg:GitHub/Package-URL/Purl-Spec@244fd47e'),
      'pkg:github/package-url/purl-spec@244fd47e',
    );
    assert.equal(
      canonicalPurl('pkg:maven/org.Apache/Commons@1.0?type=jar&classifier=dist'),
      'pkg:maven/org.Apache/Commons@1.0?classifier=dist&type=jar',
    );
    assert.equal(
      canonicalPurl('pkg:deb/debian/curl@7.50.3-1+b1?arch=i386&distro=jessie'),
      'pkg:deb/debian/curl@7.50.3-1%2Bb1?arch=i386&distro=jessie',
    );
    assert.equal(
      canonicalPurl('pkg:golang/github.com/Masterminds/semver/v3@v3.2.1#sub/../dir'),
      'pkg:golang/github.com/Masterminds/semver/v3@v3.2.1#sub/dir',
    );
  });

  it('splits a purl into the package and its version', () => {
    assert.deepEqual(packageOf('pkg:maven/org.apache/commons@1.0?type=jar'), {
      purl: 'pkg:maven/org.apache/commons',
      version: '1.0',
      key: 'pkg:maven/org.apache/commons@1.0',
    });
    assert.deepEqual(packageOf('pkg:npm/left-pad'), { purl: 'pkg:npm/left-pad', key: 'pkg:npm/left-pad' });
  });

  it('refuses what is not a purl', () => {
    for (const s of [
      'npm/x@1',
      'pkg:',
      'pkg:npm',
      'pkg:npm/',
      'pkg:n@m/x',
      'pkg:npm/%zz@1',
      'https://example.com/x',
    ])
      assert.equal(parsePurl(s), undefined, s);
    assertFails(() => canonicalPurl('not a purl'), 'FORMAT_MALFORMED', /not a package URL/);
  });
});

describe('predicate dispatch', () => {
  it('classifies predicate types, keeping unknown ones', () => {
    assert.equal(predicateKindOf('https://slsa.dev/provenance/v1'), 'slsa-provenance');
    assert.equal(predicateKindOf('https://slsa.dev/verification_summary/v1'), 'slsa-vsa');
    assert.equal(predicateKindOf('https://spdx.dev/Document/v2.3'), 'spdx');
    assert.equal(predicateKindOf('https://spdx.dev/Documents'), 'unknown');
    assert.equal(predicateKindOf('https://cyclonedx.org/bom/v1.5'), 'cyclonedx');
    assert.equal(predicateKindOf('https://in-toto.io/attestation/test-result/v0.1'), 'unknown');
  });

  it('keeps a statement with an unknown predicate: subjects and their purls, nothing else', () => {
    const facts = factsFromStatement(
      statementOf('https://in-toto.io/attestation/test-result/v0.1', { result: 'PASSED' }, [
        { name: 'pkg:pypi/Flask@3.0.0', digest: { sha256: sha256('a') } },
      ]),
    );
    assert.equal(facts.kind, 'unknown');
    assert.equal(facts.statement.predicateType, 'https://in-toto.io/attestation/test-result/v0.1');
    assert.deepEqual(facts.artifacts[0]?.purls, ['pkg:pypi/flask@3.0.0']);
    assert.deepEqual(facts.edges, []);
    assert.equal(facts.provenance, undefined);
  });

  it('refuses a known predicate type whose predicate is not an object', () => {
    assertFails(
      () => factsFromStatement(statementOf(CYCLONEDX_PREDICATE_TYPE, 'BOM')),
      'FORMAT_MALFORMED',
      /predicate is not a JSON object/,
    );
    assertFails(
      () => factsFromStatement(statementOf(SLSA_PROVENANCE_V1, [])),
      'FORMAT_MALFORMED',
      /SLSA provenance v1/,
    );
  });
});
