/**
 * Integer literals a JSON number cannot carry exactly. Qdrant keeps 64-bit payload integers (and ids, limits, …)
 * exactly; `JSON.parse` turns `9007199254740993` into `9007199254740992` without a word. Quiver stores payloads as
 * JavaScript values, so it refuses such a body instead of storing another number (gRPC refuses the same values
 * in `integer_value`). Floats (`1e20`, `12345678901234567890.0`) are floats in Qdrant too and pass.
 */

/** An integer literal beyond ±2^53−1 and where it stands (`points[0].payload.n`). */
export interface UnsafeInteger {
  readonly literal: string;
  readonly path: string;
}

const SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER).length;

/**
 * True when the parsed `value` holds a number beyond ±2^53−1 (iteratively: bodies may nest deeply). Every such
 * double is integral, but it may have been written as a float (`1e20`): only the text tells.
 */
function holdsLargeNumber(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'number') {
      if (v > Number.MAX_SAFE_INTEGER || v < -Number.MAX_SAFE_INTEGER) return true;
    } else if (Array.isArray(v)) {
      for (const x of v) if (typeof x !== 'number' || x > Number.MAX_SAFE_INTEGER || x < -Number.MAX_SAFE_INTEGER) stack.push(x);
    } else if (typeof v === 'object' && v !== null) {
      for (const k in v) if (Object.hasOwn(v, k)) stack.push((v as Record<string, unknown>)[k]);
    }
  }
  return false;
}

function isUnsafe(literal: string): boolean {
  const digits = literal.startsWith('-') ? literal.slice(1) : literal;
  if (digits.length < SAFE_DIGITS) return false;
  return digits.length > SAFE_DIGITS || BigInt(digits) > BigInt(Number.MAX_SAFE_INTEGER);
}

function pathOf(stack: readonly (string | number)[]): string {
  let out = '';
  for (const part of stack) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}

/**
 * The first integer literal (no fraction, no exponent) in `text` beyond ±2^53−1, or undefined. `parsed` is
 * `JSON.parse(text)`: the text is scanned only when the parsed value holds a number that large (rare), so an
 * ordinary body costs one walk over its parsed numbers.
 */
export function firstUnsafeInteger(text: string, parsed: unknown): UnsafeInteger | undefined {
  if (!holdsLargeNumber(parsed)) return undefined;
  // Per open container: the current key of an object (a string) or the index of an array (a number).
  const stack: Array<string | number> = [];
  const kinds: Array<'{' | '['> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (end >= text.length) return undefined;
      if (expectKey) {
        stack[stack.length - 1] = JSON.parse(text.slice(i, end + 1)) as string;
        expectKey = false;
      }
      i = end;
    } else if (c === '{') {
      kinds.push('{');
      stack.push('');
      expectKey = true;
    } else if (c === '[') {
      kinds.push('[');
      stack.push(0);
    } else if (c === '}' || c === ']') {
      kinds.pop();
      stack.pop();
    } else if (c === ',') {
      const top = stack.length - 1;
      if (kinds[top] === '{') expectKey = true;
      else if (top >= 0) stack[top] = (stack[top] as number) + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let end = i + 1;
      while (end < text.length && /[0-9.eE+-]/.test(text[end]!)) end++;
      const literal = text.slice(i, end);
      if (/^-?\d+$/.test(literal) && isUnsafe(literal)) return { literal, path: pathOf(stack) };
      i = end - 1;
    }
  }
  return undefined;
}
