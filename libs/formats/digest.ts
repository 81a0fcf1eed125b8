/**
 * Digest sets (in-toto spec v1 digest_set.md) and artifact keys.
 *
 * An artifact is identified by any digest of an identity algorithm in its digest set: SHA-256,
 * SHA-384 or SHA-512. Weaker or unknown algorithms (md5, sha1, gitCommit, gce_image_id, ...)
 * are kept in digest sets but never make two facts "the same artifact": a collision in them is
 * practical (md5, sha1) or their meaning is not content-addressed.
 */
import { malformed } from './problems.js';

export const IDENTITY_ALGORITHMS = ['sha256', 'sha384', 'sha512'] as const;
export type IdentityAlgorithm = (typeof IDENTITY_ALGORITHMS)[number];

/** `<identity algorithm>:<lowercase hex>`, e.g. `sha256:a0cf…01bf`. */
export type ArtifactKey = `${IdentityAlgorithm}:${string}`;

/** Algorithm name -> digest value. Keys use in-toto's spelling (sha256, sha3_256, gitCommit, ...). */
export type DigestSet = Readonly<Record<string, string>>;

const HEX_BYTES: Readonly<Record<IdentityAlgorithm, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/**
 * Digest sizes in bytes for the algorithms in-toto validates (go/v1 resource_descriptor.go and
 * the vectors in test/fixtures/invalid/in-toto/vectors.json). Git object ids are SHA-1 or
 * SHA-256 (20 or 32 bytes). Other algorithm names are custom and not checked (digest_set.md).
 */
const IN_TOTO_SIZES: ReadonlyMap<string, readonly number[]> = new Map(
  Object.entries({
    md5: [16],
    sha1: [20],
    sha224: [28],
    sha512_224: [28],
    sha256: [32],
    sha512_256: [32],
    sha384: [48],
    sha512: [64],
    sha3_224: [28],
    sha3_256: [32],
    sha3_384: [48],
    sha3_512: [64],
    gitBlob: [20, 32],
    gitCommit: [20, 32],
    gitTag: [20, 32],
    gitTree: [20, 32],
    dirHash: [32],
  }),
);

const LOWER_HEX = /^[0-9a-f]*$/;

const KNOWN_BY_LOWERCASE = new Map([...IN_TOTO_SIZES.keys()].map((k) => [k.toLowerCase(), k]));

/**
 * Checks one digest set entry as in-toto does; returns the problem or undefined. Values of
 * known algorithms are lowercase hex of the right length; a known name in another case
 * (`SHA256`) is refused rather than treated as a custom algorithm, so it cannot hide a digest
 * from the identity rules.
 */
export function checkInTotoDigest(alg: string, value: string): string | undefined {
  const sizes = IN_TOTO_SIZES.get(alg);
  if (sizes === undefined) {
    const known = KNOWN_BY_LOWERCASE.get(alg.toLowerCase());
    if (known !== undefined)
      return `algorithm ${JSON.stringify(alg)} must be spelled ${JSON.stringify(known)}`;
    return undefined;
  }
  if (!LOWER_HEX.test(value) || value.length % 2 !== 0) return `${alg} digest is not lowercase hex`;
  if (!sizes.includes(value.length / 2)) {
    const want = sizes.map((n) => n * 2).join(' or ');
    return `${alg} digest has ${value.length} hex digits, want ${want}`;
  }
  return undefined;
}

export function isIdentityAlgorithm(alg: string): alg is IdentityAlgorithm {
  return alg === 'sha256' || alg === 'sha384' || alg === 'sha512';
}

/** The artifact keys of a (normalized) digest set, in IDENTITY_ALGORITHMS order. */
export function artifactKeysOf(digest: DigestSet): ArtifactKey[] {
  const keys: ArtifactKey[] = [];
  for (const alg of IDENTITY_ALGORITHMS) {
    const v = digest[alg];
    if (v !== undefined) keys.push(`${alg}:${v}`);
  }
  return keys;
}

/**
 * Parses `sha256:<hex>` (any case) into an ArtifactKey, as a query or an index would. Throws
 * FORMAT_MALFORMED for other algorithms or a digest of the wrong length.
 */
export function parseArtifactKey(s: string): ArtifactKey {
  const i = s.indexOf(':');
  const alg = (i < 0 ? '' : s.slice(0, i)).toLowerCase();
  const hex = s.slice(i + 1).toLowerCase();
  if (!isIdentityAlgorithm(alg))
    throw malformed('artifact digest', 'expected sha256:, sha384: or sha512: followed by hex');
  if (!LOWER_HEX.test(hex) || hex.length !== HEX_BYTES[alg] * 2) {
    throw malformed('artifact digest', `${alg} needs ${HEX_BYTES[alg] * 2} hex digits`);
  }
  return `${alg}:${hex}`;
}

/**
 * Maps an SBOM hash algorithm name (CycloneDX `SHA-256`, SPDX 2 `SHA256` / `SHA3-256` /
 * `BLAKE2b-384`, SPDX 3 `sha3_256`) to in-toto's spelling: SHA-2 names lose the dash
 * (`sha256`), the other families lowercase with `_` before the size (`sha3_256`,
 * `blake2b_384`, `streebog_256`), the rest lowercase (`md5`, `blake3`, `adler32`).
 */
export function normalizeHashAlgorithm(name: string): string {
  const lower = name.toLowerCase().replace(/-/g, '_');
  const sha2 = /^sha_?(1|224|256|384|512)$/.exec(lower);
  if (sha2) return `sha${sha2[1]}`;
  const sized = /^(sha3|blake2b|blake2s|streebog|sha512)_?(\d+)$/.exec(lower);
  if (sized) return `${sized[1]}_${sized[2]}`;
  return lower;
}

/**
 * Checks a hash value found in an SBOM for an algorithm already normalized: identity and
 * in-toto-known algorithms must be hex of the right size (any case; returned lowercased);
 * values of other algorithms are kept verbatim.
 */
export function normalizeHashValue(alg: string, value: string): { value: string } | { problem: string } {
  const sizes = IN_TOTO_SIZES.get(alg);
  if (sizes === undefined) return { value };
  const lower = value.toLowerCase();
  if (!LOWER_HEX.test(lower)) return { problem: `${alg} value is not hex` };
  const problem = checkInTotoDigest(alg, lower);
  return problem === undefined ? { value: lower } : { problem };
}
