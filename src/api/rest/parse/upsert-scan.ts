/**
 * The common large upsert bodies, `{"points": [{"id": …, "vector": [numbers], "payload": {…}}, …]}` and the
 * columnar `{"batch": {"ids": […], "vectors": [[numbers], …], "payloads": [{…}, …]}}`, read straight from their text
 * (issue 14, item 4). `JSON.parse` of a 1000 × 128 upsert makes 128,000 heap numbers that schema
 * validation, the finiteness guard and the large-integer check then walk one by one, that are converted to
 * Float32 again, and that the garbage collector sweeps afterwards: most of a durable write's main-thread time. This
 * scanner writes each vector component into one Float32Array as it reads it, checks ids and payloads as
 * validation would, and yields to the event loop between slices of points.
 *
 * It accepts only what it can check completely (a subset of valid bodies): ids that are unsigned safe integers or
 * UUID strings, plain dense vectors of one length with finite Float32 components, payloads that are objects or
 * null, keys written without escapes, and beside `points` only the members `shard_key`, `update_filter` and
 * `update_mode` (parsed here, validated with the operation's schema by the caller, `read-upsert-body.ts`: this
 * module stays free of the schema so that a worker thread can run it). Anything else — malformed text, another shape, a value
 * the schema refuses, an integer beyond ±(2^53−1) outside a payload — makes it answer `undefined`, and the body
 * takes the general path (`JSON.parse`, schema validation), which gives the exact error Qdrant's clients expect.
 *
 * Each component is the Float32 of the double `JSON.parse` would give (`Math.fround(JSON.parse(literal))`), bit
 * for bit: see {@link readNumber}.
 */
import { holdsLargeNumber, parseExactJson } from '../../../exact-json.js';
import { parsePointId, type PointId } from '../../../storage/point-id.js';
import type { Payload } from '../../../collection/types.js';
import { isObject } from '../../../json.js';
import { endOfValue, skipWs, yieldToEventLoop } from '../sliced-json.js';

/** Points read between two yields to the event loop (~130 KB of text at 128 dimensions, ~1 ms). */
const SLICE_POINTS = 128;

/** An upsert body read by {@link scanUpsert}: its points already checked as validation would. */
export class ScannedUpsert {
  constructor(
    /** The body's members other than `points` / `batch` (`shard_key`, `update_filter`, `update_mode`), as parsed. */
    readonly members: Readonly<Record<string, unknown>>,
    /** Which form the body had (the general conversion names fields by it). */
    readonly form: 'points' | 'batch',
    readonly ids: readonly PointId[],
    /** Components per vector. */
    readonly dim: number,
    /** Point i's vector is `vectors.subarray(i * dim, (i + 1) * dim)`. */
    readonly vectors: Float32Array,
    readonly payloads: ReadonlyArray<Payload | null>,
  ) {}

  get length(): number {
    return this.ids.length;
  }

  /** Point i's vector (a view). */
  row(i: number): Float32Array {
    return this.vectors.subarray(i * this.dim, (i + 1) * this.dim);
  }

  /**
   * The body as `JSON.parse` would have given it (for the general conversion, when the collection's vectors are
   * not one dense default vector of this size; the components are their Float32 values, which convert to the same
   * stored vector).
   */
  plainBody(): Record<string, unknown> {
    if (this.form === 'batch') {
      return { ...this.members, batch: { ids: this.ids, vectors: this.ids.map((_, i) => Array.from(this.row(i))), payloads: this.payloads } };
    }
    const points = this.ids.map((id, i) => ({ id, vector: Array.from(this.row(i)), payload: this.payloads[i] }));
    return { ...this.members, points };
  }
}

const ENVELOPE_KEYS = new Set(['shard_key', 'update_filter', 'update_mode']);
const WS = new Uint8Array(128);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) WS[c] = 1;

