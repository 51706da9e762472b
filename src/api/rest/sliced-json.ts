/**
 * Large request bodies without a long stall of the event loop. `JSON.parse` of a 2,000 × 128 upsert (~5 MB) takes
 * tens to hundreds of milliseconds in one call, during which no other request (not even `/healthz`) is answered.
 *
 * {@link parseJsonInSlices} parses a top-level object whose big members are arrays (`points`, `operations`, …) a
 * slice of elements at a time, yielding to the event loop between slices; each slice is parsed by `JSON.parse`
 * (the result is exactly what `JSON.parse` gives for the whole text). Anything it does not handle — another
 * top-level shape, a `__proto__` member, malformed text — is handed to `JSON.parse` whole, so errors (and their
 * messages) are `JSON.parse`'s.
 *
 * {@link forEachSlice} runs synchronous per-element work (validation, conversion) over an array the same way.
 */

/** Bodies shorter than this are parsed in one call (below ~1 ms of work). */
export const SLICED_PARSE_MIN_CHARS = 256 * 1024;
/** Elements per slice: ~130 KB of text for 128-dim points, a few ms of parsing. */
const SLICE_ELEMENTS = 128;

/** Lets other callbacks (I/O, timers, other requests) run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs `fn` on each element of `items` in order, yielding to the event loop after every `slice` elements. */
export async function forEachSlice<T>(items: readonly T[], fn: (item: T, index: number) => void, slice = SLICE_ELEMENTS): Promise<void> {
  for (let start = 0; start < items.length; start += slice) {
    if (start > 0) await yieldToEventLoop();
    const end = Math.min(items.length, start + slice);
    for (let i = start; i < end; i++) fn(items[i]!, i);
  }
}

const WS = new Uint8Array(128);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) WS[c] = 1;

/** A JSON parser: `JSON.parse`, or one with exact integers (`exact-json.ts`). */
type Parse = (text: string) => unknown;

/**
 * JSON text → value, like `parse` (default `JSON.parse`), yielding between slices of large top-level arrays (each
 * slice is parsed by `parse`).
 */
export async function parseJsonInSlices(text: string, parse: Parse = JSON.parse): Promise<unknown> {
  if (text.length < SLICED_PARSE_MIN_CHARS) return parse(text);
  try {
    const out = await parseObject(text, parse);
    if (out !== undefined) return out;
  } catch {
    // Malformed somewhere: parsing the whole text gives the error.
  }
  return parse(text);
}

/**
 * A top-level JSON object, or `undefined` for anything else (then `JSON.parse` decides). Checks the object's own
 * punctuation and its arrays' commas; member values and elements are only delimited (strings, bracket depth), and
 * `JSON.parse` checks them. Throws (a SyntaxError of a slice) on malformed text.
 */
async function parseObject(text: string, parse: Parse): Promise<Record<string, unknown> | undefined> {
  let i = skipWs(text, 0);
  if (text.charCodeAt(i) !== 0x7b) return undefined; // {
  i = skipWs(text, i + 1);
  const out: Record<string, unknown> = {};
  if (text.charCodeAt(i) === 0x7d) return skipWs(text, i + 1) === text.length ? out : undefined;
  for (;;) {
    if (text.charCodeAt(i) !== 0x22) return undefined; // "
    const keyEnd = endOfString(text, i);
    if (keyEnd < 0) return undefined;
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    // Assigning `__proto__` would set the prototype; JSON.parse makes it an own property.
    if (key === '__proto__') return undefined;
    i = skipWs(text, keyEnd);
    if (text.charCodeAt(i) !== 0x3a) return undefined; // :
    const start = skipWs(text, i + 1);
    let end: number;
    if (text.charCodeAt(start) === 0x5b) {
      const array = await parseArray(text, start, parse);
      if (array === undefined) return undefined;
      out[key] = array.value;
      end = array.end;
    } else {
      end = endOfValue(text, start);
      if (end < 0) return undefined;
      out[key] = parse(text.slice(start, end));
    }
    i = skipWs(text, end);
    const c = text.charCodeAt(i);
    if (c === 0x2c) {
      i = skipWs(text, i + 1);
      continue;
    }
    if (c === 0x7d) return skipWs(text, i + 1) === text.length ? out : undefined;
    return undefined;
  }
}

/** The array starting at `start`, parsed a slice of elements at a time with a yield before each slice. */
async function parseArray(text: string, start: number, parse: Parse): Promise<{ value: unknown[]; end: number } | undefined> {
  const value: unknown[] = [];
  let i = skipWs(text, start + 1);
  if (text.charCodeAt(i) === 0x5d) return { value, end: i + 1 };
  for (;;) {
    const first = i;
    let last = i;
    let closed = false;
    for (let n = 0; n < SLICE_ELEMENTS; n++) {
      last = endOfValue(text, i);
      if (last < 0) return undefined;
      i = skipWs(text, last);
      const c = text.charCodeAt(i);
      if (c === 0x5d) {
        closed = true;
        break;
      }
      if (c !== 0x2c) return undefined;
      i = skipWs(text, i + 1);
    }
    // The elements with the commas between them: a valid array text when each element is valid JSON.
    for (const v of parse(`[${text.slice(first, last)}]`) as unknown[]) value.push(v);
    if (closed) return { value, end: i + 1 };
    await yieldToEventLoop();
  }
}

/** Where a string, an object or an array may end: the next quote or bracket. */
const STRUCTURE = /["[\]{}]/g;

/** The end (exclusive) of the value starting at `i`, by bracket depth and string extent; -1 when it runs off. */
export function endOfValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x22) return endOfString(text, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    STRUCTURE.lastIndex = i;
    for (let m = STRUCTURE.exec(text); m !== null; m = STRUCTURE.exec(text)) {
      const d = text.charCodeAt(m.index);
      if (d === 0x22) {
        const e = endOfString(text, m.index);
        if (e < 0) return -1;
        STRUCTURE.lastIndex = e;
      } else if (d === 0x7b || d === 0x5b) {
        depth++;
      } else if (--depth === 0) {
        return m.index + 1;
      }
    }
    return -1;
  }
  // A number or a literal: up to the next delimiter.
  let j = i;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === 0x2c || d === 0x5d || d === 0x7d || (d < 128 && WS[d] === 1)) break;
    j++;
  }
  return j > i ? j : -1;
}

/** The index after the closing quote of the string starting at `i`; -1 when it is not closed. */
function endOfString(text: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q < 0) return -1;
    // Escaped when preceded by an odd number of backslashes.
    let b = q - 1;
    while (text.charCodeAt(b) === 0x5c) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** The index of the first character from `i` on that is not JSON whitespace. */
export function skipWs(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c >= 128 || WS[c] !== 1) break;
    i++;
  }
  return i;
}
