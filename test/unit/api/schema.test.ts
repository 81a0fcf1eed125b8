/**
 * The SDL is the source of truth: the committed resolver types are what graphql-codegen makes of
 * it, every resolver the code defines names a field the SDL has, and the query limits refuse what
 * they should before anything runs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isObjectType, parse, validate } from 'graphql';
import { GENERATED, generate } from '../../../scripts/codegen.js';
import { buildSchema } from '../../../services/api/server.js';
import { readDashboard } from '../../../services/api/sdl.js';
import { resolvers } from '../../../services/api/resolvers.js';
import { checkLimits } from '../../../services/api/limits.js';

const LIMITS = { maxDepth: 15, maxAliases: 100, maxCost: 50_000 };

describe('the GraphQL schema', () => {
  it('has up-to-date generated resolver types (run `npm run codegen` after editing schema/graphql)', async () => {
    assert.equal(readFileSync(GENERATED, 'utf8'), await generate());
  });

  it('resolves only fields the SDL declares', () => {
    const schema = buildSchema();
    for (const [type, fields] of Object.entries(resolvers)) {
      const t = schema.getType(type);
      assert.ok(t, `${type} is in the SDL`);
      if (!isObjectType(t)) continue;
      for (const f of Object.keys(fields as object))
        assert.ok(t.getFields()[f], `${type}.${f} is in the SDL`);
    }
  });
});

describe('the dashboard', () => {
  const html = readDashboard();

  it('asks only queries the schema accepts, within the limits', () => {
    const schema = buildSchema();
    const queries = [...html.matchAll(/\/\/ QUERY (\w+)\n\s*\w+: `([^`]+)`/g)];
    assert.deepEqual(
      queries.map((q) => q[1]),
      ['checkpoint', 'artifact', 'blast', 'dependents', 'live'],
    );
    for (const [, name, text] of queries) {
      const doc = parse(text as string);
      assert.deepEqual(
        validate(schema, doc).map((e) => e.message),
        [],
        name,
      );
      assert.deepEqual(checkLimits(schema, doc, {}, undefined, LIMITS), [], name);
    }
  });

  it('is self-contained: no script, style or font from another origin', () => {
    assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=["']?https?:/i);
    assert.doesNotMatch(html, /@import|url\(https?:/i);
  });
});

describe('query limits', () => {
  const schema = buildSchema();
  const check = (q: string, vars?: Record<string, unknown>) =>
    checkLimits(schema, parse(q), vars, undefined, LIMITS).map((e) => e.extensions['code']);

  it('lets ordinary queries through', () => {
    assert.deepEqual(check('{ checkpoint { treeSize } whoSigned(digest: "x") { logIndex } }'), []);
    assert.deepEqual(
      check(
        `{ blastRadius(signer: { keyId: "k" }) { affected(first: 1000) { edges { node { artifact { digest names } path { digest } } } } } }`,
      ),
      [],
    );
  });

  it('refuses depth, aliases, pages above 1,000 (literal or variable) and cost', () => {
    const deep = `{ artifact(digest: "x") { ${'dependents { edges { node { artifact { '.repeat(4)} digest ${'} } } }'.repeat(4)} } }`;
    assert.deepEqual(check(deep), ['QUERY_TOO_DEEP']);
    assert.deepEqual(
      check(`{ ${Array.from({ length: 101 }, (_v, i) => `a${i}: checkpoint { treeSize }`).join(' ')} }`),
      ['TOO_MANY_ALIASES'],
    );
    assert.deepEqual(check('{ signatures(signer: {}, first: 1001) { totalCount } }'), ['BAD_USER_INPUT']);
    assert.deepEqual(
      check('query($n: Int) { signatures(signer: {}, first: $n) { totalCount } }', { n: 5000 }),
      ['BAD_USER_INPUT'],
    );
    assert.deepEqual(
      check(
        '{ signatures(signer: {}, first: 1000) { edges { node { artifacts { signatures(first: 1000) { totalCount } } } } } }',
      ),
      ['QUERY_TOO_COSTLY'],
    );
  });

  it('counts aliases and depth through fragments, and survives fragment cycles', () => {
    const frag = `fragment F on Artifact { ${Array.from({ length: 60 }, (_v, i) => `d${i}: digest`).join(' ')} }
      { a: artifact(digest: "x") { ...F } b: artifact(digest: "y") { ...F } }`;
    assert.deepEqual(check(frag), ['TOO_MANY_ALIASES']);
    const cyclic =
      'fragment A on Artifact { digest ...B } fragment B on Artifact { digests ...A } { artifact(digest: "x") { ...A } }';
    assert.deepEqual(check(cyclic), []);
  });
});
