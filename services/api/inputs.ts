/**
 * Input validation for the GraphQL API: a digest, key id, purl, signer or page argument that
 * does not parse is refused with `extensions.code` BAD_USER_INPUT, never answered with an empty
 * result.
 */
import { GraphQLError } from 'graphql';
import { packageOf, parseArtifactKey } from '../../libs/formats/index.js';
import type { SignerFilter, Window } from './read-model.js';

export const MAX_PAGE = 1000;

export function badInput(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', ...(argument ? { argumentName: argument } : {}) },
  });
}

/** `<alg>:<hex>` with alg sha256, sha384 or sha512, lowercased. */
export function digestArg(s: string, argument = 'digest'): string {
  try {
    return parseArtifactKey(s.trim());
  } catch (e) {
    throw badInput(`${argument}: ${(e as Error).message}`, argument);
  }
}

const KEY_ID = /^sha256:[0-9a-f]{64}$/;

/** A package version purl (`pkg:npm/left-pad@1.3.0`): its package-version key. */
export function packageVersionArg(s: string, argument = 'purl'): string {
  let p: ReturnType<typeof packageOf>;
  try {
    p = packageOf(s.trim());
  } catch (e) {
    throw badInput(`${argument}: ${(e as Error).message}`, argument);
  }
  if (p.version === undefined)
    throw badInput(`${argument}: give a package version (pkg:type/name@version), not a package`, argument);
  return p.key;
}

/** A package purl (a version, if any, is ignored): the package key. */
export function packageArg(s: string, argument = 'purl'): string {
  try {
    return packageOf(s.trim()).purl;
  } catch (e) {
    throw badInput(`${argument}: ${(e as Error).message}`, argument);
  }
}

export interface SignerInputLike {
  keyId?: string | null | undefined;
  identity?: string | null | undefined;
  identityPrefix?: string | null | undefined;
  issuer?: string | null | undefined;
  repository?: string | null | undefined;
  workflow?: string | null | undefined;
}

const MAX_TEXT = 2048;

export function signerArg(input: SignerInputLike): SignerFilter {
  const f: SignerFilter = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === null || v === undefined) continue;
    if (typeof v !== 'string' || v.length === 0 || v.length > MAX_TEXT)
      throw badInput(`signer.${k}: must be 1 to ${MAX_TEXT} characters`, 'signer');
  }
  if (input.keyId != null) {
    const k = input.keyId.trim().toLowerCase();
    if (!KEY_ID.test(k))
      throw badInput('signer.keyId: expected sha256:<64 hex digits> (SHA-256 of the DER SPKI)', 'signer');
    f.keyId = k;
  }
  if (input.identity != null && input.identityPrefix != null)
    throw badInput('signer: give identity or identityPrefix, not both', 'signer');
  if (input.identity != null) f.identity = input.identity;
  if (input.identityPrefix != null) {
    if (input.identityPrefix.length < 8)
      throw badInput(
        'signer.identityPrefix: at least 8 characters (e.g. https://github.com/acme/)',
        'signer',
      );
    f.identityPrefix = input.identityPrefix;
  }
  if (input.issuer != null) f.issuer = input.issuer;
  if (input.repository != null) f.repository = input.repository;
  if (input.workflow != null) f.workflow = input.workflow;
  if (
    f.keyId === undefined &&
    f.identity === undefined &&
    f.identityPrefix === undefined &&
    f.repository === undefined &&
    f.workflow === undefined
  )
    throw badInput('signer: give keyId, identity, identityPrefix, repository or workflow', 'signer');
  return f;
}

export function windowArg(since: Date | null | undefined, until: Date | null | undefined): Window {
  if (since && until && since.getTime() >= until.getTime())
    throw badInput('since must be before until (since is inclusive, until exclusive)', 'since');
  return { ...(since ? { since } : {}), ...(until ? { until } : {}) };
}

export function firstArg(first: number | null | undefined, dflt = 100): number {
  const n = first ?? dflt;
  if (!Number.isInteger(n) || n < 0) throw badInput('first must be 0 or more', 'first');
  if (n > MAX_PAGE) throw badInput(`first must be at most ${MAX_PAGE} (page with after)`, 'first');
  return n;
}

export function depthArg(maxDepth: number | null | undefined, dflt: number, max = 25): number {
  const n = maxDepth ?? dflt;
  if (!Number.isInteger(n) || n < 0 || n > max) throw badInput(`maxDepth must be 0 to ${max}`, 'maxDepth');
  return n;
}

export function logIndexArg(n: number, argument: string): number {
  if (!Number.isSafeInteger(n) || n < 0)
    throw badInput(`${argument} must be a log index (0 or more)`, argument);
  return n;
}

/** Cursors are opaque: base64url of a JSON array naming the position (a key of the order). */
export function encodeCursor(kind: string, key: unknown[]): string {
  return Buffer.from(JSON.stringify([kind, ...key])).toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined, kind: string): unknown[] | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v[0] === kind) return v.slice(1);
  } catch {
    // fall through
  }
  throw badInput('after: not a cursor of this list', 'after');
}
