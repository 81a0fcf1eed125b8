/**
 * Package URLs (ECMA-427 / package-url/purl-spec, "How to parse" and "How to build"), reduced to
 * what linking needs: one canonical spelling, so that the same package written by two tools
 * (`pkg:npm/@scope/x`, `pkg:npm/%40scope/x`, `pkg:PyPI/Foo_Bar`) becomes the same key.
 *
 * purls reach us from subjects, SBOM components and provenance materials: attacker-controlled.
 */
import { malformed } from '../problems.js';

export interface Purl {
  /** Lowercase type, e.g. `npm`. */
  type: string;
  /** Decoded namespace segments joined by '/', type-normalized; undefined when absent. */
  namespace?: string;
  /** Decoded, type-normalized name. */
  name: string;
  version?: string;
  /** Lowercased keys, decoded values, empty values dropped. */
  qualifiers: Readonly<Record<string, string>>;
  subpath?: string;
}

/**
 * Type-specific case folding from the purl-spec type definitions (types/*-definition.json,
 * purl-spec commit 16f3d0e3): the types whose namespace, name or version are case-insensitive.
 */
const NAMESPACE_CASE_INSENSITIVE = new Set([
  'alpm',
  'apk',
  'bitbucket',
  'brew',
  'composer',
  'deb',
  'github',
  'hex',
  'luarocks',
  'qpkg',
  'rpm',
  'vscode-extension',
  'yocto',
]);
const NAME_CASE_INSENSITIVE = new Set([
  'alpm',
  'apk',
  'bitbucket',
  'bitnami',
  'brew',
  'chrome-extension',
  'composer',
  'deb',
  'github',
  'hex',
  'luarocks',
  'oci',
  'otp',
  'pub',
  'pypi',
  'vscode-extension',
]);
const VERSION_CASE_INSENSITIVE = new Set(['huggingface', 'oci', 'pypi', 'vscode-extension']);

const TYPE_RE = /^[a-z][a-z0-9.+-]*$/;
/** Longest purl we accept; real ones are far shorter. */
const MAX_PURL_LENGTH = 4096;

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/**
 * Percent-encodes everything but the purl "allowed set" (alphanumerics and `.-_~`) and the
 * colon, which the spec says is never encoded (ECMA-427 "Character encoding").
 */
function encode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9.\-_~:]/.test(c)) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Parses a purl, or returns undefined when `s` is not one. Never throws. */
export function parsePurl(s: string): Purl | undefined {
  if (s.length > MAX_PURL_LENGTH) return undefined;
  let rest = s.trim();
  let subpath: string | undefined;
  const hash = rest.lastIndexOf('#');
  if (hash >= 0) {
    const segs: string[] = [];
    for (const seg of rest.slice(hash + 1).split('/')) {
      const d = decode(seg);
      if (d === undefined || d.includes('/')) return undefined;
      if (d !== '' && d !== '.' && d !== '..') segs.push(d);
    }
    if (segs.length > 0) subpath = segs.join('/');
    rest = rest.slice(0, hash);
  }
  const qualifiers = new Map<string, string>();
  const q = rest.lastIndexOf('?');
  if (q >= 0) {
    for (const pair of rest.slice(q + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) return undefined;
      const key = pair.slice(0, eq).toLowerCase();
      const value = decode(pair.slice(eq + 1));
      if (value === undefined || !/^[a-z0-9._-]+$/.test(key)) return undefined;
      if (value !== '') qualifiers.set(key, value);
    }
    rest = rest.slice(0, q);
  }
  const colon = rest.indexOf(':');
  if (colon < 0 || rest.slice(0, colon).toLowerCase() !== 'pkg') return undefined;
  rest = rest.slice(colon + 1).replace(/^\/+/, '');
  const slash = rest.indexOf('/');
  if (slash < 0) return undefined;
  const type = rest.slice(0, slash).toLowerCase();
  if (!TYPE_RE.test(type)) return undefined;
  rest = rest.slice(slash + 1);
  let version: string | undefined;
  const at = rest.lastIndexOf('@');
  // An '@' followed by a '/' is an unencoded npm scope (`pkg:npm/@scope/name`), not a version.
  if (at >= 0 && !rest.slice(at + 1).includes('/')) {
    const v = decode(rest.slice(at + 1));
    if (v === undefined) return undefined;
    if (v !== '') version = VERSION_CASE_INSENSITIVE.has(type) ? v.toLowerCase() : v;
    rest = rest.slice(0, at);
  }
  const segments = rest
    .replace(/\/+$/, '')
    .split('/')
    .filter((x) => x !== '');
  const rawName = segments.pop();
  if (rawName === undefined) return undefined;
  let name = decode(rawName);
  if (name === undefined || name === '') return undefined;
  const ns: string[] = [];
  for (const seg of segments) {
    const d = decode(seg);
    if (d === undefined || d.includes('/')) return undefined;
    ns.push(NAMESPACE_CASE_INSENSITIVE.has(type) ? d.toLowerCase() : d);
  }
  if (NAME_CASE_INSENSITIVE.has(type)) name = name.toLowerCase();
  // purl-spec types/pypi-definition.json: "Replace underscore _ with dash -".
  if (type === 'pypi') name = name.replace(/_/g, '-');
  return {
    type,
    ...(ns.length > 0 ? { namespace: ns.join('/') } : {}),
    name,
    ...(version !== undefined ? { version } : {}),
    // fromEntries defines own properties, so a key such as "__proto__" stays a plain key.
    qualifiers: Object.fromEntries(qualifiers),
    ...(subpath !== undefined ? { subpath } : {}),
  };
}

/** `pkg:<type>/<namespace>/<name>`: the package, without version, qualifiers or subpath. */
export function packageNameOf(p: Purl): string {
  const ns = p.namespace === undefined ? '' : `${p.namespace.split('/').map(encode).join('/')}/`;
  return `pkg:${p.type}/${ns}${encode(p.name)}`;
}

/** The package plus `@version` when there is one: the key of one package version. */
export function packageVersionKeyOf(p: Purl): string {
  return p.version === undefined ? packageNameOf(p) : `${packageNameOf(p)}@${encode(p.version)}`;
}

/** The full canonical purl (sorted qualifiers, normalized subpath). */
export function formatPurl(p: Purl): string {
  let s = packageVersionKeyOf(p);
  const keys = Object.keys(p.qualifiers).sort();
  if (keys.length > 0) s += `?${keys.map((k) => `${k}=${encode(p.qualifiers[k] as string)}`).join('&')}`;
  if (p.subpath !== undefined) s += `#${p.subpath.split('/').map(encode).join('/')}`;
  return s;
}

/** Canonical spelling of a purl; throws FORMAT_MALFORMED when `s` is not a purl. */
export function canonicalPurl(s: string): string {
  const p = parsePurl(s);
  if (p === undefined) throw malformed('purl', 'not a package URL (pkg:<type>/<namespace>/<name>@<version>)');
  return formatPurl(p);
}

/**
 * The package version a purl names, as facts record it (`packages`, `{ kind: 'package' }`
 * edges): for a query such as dependents(purl). Throws FORMAT_MALFORMED when `s` is not a purl.
 */
export function packageOf(s: string): { purl: string; version?: string; key: string } {
  const p = parsePurl(s);
  if (p === undefined) throw malformed('purl', 'not a package URL (pkg:<type>/<namespace>/<name>@<version>)');
  return {
    purl: packageNameOf(p),
    ...(p.version !== undefined ? { version: p.version } : {}),
    key: packageVersionKeyOf(p),
  };
}
