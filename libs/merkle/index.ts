/**
 * libs/merkle: the log's Merkle tree, pure. RFC 9162 hashing, tree heads, inclusion and
 * consistency proofs (generation and verification), and the C2SP tlog-tiles storage model the
 * sequencer writes and the gateway serves. No I/O: tiles are passed in and handed back.
 */
export { HASH_SIZE, hashLeaf, hashChildren, emptyRoot } from './hash.js';
export { CompactRange, rootFromLeafHashes } from './compact-range.js';
export {
  inclusionProof,
  consistencyProof,
  verifyInclusion,
  verifyConsistency,
  type NodeReader,
} from './proof.js';
export {
  TILE_HEIGHT,
  TILE_WIDTH,
  tileKey,
  tileWidthAt,
  formatTilePath,
  formatEntryBundlePath,
  parseTilePath,
  type TileCoord,
  type EntryBundleCoord,
  type ParsedTilePath,
} from './tile-layout.js';
export {
  tilesForAppend,
  tilesForRoot,
  tilesForInclusionProof,
  tilesForConsistencyProof,
  appendLeaves,
  rootFromTiles,
  inclusionProofFromTiles,
  consistencyProofFromTiles,
  type TileMap,
  type NodeMemo,
  type Tile,
  type AppendResult,
} from './tiles.js';
