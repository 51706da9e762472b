/**
 * The building blocks of the config schema: leaf validators (which also coerce environment strings to the
 * key's type) and the section type that ties a typed defaults object to its validators at compile time.
 * No defaults live here; see `schema.ts`.
 */
import { isIP } from 'node:net';
import { isObject } from '../json.js';

/** Returned by a leaf's `coerce` when the value cannot be used. */
export const INVALID: unique symbol = Symbol('invalid config value');
/** The type of {@link INVALID}. */
export type Invalid = typeof INVALID;

/** Validates (and, for strings from the environment, converts) the value of one key. */
export interface LeafSpec<T> {
  readonly kind: 'leaf';
  /** What a valid value looks like, for error messages: `an integer between 0 and 65535`. */
  readonly expected: string;
  /**
   * Returns the value to store, or {@link INVALID}.
   * @param value - a YAML value, or a string from an environment variable
   * @param fromEnv - true for environment values: `null` then means null for nullable keys
   */
  readonly coerce: (value: unknown, fromEnv: boolean) => T | Invalid;
  /** A filesystem path: `loadConfig` resolves it against `cwd`. */
  readonly isPath?: boolean;
  /** A secret: never echoed in error messages; an empty string is treated as unset with a warning. */
  readonly secret?: boolean;
}

/**
 * A mapping of keys. A nullable section (value `null` by default) also has a `template`: the value it starts
 * from when a layer first sets one of its keys (see {@link NodeSpec}).
 */
export interface SectionSpec<S> {
  readonly kind: 'section';
  readonly fields: { readonly [K in keyof S]-?: NodeSpec<S[K]> };
  /** Alternative key names accepted on input (Qdrant serde aliases), mapped to the canonical key. */
  readonly aliases?: Readonly<Record<string, keyof S & string>>;
}

type IsSection<T> = [NonNullable<T>] extends [readonly unknown[]] ? false
  : [NonNullable<T>] extends [object] ? true : false;

/**
 * The spec for a value of type `T`: always a leaf is possible; a section is possible for objects, and a
 * nullable object needs a template. This makes the compiler check that the schema covers every key of the
 * config type, with a validator of the right type.
 */
export type NodeSpec<T> = LeafSpec<T> | (IsSection<T> extends true
  ? null extends T
    ? SectionSpec<NonNullable<T>> & { readonly template: NonNullable<T> }
    : SectionSpec<NonNullable<T>> & { readonly template?: undefined }
  : never);

/** The untyped view of a spec tree that the loader walks. */
export type AnyLeaf = LeafSpec<unknown>;
/** The untyped view of a section spec. */
export interface AnySection {
  readonly kind: 'section';
  readonly fields: Readonly<Record<string, AnyNode>>;
  readonly aliases?: Readonly<Record<string, string>> | undefined;
  readonly template?: unknown;
}
/** Any node of a spec tree. */
export type AnyNode = AnyLeaf | AnySection;

/** Declares a section: `section({ m: int({ min: 0 }), … })`. */
export function section<S>(
  fields: NoInfer<SectionSpec<S>['fields']>,
  options: { aliases?: NoInfer<Readonly<Record<string, keyof S & string>>> } = {},
): SectionSpec<S> & { readonly template?: undefined } {
  return { kind: 'section', fields, ...(options.aliases === undefined ? {} : { aliases: options.aliases }) };
}

/** Declares a nullable section (default `null`); `template` is where it starts when a layer sets one of its keys. */
export function nullableSection<S>(
  fields: NoInfer<SectionSpec<S>['fields']>,
  template: NoInfer<S>,
): SectionSpec<S> & { readonly template: S } {
  return { kind: 'section', fields, template };
}

/** Declares a leaf from a coercion function. */
export function leaf<T>(
  expected: string,
  coerce: (value: unknown, fromEnv: boolean) => T | Invalid,
  flags: { isPath?: boolean; secret?: boolean } = {},
): LeafSpec<T> {
  return { kind: 'leaf', expected, coerce, ...flags };
}

function rangeText(min: number, max: number): string {
  const hasMin = Number.isFinite(min) && min > -Number.MAX_SAFE_INTEGER;
  const hasMax = Number.isFinite(max) && max < Number.MAX_SAFE_INTEGER;
  if (hasMin && hasMax) return ` between ${min} and ${max}`;
  if (hasMin) return ` >= ${min}`;
  if (hasMax) return ` <= ${max}`;
  return '';
}

const INT_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** An integer, optionally bounded (inclusive). Strings of decimal digits are accepted (environment values). */
export function int(bounds: { min?: number; max?: number } = {}): LeafSpec<number> {
  const min = bounds.min ?? -Number.MAX_SAFE_INTEGER;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  return leaf(`an integer${rangeText(min, max)}`, (value) => {
    let n = value;
    if (typeof value === 'string') {
      const text = value.trim();
      if (!INT_TEXT.test(text)) return INVALID;
      n = Number(text);
    }
    return typeof n === 'number' && Number.isSafeInteger(n) && n >= min && n <= max ? n : INVALID;
  });
}

/** A finite number, optionally bounded (inclusive). */
export function float(bounds: { min?: number; max?: number } = {}): LeafSpec<number> {
  const min = bounds.min ?? -Number.MAX_VALUE;
  const max = bounds.max ?? Number.MAX_VALUE;
  return leaf(`a number${rangeText(min, max)}`, (value) => {
    let n = value;
    if (typeof value === 'string') {
      const text = value.trim();
      if (!FLOAT_TEXT.test(text)) return INVALID;
      n = Number(text);
    }
    return typeof n === 'number' && Number.isFinite(n) && n >= min && n <= max ? n : INVALID;
  });
}

