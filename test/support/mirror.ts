/**
 * An independent log verifier for tests: it mirrors the log over plain HTTP (checkpoint, entry
 * bundles) and recomputes everything with node:crypto alone — none of libs/merkle, libs/note or
 * libs/tlog — so a bug shared by the log and its own libraries cannot hide.
 */
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';

const sha256 = (...parts: Buffer[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const leafHash = (entry: Buffer) => sha256(Buffer.from([0]), entry);
const nodeHash = (l: Buffer, r: Buffer) => sha256(Buffer.from([1]), l, r);

/** RFC 6962 §2.1 MTH, by the textbook recursion: split at the largest power of two below n. */
export function merkleRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  const hashes = leaves.map(leafHash);
  const rec = (lo: number, hi: number): Buffer => {
    if (hi - lo === 1) return hashes[lo] as Buffer;
    let k = 1;
    while (k * 2 < hi - lo) k *= 2;
    return nodeHash(rec(lo, lo + k), rec(lo + k, hi));
  };
  return rec(0, hashes.length);
}

/** RFC 9162 §2.1.3.2 inclusion verification, written out again. */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Buffer,
  proof: Buffer[],
  root: Buffer,
): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2 consistency verification, written out again. */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: Buffer[],
  root1: Buffer,
  root2: Buffer,
): boolean {
  if (size1 === size2) return proof.length === 0 && root1.equals(root2);
  if (size1 === 0 || size1 > size2) return false;
  const path = [...proof];
  if ((size1 & (size1 - 1)) === 0) path.unshift(root1);
  if (path.length === 0) return false;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Buffer;
  let sr = path[0] as Buffer;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(root1) && sr.equals(root2) && sn === 0;
}

export interface ParsedCheckpoint {
  origin: string;
  size: number;
  root: Buffer;
  text: string;
  signatures: Array<{ name: string; keyHint: Buffer; sig: Buffer }>;
}

export function parseCheckpointNote(note: string): ParsedCheckpoint {
  const split = note.indexOf('\n\n');
  if (split < 0) throw new Error('no blank line in the note');
  const text = note.slice(0, split + 1);
  const [origin, size, root] = text.split('\n');
  const signatures = note
    .slice(split + 2)
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) throw new Error(`bad signature line ${line}`);
      const raw = Buffer.from(m[2] as string, 'base64');
      return { name: m[1] as string, keyHint: raw.subarray(0, 4), sig: raw.subarray(4) };
    });
  return {
    origin: origin ?? '',
    size: Number(size),
    root: Buffer.from(root ?? '', 'base64'),
    text,
    signatures,
  };
}

/** Checks both log signatures of a checkpoint: ECDSA (key hint = SHA-256(SPKI)[:4]) and Ed25519 (C2SP key id). */
export function verifyCheckpointSignatures(
  cp: ParsedCheckpoint,
  ecdsaPub: KeyObject,
  ed25519Pub: KeyObject,
): { ecdsa: boolean; ed25519: boolean } {
  const spki = ecdsaPub.export({ type: 'spki', format: 'der' });
  const ecHint = sha256(spki).subarray(0, 4);
  const edRaw = ed25519Pub.export({ type: 'spki', format: 'der' }).subarray(-32);
  const edHint = sha256(Buffer.from(cp.origin, 'utf8'), Buffer.from([0x0a, 0x01]), edRaw).subarray(0, 4);
  const data = Buffer.from(cp.text, 'utf8');
  let ecdsa = false;
  let ed25519 = false;
  for (const s of cp.signatures) {
    if (s.keyHint.equals(ecHint)) ecdsa = cryptoVerify('sha256', data, ecdsaPub, s.sig);
    if (s.keyHint.equals(edHint)) ed25519 = cryptoVerify(null, data, ed25519Pub, s.sig);
  }
  return { ecdsa, ed25519 };
}

function tileIndexPath(n: number): string {
  const groups: string[] = [];
  let x = n;
  do {
    groups.unshift(String(x % 1000).padStart(3, '0'));
    x = Math.floor(x / 1000);
  } while (x > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** Downloads every entry of a tree of `size` leaves from the entry bundles (C2SP tlog-tiles). */
export async function mirrorEntries(baseUrl: string, size: number): Promise<Buffer[]> {
  const entries: Buffer[] = [];
  for (let n = 0; n * 256 < size; n++) {
    const width = Math.min(256, size - n * 256);
    const url = `${baseUrl}/tlog/tile/entries/${tileIndexPath(n)}${width < 256 ? `.p/${width}` : ''}`;
    const res = await fetch(url);
    if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
    const bundle = Buffer.from(await res.arrayBuffer());
    let off = 0;
    let count = 0;
    while (off < bundle.length) {
      const len = bundle.readUInt16BE(off);
      entries.push(bundle.subarray(off + 2, off + 2 + len));
      off += 2 + len;
      count++;
    }
    if (count !== width) throw new Error(`${url}: ${count} entries, expected ${width}`);
  }
  return entries;
}

export { leafHash as rfc6962LeafHash, createPublicKey };
