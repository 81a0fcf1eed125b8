/**
 * npm registry publish attestations (github.com/npm/attestation specs/publish/v0.1): the
 * registry states that the subject tarball (sha512) was published as name@version. Signed by
 * the registry's key, but the fields still reach us as untrusted JSON.
 */
import { z } from 'zod';
import type { PublicationFact } from '../facts.js';
import { malformed, parseWith } from '../problems.js';
import { formatPurl, packageVersionKeyOf, type Purl } from '../purl/purl.js';

export const NPM_PUBLISH_V01 = 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1';

const WHAT = 'npm publish attestation v0.1';

const PublishV01 = z.object({
  name: z.string().min(1).max(214),
  version: z.string().min(1).max(256),
  registry: z.string().min(1),
});

/** Parses the predicate; returns the fact and the canonical purl the subjects carry. */
export function publicationFacts(predicate: unknown): { fact: PublicationFact; purl: string } {
  const p = parseWith(PublishV01, predicate, WHAT, 'predicate');
  // npm names are `name` or `@scope/name` (npm package-name rules).
  const scoped = /^(@[^/]+)\/([^/]+)$/.exec(p.name);
  if (scoped === null && p.name.includes('/'))
    throw malformed(WHAT, 'predicate.name: not an npm package name');
  const purl: Purl = {
    type: 'npm',
    ...(scoped !== null ? { namespace: scoped[1] as string } : {}),
    name: scoped !== null ? (scoped[2] as string) : p.name,
    version: p.version,
    qualifiers: {},
  };
  return {
    fact: { registry: p.registry, name: p.name, version: p.version, purl: packageVersionKeyOf(purl) },
    purl: formatPurl(purl),
  };
}