/** Thrown inside the scanner when the text is not one it reads; turned into `undefined`. */
class NotScanned extends Error {}
const NOT_SCANNED = new NotScanned('not a plain upsert body');

function expect(text: string, i: number, code: number): number {
  if (text.charCodeAt(i) !== code) throw NOT_SCANNED;
  return skipWs(text, i + 1);
}

/**
 * The key (a string without escapes) at `i`; `keyEnd` is set to the index after the colon and its whitespace.
 */
let keyEnd = 0;
function readKey(text: string, i: number): string {
  if (text.charCodeAt(i) !== 0x22) throw NOT_SCANNED;
  const close = plainStringEnd(text, i);
  keyEnd = expect(text, skipWs(text, close + 1), 0x3a);
  return text.slice(i + 1, close);
}

/** The index of the closing quote of the string at `i`, which has no escapes or control characters. */
function plainStringEnd(text: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const c = text.charCodeAt(j);
    if (c === 0x22) return j;
    if (c === 0x5c || c < 0x20 || Number.isNaN(c)) throw NOT_SCANNED;
    j++;
  }
}

/** After a member or an element: a comma (true) or the closing `close` (false); `sepEnd` is the next index. */
let sepEnd = 0;
function nextOrClose(text: string, i: number, close: number): boolean {
  const c = text.charCodeAt(i);
  if (c === 0x2c) {
    sepEnd = skipWs(text, i + 1);
    return true;
  }
  if (c !== close) throw NOT_SCANNED;
  sepEnd = skipWs(text, i + 1);
  return false;
}

/** Exact powers of ten as doubles (10^22 is the largest). */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
const TWO_53 = 2 ** 53;
/** Relative bound on the error of an inexact mantissa (≤ 40 digits: below 2^-46), with a wide margin. */
const MARGIN = 2 ** -40;

/** The end of the number read by {@link readNumber}. */
let numberEnd = 0;

/**
 * The Float32 of the JSON number at `i` as `JSON.parse` reads it, i.e. `Math.fround` of the correctly rounded
 * double; sets {@link numberEnd}. The decimal digits are gathered into a mantissa m and a power of ten e:
 * - m < 2^53 and |e| ≤ 22: m and 10^|e| are exact doubles, so one multiplication or division is the correctly
 *   rounded double (Clinger's fast path) — the common case for short decimals;
 * - more digits (a 17-digit shortest double such as 0.10000000149011612): m·10^e is within 2^-46 of the exact
 *   value; rounding to Float32 is then decided when both ends of a band of ±2^-40 around it round to the same
 *   Float32 (every value between them does, the correctly rounded double included). A Float32 rounding boundary
 *   lies in the band with a probability of about 2^-16; then, and for anything else, `Number(literal)` decides.
 * Integer literals that are not safe integers, and values that are not finite as a double or as a Float32, are
 * not scanned (`JSON.parse` and validation give their treatment).
 */
