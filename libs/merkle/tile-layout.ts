/**
 * C2SP tlog-tiles arithmetic (https://c2sp.org/tlog-tiles), all in one module: tile coordinates,
 * widths at a tree size, resource paths, and where a Merkle node lives.
 *
 * A tile at level L, index N holds the hashes of the Merkle nodes at tree level 8L with indexes
 * N*256 .. N*256+255, i.e. MTH(D[(N*256 + i) * 256^L : (N*256 + i + 1) * 256^L]) for i < width.
 * Level 0 holds leaf hashes; each hash at level L >= 1 is the root of a full tile at level L-1.
 * A partial tile (width 1..255) is a prefix of the later full tile.
 */
import { AttestryError } from '../core/index.js';
import { assertSize } from './hash.js';
import type { NodeCoord } from './proof-plan.js';

/** Tile height: a tile is a perfect subtree 8 levels tall (tlog-tiles "Merkle Tree"). */
export const TILE_HEIGHT = 8;
/** Hashes in a full tile: 2^TILE_HEIGHT (8,192 bytes). */
export const TILE_WIDTH = 256;
/** The spec allows levels 0..63 in paths; a 2^53-leaf tree only ever reaches level 6. */
export const MAX_TILE_LEVEL = 63;

/** A tile resource: `width` is 256 for a full tile, 1..255 for a partial one. */
export interface TileCoord {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** An entry bundle resource (tile/entries/...): it spans the same leaves as level-0 tile `index`. */
export interface EntryBundleCoord {
  readonly index: number;
  readonly width: number;
}

export type ParsedTilePath =
  ({ readonly kind: 'tile' } & TileCoord) | ({ readonly kind: 'entries' } & EntryBundleCoord);

function invalid(message: string): AttestryError {
  return new AttestryError('MERKLE_INVALID_ARGUMENT', message);
}

function assertLevel(level: number): void {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) {
    throw invalid(`tile level must be an integer in 0..${MAX_TILE_LEVEL}, got ${level}`);
  }
}

function assertWidth(width: number): void {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw invalid(`tile width must be an integer in 1..${TILE_WIDTH}, got ${width}`);
  }
}

/**
 * The key under which a tile's bytes are passed to the *FromTiles functions and appendLeaves:
 * `<level>/<index>` in decimal, e.g. "0/1234". Width is deliberately not part of it: any stored
 * version of the tile at least as wide as needed will do, only its first `width` hashes are read.
 */
export function tileKey(tile: { readonly level: number; readonly index: number }): string {
  return `${tile.level}/${tile.index}`;
}

/** 256^level as a number (exact: only called for levels whose span fits below 2^53). */
function span(level: number): number {
  return TILE_WIDTH ** level;
}

/** How many level-L hashes (level 8L nodes) a tree of `size` leaves has: floor(size / 256^L). */
export function hashCountAt(level: number, size: number): number {
  return Math.floor(size / span(level));
}

/**
 * Width of tile (level, index) in a tree of `size` leaves: 0 if it does not exist yet, 256 if full,
 * else floor(size / 256^L) mod 256 for the rightmost tile (tlog-tiles "Partial Tiles").
 */
export function tileWidthAt(level: number, index: number, size: number): number {
  assertLevel(level);
  assertSize(index, 'tile index');
  assertSize(size, 'tree size');
  const w = hashCountAt(level, size) - index * TILE_WIDTH;
  return Math.max(0, Math.min(TILE_WIDTH, w));
}

/**
 * The rightmost partial tile of every level for a tree of `size` leaves, lowest level first. Those
 * hold the right edge of the tree: what a root needs and what an append extends. Levels whose
 * hash count is a multiple of 256 have none (empty tiles MUST NOT be served).
 */
export function partialTilesAt(size: number): TileCoord[] {
  assertSize(size, 'tree size');
  const tiles: TileCoord[] = [];
  for (let level = 0; hashCountAt(level, size) > 0; level++) {
    const count = hashCountAt(level, size);
    const width = count % TILE_WIDTH;
    if (width > 0) tiles.push({ level, index: Math.floor(count / TILE_WIDTH), width });
  }
  return tiles;
}

/**
 * Where the hash of a perfect subtree lives: node (level, index) is at tile level floor(level/8),
 * and spans 2^(level mod 8) consecutive hashes of that tile starting at `offset`. Those hashes are
 * its leaves within the tile; for level mod 8 == 0 the node is a tile hash itself.
 */
export function locateNode(node: NodeCoord): { level: number; index: number; offset: number; count: number } {
  const level = Math.floor(node.level / TILE_HEIGHT);
  const count = 2 ** (node.level - level * TILE_HEIGHT);
  const first = node.index * count;
  const index = Math.floor(first / TILE_WIDTH);
  return { level, index, offset: first - index * TILE_WIDTH, count };
}

/** N as zero-padded 3-digit elements, all but the last prefixed by `x`: 1234067 -> x001/x234/067. */
function formatIndex(index: number): string {
  assertSize(index, 'tile index');
  const groups: string[] = [];
  let rest = index;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

function formatSuffix(width: number): string {
  assertWidth(width);
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** `tile/<L>/<N>[.p/<W>]`, relative to the log prefix (tlog-tiles "Merkle Tree"). */
export function formatTilePath(tile: TileCoord): string {
  assertLevel(tile.level);
  return `tile/${tile.level}/${formatIndex(tile.index)}${formatSuffix(tile.width)}`;
}

/** `tile/entries/<N>[.p/<W>]`, relative to the log prefix (tlog-tiles "Log entries"). */
export function formatEntryBundlePath(bundle: EntryBundleCoord): string {
  return `tile/entries/${formatIndex(bundle.index)}${formatSuffix(bundle.width)}`;
}

// L: decimal 0..63 without leading zeroes; N: 3-digit groups, all but the last with `x`;
// W: decimal 1..255 without leading zeroes. Ranges are checked after the match.
const TILE_PATH_RE =
  /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*)([0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/**
 * Parses a tile or entry bundle path (attacker-controlled: it comes straight from a URL). Only the
 * canonical encoding is accepted, so each resource has exactly one name: besides the spec's rules,
 * N may not start with a zero group (x000/001 is refused; 1 is written 001), which keeps cache keys
 * and stored objects unambiguous. N must be a safe integer.
 */
export function parseTilePath(path: string): ParsedTilePath {
  const m = TILE_PATH_RE.exec(path);
  if (m === null) throw invalid(`malformed tile path ${JSON.stringify(path)}`);
  const [, levelText, prefixGroups, lastGroup, widthText] = m as unknown as [
    string,
    string,
    string,
    string,
    string?,
  ];
  const groups = [
    ...prefixGroups
      .split('/')
      .filter((g) => g !== '')
      .map((g) => g.slice(1)),
    lastGroup,
  ];
  if (groups.length > 1 && groups[0] === '000') throw invalid(`tile index has a leading zero group: ${path}`);
  let index = 0;
  for (const g of groups) {
    index = index * 1000 + Number(g);
    if (!Number.isSafeInteger(index)) throw invalid(`tile index out of range: ${path}`);
  }
  let width: number = TILE_WIDTH;
  if (widthText !== undefined) {
    width = Number(widthText);
    if (width >= TILE_WIDTH) throw invalid(`partial tile width must be 1..255: ${path}`);
  }
  if (levelText === 'entries') return { kind: 'entries', index, width };
  const level = Number(levelText);
  if (level > MAX_TILE_LEVEL) throw invalid(`tile level must be 0..${MAX_TILE_LEVEL}: ${path}`);
  return { kind: 'tile', level, index, width };
}
