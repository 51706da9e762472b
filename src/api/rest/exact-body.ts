/**
 * Where a REST body may carry exact 64-bit integers. Payload values (`payload`, `payloads`) and filter values
 * (`match`, `range`, `order_by.start_from`) keep an integer beyond ±(2^53−1) exactly, as Qdrant keeps i64 payload integers; anywhere
 * else (ids, limits, vectors, …) such an integer literal is refused with 400 rather than rounded to another value
 * (point ids are limited to 2^53−1, see README "Differences").
 */
import { AppError } from '../../errors.js';

const EXACT_KEYS = new Set(['payload', 'payloads', 'match', 'range', 'start_from']);
/** Free-form configuration: no key below it makes a value exact. */
const STRICT_KEYS = new Set(['metadata']);

function pathOf(parts: readonly (string | number)[]): string {
  let out = '';
  for (const part of parts) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}

/**
 * Checks a body parsed with exact integers (`parseExactJson`).
 * @throws AppError(BODY_VALIDATION) naming the first bigint outside a payload or a filter value
 */
export function checkExactIntegers(body: unknown): void {
  const stack: Array<{ value: unknown; path: readonly (string | number)[]; strict: boolean }> = [{ value: body, path: [], strict: false }];
  while (stack.length > 0) {
    const { value, path, strict } = stack.pop()!;
    if (typeof value === 'bigint') {
      throw new AppError('BODY_VALIDATION', [
        `${pathOf(path)}: integer ${value} is outside ±2^53−1 (${Number.MAX_SAFE_INTEGER}); Quiver keeps larger integers exactly only in payloads and filter values`,
      ]);
    }
    if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push({ value: v, path: [...path, i], strict }));
    } else if (typeof value === 'object' && value !== null) {
      for (const k of Object.keys(value)) {
        if (strict || !EXACT_KEYS.has(k)) stack.push({ value: (value as Record<string, unknown>)[k], path: [...path, k], strict: strict || STRICT_KEYS.has(k) });
      }
    }
  }
}