function readNumber(text: string, start: number): number {
  let i = start;
  let c = text.charCodeAt(i);
  let negative = false;
  if (c === 0x2d) {
    negative = true;
    c = text.charCodeAt(++i);
  }
  // The literal without its sign, for `Number` when the fast conversion cannot decide.
  const unsigned = i;
  let m = 0;
  let digits = 0;
  let e = 0;
  if (c === 0x30) {
    c = text.charCodeAt(++i);
    if (c >= 0x30 && c <= 0x39) throw NOT_SCANNED; // a leading zero
  } else if (c >= 0x31 && c <= 0x39) {
    do {
      m = m * 10 + (c - 0x30);
      digits++;
      c = text.charCodeAt(++i);
    } while (c >= 0x30 && c <= 0x39);
  } else {
    throw NOT_SCANNED;
  }
  let integer = true;
  if (c === 0x2e) {
    integer = false;
    c = text.charCodeAt(++i);
    if (!(c >= 0x30 && c <= 0x39)) throw NOT_SCANNED;
    do {
      m = m * 10 + (c - 0x30);
      if (m !== 0) digits++;
      e--;
      c = text.charCodeAt(++i);
    } while (c >= 0x30 && c <= 0x39);
  }
  if (c === 0x65 || c === 0x45) {
    integer = false;
    c = text.charCodeAt(++i);
    let negativeExponent = false;
    if (c === 0x2b || c === 0x2d) {
      negativeExponent = c === 0x2d;
      c = text.charCodeAt(++i);
    }
    if (!(c >= 0x30 && c <= 0x39)) throw NOT_SCANNED;
    let x = 0;
    do {
      if (x < 100_000) x = x * 10 + (c - 0x30);
      c = text.charCodeAt(++i);
    } while (c >= 0x30 && c <= 0x39);
    e += negativeExponent ? -x : x;
  }
  numberEnd = i;
  // An integer literal beyond the safe range is an exact (bigint) integer to the general path, refused in a vector.
  if (integer && m > Number.MAX_SAFE_INTEGER) throw NOT_SCANNED;
  let f: number;
  if (m === 0) {
    f = 0;
  } else if (e >= -22 && e <= 22 && digits <= 40) {
    const v = e < 0 ? m / POW10[-e]! : m * POW10[e]!;
    if (m < TWO_53) {
      f = Math.fround(v);
    } else {
      f = Math.fround(v * (1 - MARGIN));
      if (Math.fround(v * (1 + MARGIN)) !== f) f = Math.fround(Number(text.slice(unsigned, i)));
    }
  } else {
    f = Math.fround(Number(text.slice(unsigned, i)));
  }
  if (!Number.isFinite(f)) throw NOT_SCANNED;
  return negative ? -f : f;
}

/** A growable Float32 buffer of vectors. */
class Rows {
  data: Float32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Float32Array(capacity);
  }
  push(x: number): void {
    if (this.length === this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = x;
  }
}

/** The plain dense vector at `i` into `rows`; returns its length. Sets {@link sepEnd} after the `]`. */
function readVector(text: string, i: number, rows: Rows): number {
  i = expect(text, i, 0x5b);
  if (text.charCodeAt(i) === 0x5d) throw NOT_SCANNED; // empty: the general path reports the dimension
  let n = 0;
  for (;;) {
    rows.push(readNumber(text, i));
    n++;
    const j = numberEnd;
    const c = text.charCodeAt(j);
    // The common separator without whitespace first.
    if (c === 0x2c) {
      i = j + 1;
      const d = text.charCodeAt(i);
      if (d < 128 && WS[d] === 1) i = skipWs(text, i);
      continue;
    }
    if (c === 0x5d) {
      sepEnd = skipWs(text, j + 1);
      return n;
    }
    if (!nextOrClose(text, skipWs(text, j), 0x5d)) return n;
    i = sepEnd;
  }
}

/** The point id at `i` (an unsigned safe integer or a UUID string); sets {@link sepEnd} after it. */
function readId(text: string, i: number): PointId {
  if (text.charCodeAt(i) === 0x22) {
    const close = plainStringEnd(text, i);
    sepEnd = skipWs(text, close + 1);
    try {
      return parsePointId(text.slice(i + 1, close));
    } catch {
      throw NOT_SCANNED;
    }
  }
  // Digits only (`1.0`, `1e3` and `-1` are left to the general path), no leading zero, at most 2^53−1.
  let j = i;
  let id = 0;
  for (let c = text.charCodeAt(j); c >= 0x30 && c <= 0x39; c = text.charCodeAt(++j)) id = id * 10 + (c - 0x30);
  const next = text.charCodeAt(j);
  if (j === i || (j - i > 1 && text.charCodeAt(i) === 0x30) || next === 0x2e || next === 0x65 || next === 0x45 || id > Number.MAX_SAFE_INTEGER) throw NOT_SCANNED;
  sepEnd = skipWs(text, j);
  return id;
}

