/** Test-only: a tile store as the sequencer keeps one (latest version of each tile, by tileKey). */
import {
  appendLeaves,
  rootFromTiles,
  tileKey,
  tilesForAppend,
  tilesForRoot,
  type AppendResult,
  type TileCoord,
} from '../../../libs/merkle/index.js';

export class TileStore {
  readonly tiles = new Map<string, Uint8Array>();
  size = 0;

  /** Appends through appendLeaves, handing it only the edge tiles it names, as the sequencer does. */
  append(leafHashes: readonly Uint8Array[]): AppendResult {
    const result = appendLeaves(this.size, this.subset(tilesForAppend(this.size)), leafHashes);
    for (const t of result.tiles) this.tiles.set(tileKey(t), t.data);
    this.size = result.newSize;
    return result;
  }

  /** Only the named tiles, each cut to exactly the named width: what a strict reader would serve. */
  subset(coords: readonly TileCoord[]): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const c of coords) {
      const data = this.tiles.get(tileKey(c));
      if (data !== undefined) out.set(tileKey(c), data.subarray(0, c.width * 32));
    }
    return out;
  }

  /** The root at any size up to the current one, from exactly the tiles tilesForRoot names. */
  root(size: number): Buffer {
    return rootFromTiles(size, this.subset(tilesForRoot(size)));
  }
}
