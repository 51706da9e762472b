/** Test helper: reads a saved HNSW index image (`<storage>/indexes/<uuid>/<vector>.hnsw`) to check what was written. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserializeHnsw } from '../../src/index/hnsw/serialize.js';
import { openTestFile } from './app.js';

export interface SavedIndexImage {
  /** The last operation id the image includes. */
  readonly op: number;
  /** `distance/size/m/ef_construct` of the collection when saved. */
  readonly params: string;
  readonly m: number;
  /** Vectors in the graph (members, neither deleted nor pending). */
  readonly indexed: number;
}

/** Parses an image file; throws when it is not a whole, valid image. */
export function readIndexImage(file: string): SavedIndexImage {
  const bytes = openTestFile(readFileSync(file));
  const nl = bytes.indexOf(10);
  const meta = JSON.parse(bytes.subarray(0, nl).toString('utf8')) as { op: number; params: string };
  const img = deserializeHnsw(bytes.subarray(nl + 1));
  const pending = new Set(img.pending);
  let indexed = 0;
  for (let o = 0; o < img.members.length; o++) if (img.members[o] === 1 && img.deleted[o] !== 1 && !pending.has(o)) indexed++;
  return { op: meta.op, params: meta.params, m: img.params.m, indexed };
}

/** Every `.hnsw` image under `<storage>/indexes`. */
export function indexImageFiles(storage: string): string[] {
  const root = join(storage, 'indexes');
  return readdirSync(root).flatMap((uuid) => readdirSync(join(root, uuid)).filter((f) => f.endsWith('.hnsw')).map((f) => join(root, uuid, f)));
}