/** The payload at `i` (an object or null), checked as validation would; sets {@link sepEnd} after it. */
function readPayload(text: string, i: number): Payload | null {
  if (text.startsWith('null', i)) {
    sepEnd = skipWs(text, i + 4);
    return null;
  }
  if (text.charCodeAt(i) !== 0x7b) throw NOT_SCANNED;
  const end = endOfValue(text, i);
  if (end < 0) throw NOT_SCANNED;
  const source = text.slice(i, end);
  let value: unknown;
  try {
    value = JSON.parse(source);
    // Integers beyond ±(2^53−1) are kept exactly in payloads (as bigints), as on the general path.
    if (holdsLargeNumber(value)) value = parseExactJson(source);
  } catch {
    throw NOT_SCANNED;
  }
  // A payload sits at depth 4 (body → points → point → payload).
  if (!isObject(value) || !isPlainJsonAt(value, 4)) throw NOT_SCANNED;
  sepEnd = skipWs(text, end);
  return value;
}

/** serde_json's recursion limit, as validation applies it. */
const MAX_DEPTH = 128;

/**
 * True when `value`, at nesting depth `depth` of the body (the body is depth 1), passes validation's guard on
 * free-form JSON: every number finite, nesting within serde_json's limit.
 */
function isPlainJsonAt(value: unknown, depth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, depth]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return false;
    } else if (typeof v === 'object' && v !== null) {
      if (d > MAX_DEPTH) return false;
      for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push([x, d + 1]);
    }
  }
  return true;
}

/** What {@link readPoint} collects. */
interface Points {
  readonly ids: PointId[];
  readonly payloads: Array<Payload | null>;
  readonly rows: Rows;
  dim: number;
}

/** A vector at `i` into `out.rows`, of the length of the others; sets {@link sepEnd} after it. */
function readRow(text: string, i: number, out: Points): void {
  const n = readVector(text, i, out.rows);
  if (out.dim === 0) out.dim = n;
  else if (n !== out.dim) throw NOT_SCANNED;
}

/** The point object at `i` into `out`; returns (and sets {@link sepEnd} to) the index after it. */
function readPoint(text: string, i: number, out: Points): number {
  i = expect(text, i, 0x7b);
  let id: PointId | undefined;
  let payload: Payload | null | undefined;
  let vector = false;
  if (text.charCodeAt(i) === 0x7d) throw NOT_SCANNED;
  for (;;) {
    const key = readKey(text, i);
    i = keyEnd;
    if (key === 'id' && id === undefined) {
      id = readId(text, i);
    } else if (key === 'vector' && !vector) {
      vector = true;
      readRow(text, i, out);
    } else if (key === 'payload' && payload === undefined) {
      payload = readPayload(text, i);
    } else {
      throw NOT_SCANNED; // a repeated or another key
    }
    if (!nextOrClose(text, sepEnd, 0x7d)) break;
    i = sepEnd;
  }
  if (id === undefined || !vector) throw NOT_SCANNED;
  out.ids.push(id);
  out.payloads.push(payload ?? null);
  return sepEnd;
}

/**
 * The elements of the non-empty array at `i`, each read by `read` (which sets {@link sepEnd} after it), with a yield
 * after every slice when `slices`; returns the index after the array.
 */
async function readList(text: string, i: number, slices: boolean, read: (at: number) => void): Promise<number> {
  i = expect(text, i, 0x5b);
  if (text.charCodeAt(i) === 0x5d) throw NOT_SCANNED;
  for (let n = 1; ; n++) {
    read(i);
    if (!nextOrClose(text, sepEnd, 0x5d)) return sepEnd;
    i = sepEnd;
    if (slices && n % SLICE_POINTS === 0) await yieldToEventLoop();
  }
}

