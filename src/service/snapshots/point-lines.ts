/**
 * `points.ndjson`: one stored point per line, exactly as the store holds it (vectors are the stored float32 /
 * uint32 bytes, little-endian, base64-encoded, so nothing is renormalised or rounded on the way back):
 *
 * ```
 * {"id": 1 | "uuid", "ver": <operation id>, "p": {payload} | null, "sk": <shard key>?, "x": 1?,
 *  "v": {"<vector name>": {"dense": b64} | {"multi": b64, "rows": n} | {"indices": b64, "values": b64}}}
 * ```
 *
 * `"x": 1` (snapshot format version 2) marks a line whose payload holds integers beyond ±(2^53−1): it is exact
 * JSON (`exact-json.ts`: those integers as digits, doubles beyond 2^53 with an exponent) and is read exactly.
 *
 * Reading a line validates it against the collection's vector schema (names, kinds, dimensions, finite values),
 * so a crafted snapshot cannot put a malformed point in memory.
 */
import { AppError } from '../../errors.js';
import { parseExactJson, stringifyExact } from '../../exact-json.js';
import { parsePointId, type PointId } from '../../storage/point-id.js';
import { decodePayload, encodePayload, type EncodedPoint } from '../../collection/point-codec.js';
import type { VectorSchema } from '../../collection/config.js';
import type { Payload, ShardKey } from '../../collection/types.js';
import type { KvKey } from '../../storage/kv/store.js';

type StoredVector = EncodedPoint['v'][string];

function b64(u: Uint8Array): string {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');
}

function encodeVector(v: StoredVector): Record<string, unknown> {
  if (v instanceof Uint8Array) return { dense: b64(v) };
  if ('m' in v) return { multi: b64(v.m), rows: v.n };
  return { indices: b64(v.i), values: b64(v.x) };
}

/**
 * One stored point as a line (with its trailing newline). Vector names not in `keep` are left out (a vector name
 * removed by a configuration change that raced the snapshot's read).
 */
export function encodePointLine(key: KvKey, p: EncodedPoint, keep: (vectorName: string) => boolean): string {
  const v: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(p.v)) if (keep(name)) v[name] = encodeVector(value);
  const line: Record<string, unknown> = { id: key, ver: p.ver, p: decodePayload(p.p, p.x), v };
  if (p.sk !== undefined) line['sk'] = p.sk;
  if (p.x === 1) line['x'] = 1;
  return `${p.x === 1 ? stringifyExact(line).text : JSON.stringify(line)}\n`;
}

function bad(lineNo: number, message: string): AppError {
  return new AppError('BAD_INPUT', [`Bad request: invalid snapshot: ${POINTS_LINE_LABEL} line ${lineNo}: ${message}`]);
}
const POINTS_LINE_LABEL = 'points.ndjson';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bytes(lineNo: number, value: unknown, what: string): Buffer {
  if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) throw bad(lineNo, `${what} must be base64`);
  return Buffer.from(value, 'base64');
}

function checkFinite(lineNo: number, buf: Buffer, what: string): void {
  for (let off = 0; off < buf.length; off += 4) {
    if (!Number.isFinite(buf.readFloatLE(off))) throw bad(lineNo, `${what} has a non-finite component`);
  }
}

function decodeVector(lineNo: number, name: string, raw: unknown, schema: VectorSchema): StoredVector {
  const label = name === '' ? 'default vector' : `vector \`${name}\``;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(lineNo, `${label} must be an object`);
  const o = raw as Record<string, unknown>;
  const dense = schema.dense.get(name);
  const sparse = schema.sparse.get(name);
  if (dense !== undefined && !dense.multivector) {
    const d = bytes(lineNo, o['dense'], label);
    if (d.length !== dense.size * 4) throw bad(lineNo, `${label} has ${d.length / 4} components, the collection expects ${dense.size}`);
    checkFinite(lineNo, d, label);
    return d;
  }
  if (dense !== undefined) {
    const rows = o['rows'];
    const m = bytes(lineNo, o['multi'], label);
    if (typeof rows !== 'number' || !Number.isSafeInteger(rows) || rows < 1 || m.length !== rows * dense.size * 4) {
      throw bad(lineNo, `${label} must be ${String(rows)} rows of ${dense.size} components`);
    }
    checkFinite(lineNo, m, label);
    return { m, n: rows };
  }
  if (sparse !== undefined) {
    const i = bytes(lineNo, o['indices'], `${label} indices`);
    const x = bytes(lineNo, o['values'], `${label} values`);
    if (i.length !== x.length) throw bad(lineNo, `${label} has ${i.length / 4} indices and ${x.length / 4} values`);
    checkFinite(lineNo, x, label);
    const seen = new Set<number>();
    for (let off = 0; off < i.length; off += 4) {
      const idx = i.readUInt32LE(off);
      if (seen.has(idx)) throw bad(lineNo, `${label} repeats index ${idx}`);
      seen.add(idx);
    }
    return { i, x };
  }
  throw bad(lineNo, `${label} is not configured in the collection`);
}

export interface PointLineContext {
  readonly schema: VectorSchema;
  /** Shard keys a point may carry. */
  readonly shardKeys: ReadonlySet<ShardKey>;
}

/**
 * Parses and validates one line into a point ready to store (its offset is assigned by the caller).
 * @throws AppError(BAD_INPUT) naming the line and the problem.
 */
export function decodePointLine(line: string, lineNo: number, ctx: PointLineContext): { id: PointId; point: Omit<EncodedPoint, 'o'> } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
    if (typeof raw === 'object' && raw !== null && (raw as Record<string, unknown>)['x'] === 1) raw = parseExactJson(line);
  } catch {
    throw bad(lineNo, 'not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(lineNo, 'expected an object');
  const o = raw as Record<string, unknown>;
  let id: PointId;
  try {
    id = parsePointId(o['id']);
  } catch {
    throw bad(lineNo, 'invalid point id');
  }
  if (id !== o['id']) throw bad(lineNo, 'point id is not in canonical form');
  const ver = o['ver'];
  if (typeof ver !== 'number' || !Number.isSafeInteger(ver) || ver < 0) throw bad(lineNo, '`ver` must be an unsigned integer');
  const payload = o['p'];
  if (payload !== null && (typeof payload !== 'object' || Array.isArray(payload))) throw bad(lineNo, '`p` must be an object or null');
  const vectors = o['v'];
  if (typeof vectors !== 'object' || vectors === null || Array.isArray(vectors)) throw bad(lineNo, '`v` must be an object');
  const v: Record<string, StoredVector> = {};
  for (const [name, value] of Object.entries(vectors as Record<string, unknown>)) v[name] = decodeVector(lineNo, name, value, ctx.schema);
  const point: Omit<EncodedPoint, 'o'> = { v, ...encodePayload(payload as Payload | null), ver };
  const sk = o['sk'];
  if (sk !== undefined) {
    if ((typeof sk !== 'string' && typeof sk !== 'number') || !ctx.shardKeys.has(sk)) throw bad(lineNo, `shard key ${JSON.stringify(sk)} is not a shard key of the collection`);
    point.sk = sk;
  }
  return { id, point };
}