const TRUE_TEXT = new Set(['true', '1', 'yes', 'on']);
const FALSE_TEXT = new Set(['false', '0', 'no', 'off']);

/** A boolean; from strings `true/false/1/0` (also `yes/no/on/off`), case-insensitive. */
export function bool(): LeafSpec<boolean> {
  return leaf('a boolean (true or false)', (value) => {
    if (typeof value === 'boolean') return value;
    if (value === 1 || value === 0) return value === 1;
    if (typeof value !== 'string') return INVALID;
    const text = value.trim().toLowerCase();
    if (TRUE_TEXT.has(text)) return true;
    if (FALSE_TEXT.has(text)) return false;
    return INVALID;
  });
}

/** A string, by default non-empty; `check` can narrow it further (its `expected` text replaces the default). */
export function str(options: { expected?: string; check?: (text: string) => boolean; secret?: boolean } = {}): LeafSpec<string> {
  const check = options.check ?? ((text: string): boolean => text.length > 0);
  return leaf(
    options.expected ?? 'a non-empty string',
    (value) => (typeof value === 'string' && check(value) ? value : INVALID),
    options.secret === true ? { secret: true } : {},
  );
}

/** A filesystem path (non-empty string), resolved against `cwd` by the loader. */
export function path(): LeafSpec<string> {
  return { ...str({ expected: 'a non-empty path' }), isPath: true };
}

/** One of a fixed set of strings, matched case-insensitively and stored in its canonical spelling. */
export function oneOf<const V extends string>(values: readonly V[]): LeafSpec<V> {
  return leaf(`one of ${values.map((v) => JSON.stringify(v)).join(', ')}`, (value) => {
    if (typeof value !== 'string') return INVALID;
    const text = value.trim().toLowerCase();
    return values.find((v) => v.toLowerCase() === text) ?? INVALID;
  });
}

/**
 * Allows `null`. An empty (or blank) string also means null, from any source; the string `null` means null
 * only in environment values (in YAML, write a real `null`).
 */
export function nullable<T>(spec: LeafSpec<T>): LeafSpec<T | null> {
  return {
    ...spec,
    expected: `${spec.expected}, or null`,
    coerce: (value, fromEnv) => {
      if (value === null) return null;
      if (typeof value === 'string') {
        const text = value.trim();
        if (text === '' || (fromEnv && text.toLowerCase() === 'null')) return null;
      }
      return spec.coerce(value, fromEnv);
    },
  };
}

/**
 * A list of strings. From a string: a JSON array (`["a","b"]`) or a comma-separated list (`a, b`); the empty
 * string is the empty list.
 */
/**
 * A list of objects (JSON text from the environment; `null` or `""` = empty), each checked by `item`, which sees
 * the items accepted so far (to refuse duplicates).
 */
export function objectList<T>(expected: string, item: (value: unknown, accepted: readonly T[]) => T | Invalid): LeafSpec<T[]> {
  return leaf(expected, (value) => {
    let items: unknown = value;
    if (typeof value === 'string') {
      try {
        items = value.trim() === '' ? [] : (JSON.parse(value) as unknown);
      } catch {
        return INVALID;
      }
    }
    if (items === null) return [];
    if (!Array.isArray(items)) return INVALID;
    const out: T[] = [];
    for (const raw of items as unknown[]) {
      const parsed = item(raw, out);
      if (parsed === INVALID) return INVALID;
      out.push(parsed);
    }
    return out;
  });
}

export function stringList(expected: string, item: LeafSpec<string> = str()): LeafSpec<string[]> {
  return leaf(expected, (value, fromEnv) => {
    let items: unknown = value;
    if (typeof value === 'string') {
      const text = value.trim();
      if (text.startsWith('[')) {
        try {
          items = JSON.parse(text) as unknown;
        } catch {
          return INVALID;
        }
      } else {
        items = text === '' ? [] : text.split(',').map((part) => part.trim()).filter((part) => part !== '');
      }
    }
    if (!Array.isArray(items)) return INVALID;
    const out: string[] = [];
    for (const entry of items as unknown[]) {
      const coerced = item.coerce(entry, fromEnv);
      if (coerced === INVALID) return INVALID;
      out.push(coerced);
    }
    return out;
  });
}

/** True for an IPv4/IPv6 address or a CIDR range (`10.0.0.0/8`, `fd00::/8`). */
export function isIpOrCidr(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash === -1) return isIP(text) !== 0;
  const family = isIP(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** True for a browser origin as sent in the `Origin` header: `https://app.example.com[:port]`, nothing after. */
export function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
  } catch {
    return false;
  }
}

/** Describes a value for an error message; secrets are never echoed. */
export function describeValue(value: unknown, secret = false): string {
  if (value === null || value === undefined) return String(value);
  const kind = Array.isArray(value) ? 'list' : typeof value === 'object' ? 'mapping' : typeof value;
  if (secret) return `a ${kind} (value hidden)`;
  let text: string;
  try {
    text = typeof value === 'number' || typeof value === 'boolean' ? String(value) : (JSON.stringify(value) ?? kind);
  } catch {
    text = `a ${kind}`;
  }
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** A plain mapping (YAML mapping / JSON object), not an array. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return isObject(value);
}
