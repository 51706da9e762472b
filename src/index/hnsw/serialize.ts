import type { Distance } from '../distance.js';
import { imageMagic, ImageReader, ImageWriter } from '../flat/format.js';
import { parseDistance } from '../flat/scan.js';
import { checkFormatVersion } from '../../storage/format-version.js';

/**
 * HNSW image ("QVHN", version 1), after the common 16-byte header of `flat/format.ts`:
 *
 *   distance str · dim u32 · m u32 · ef_construct u32 · ef u32 · seed u32 · full_scan_threshold u32
 *   · repair_threshold f64 · entry i32 · max_level i32
 *   · members u8[n] (0 absent, 1 graph, 2 pending, 3 plain) · levels i8[n] · deleted u8[n]
 *   · level0 i32[n·(1+2m)] · upper_start i32[n] · upper i32[…] · pending i32[…]
 *
 * Arrays are raw little-endian, so `load` is a few memcpys: no rebuild.
 */
export const HNSW_MAGIC = 'QVHN';
export const HNSW_VERSION = 1;

export interface HnswImageParams {
  distance: Distance;
  m: number;
  efConstruct: number;
  fullScanThreshold: number;
  ef: number;
  seed: number;
  repairThreshold: number;
}

export interface HnswImage {
  params: HnswImageParams;
  dim: number;
  entry: number;
  maxLevel: number;
  members: Uint8Array;
  levels: Int8Array;
  deleted: Uint8Array;
  level0: Int32Array;
  upperStart: Int32Array;
  upper: Int32Array;
  pending: number[];
}

export function serializeHnsw(img: HnswImage): Uint8Array {
  const p = img.params;
  return new ImageWriter(HNSW_MAGIC, HNSW_VERSION)
    .str(p.distance)
    .u32(img.dim)
    .u32(p.m)
    .u32(p.efConstruct)
    .u32(p.ef)
    .u32(p.seed)
    .u32(p.fullScanThreshold)
    .f64(p.repairThreshold)
    .i32(img.entry)
    .i32(img.maxLevel)
    .array(img.members)
    .array(img.levels)
    .array(img.deleted)
    .array(img.level0)
    .array(img.upperStart)
    .array(img.upper)
    .array(Int32Array.from(img.pending))
    .finish();
}

/**
 * @throws FormatVersionError on an image newer than {@link HNSW_VERSION} (the collection rebuilds the graph from
 *   its stored vectors); Error on a foreign, truncated or corrupt image.
 */
export function deserializeHnsw(bytes: Uint8Array): HnswImage {
  // The header's version (u16 at byte 4) is checked before anything of the body is interpreted.
  if (imageMagic(bytes) === HNSW_MAGIC) checkFormatVersion('HNSW index image', bytes[4]! | (bytes[5]! << 8), HNSW_VERSION);
  const r = new ImageReader(bytes, HNSW_MAGIC, HNSW_VERSION);
  const distance = parseDistance(r.str());
  const dim = r.u32();
  const m = r.u32();
  const efConstruct = r.u32();
  const ef = r.u32();
  const seed = r.u32();
  const fullScanThreshold = r.u32();
  const repairThreshold = r.f64();
  const entry = r.i32();
  const maxLevel = r.i32();
  const members = r.uint8Array();
  const levels = r.int8Array();
  const deleted = r.uint8Array();
  const level0 = r.int32Array();
  const upperStart = r.int32Array();
  const upper = r.int32Array();
  const pending = Array.from(r.int32Array());
  const n = members.length;
  for (const o of pending) if (!(o >= 0 && o < n)) throw new Error('hnsw index image has a pending offset out of range');
  if (entry >= n || (entry >= 0 && levels[entry]! < 0)) throw new Error('hnsw index image has an invalid entry point');
  return {
    params: { distance, m, efConstruct, fullScanThreshold, ef, seed, repairThreshold },
    dim,
    entry,
    maxLevel,
    members,
    levels,
    deleted,
    level0,
    upperStart,
    upper,
    pending,
  };
}