/** The `batch` object at `i` (ids, vectors and payloads as columns) into `out`; returns the index after it. */
async function readBatch(text: string, i: number, out: Points, slices: boolean): Promise<number> {
  i = expect(text, i, 0x7b);
  if (text.charCodeAt(i) === 0x7d) throw NOT_SCANNED;
  let ids = false;
  let rows = -1;
  let payloads: boolean | null = false;
  for (;;) {
    const key = readKey(text, i);
    i = keyEnd;
    if (key === 'ids' && !ids) {
      ids = true;
      i = await readList(text, i, false, (at) => void out.ids.push(readId(text, at)));
    } else if (key === 'vectors' && rows < 0) {
      rows = 0;
      i = await readList(text, i, slices, (at) => {
        readRow(text, at, out);
        rows++;
      });
    } else if (key === 'payloads' && payloads === false) {
      if (text.startsWith('null', i)) {
        payloads = null;
        i = skipWs(text, i + 4);
      } else {
        payloads = true;
        i = await readList(text, i, slices, (at) => void out.payloads.push(readPayload(text, at)));
      }
    } else {
      throw NOT_SCANNED;
    }
    if (!nextOrClose(text, i, 0x7d)) break;
    i = sepEnd;
  }
  const next = sepEnd;
  // Columns of unequal length are for the general path to report.
  if (!ids || rows !== out.ids.length || (payloads === true && out.payloads.length !== rows)) throw NOT_SCANNED;
  if (payloads !== true) for (let k = 0; k < rows; k++) out.payloads.push(null);
  return next;
}

/**
 * The upsert body `text` as a {@link ScannedUpsert} whose members beside the points are still to be validated;
 * or `undefined` when it is not a body this scanner reads (see the module comment): the general path then parses
 * and validates it.
 * @param slices yield to the event loop between slices of points (on the main thread; not in a worker)
 */
export async function scanUpsert(text: string, slices = true): Promise<ScannedUpsert | undefined> {
  try {
    return await scan(text, slices);
  } catch (e) {
    if (e instanceof NotScanned) return undefined;
    throw e;
  }
}

async function scan(text: string, slices: boolean): Promise<ScannedUpsert> {
  let i = expect(text, skipWs(text, 0), 0x7b);
  const members: Record<string, unknown> = {};
  // Room for one component per 16 characters of text (a 17-digit component and its comma take 20), grown when short.
  const out: Points = { ids: [], payloads: [], rows: new Rows(Math.max(1024, text.length >> 4)), dim: 0 };
  let form: 'points' | 'batch' | undefined;
  if (text.charCodeAt(i) === 0x7d) throw NOT_SCANNED;
  for (;;) {
    const key = readKey(text, i);
    i = keyEnd;
    if (key === 'points' && form === undefined) {
      form = 'points';
      i = await readList(text, i, slices, (at) => void readPoint(text, at, out));
    } else if (key === 'batch' && form === undefined) {
      form = 'batch';
      i = await readBatch(text, i, out, slices);
    } else if (ENVELOPE_KEYS.has(key) && !Object.hasOwn(members, key)) {
      const end = endOfValue(text, i);
      if (end < 0) throw NOT_SCANNED;
      let value: unknown;
      try {
        value = JSON.parse(text.slice(i, end));
      } catch {
        throw NOT_SCANNED;
      }
      if (holdsLargeNumber(value)) throw NOT_SCANNED;
      members[key] = value;
      i = skipWs(text, end);
    } else {
      throw NOT_SCANNED;
    }
    if (!nextOrClose(text, i, 0x7d)) break;
    i = sepEnd;
  }
  if (sepEnd !== text.length || form === undefined) throw NOT_SCANNED;
  const { ids, payloads, rows, dim } = out;
  // The rows live until the collection has copied them: no more than a quarter of room to spare.
  const vectors = rows.data.length > rows.length * 1.25 ? rows.data.slice(0, rows.length) : rows.data.subarray(0, rows.length);
  return new ScannedUpsert(members, form, ids, dim, vectors, payloads);
}
