/**
 * Argument parsing shared by `quiver keys` and `quiver jwt`: access specs, durations, `value_exists` specs.
 * Every parser throws {@link UsageError} with a message fit for the terminal.
 */
import { parseAccessClaim, type Access } from '../auth/access.js';
import type { MatchValue, ValueExistsClaim } from '../auth/jwt.js';
import { parseRfc3339 } from '../auth/keys-file.js';

/** A bad command line: the command prints the message and exits with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit statuses of the CLI commands. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * Prints an error and returns its exit status: 2 for a usage error (ours, or one of `parseArgs`'s
 * `ERR_PARSE_ARGS_*` errors for unknown or malformed options), 1 otherwise.
 */
export function reportError(e: unknown, print: (s: string) => void): number {
  print(`error: ${(e as Error).message}`);
  const code = (e as { code?: unknown }).code;
  const usage = e instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
  return usage ? EXIT.usage : EXIT.failure;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** A relative duration `90d`, `24h`, `30m`, `45s`, `2w` in seconds; `undefined` when `text` is not one. */
export function parseDurationSeconds(text: string): number | undefined {
  const m = /^(\d{1,9})([smhdw])$/.exec(text);
  if (m === null) return undefined;
  const seconds = Number(m[1]) * (UNIT_SECONDS[m[2] as string] as number);
  return seconds > 0 ? seconds : undefined;
}

/**
 * An expiry: a duration from `now` (`90d`, `24h`) or an RFC 3339 instant. It must lie in the future.
 * @param flag - the option name, for messages
 */
export function parseExpiry(text: string, now: Date, flag: string): Date {
  const seconds = parseDurationSeconds(text);
  const at = seconds === undefined ? parseRfc3339(text) : new Date(now.getTime() + seconds * 1000);
  if (at === undefined) {
    throw new UsageError(`${flag} must be a duration such as 90d, 24h, 30m, or an RFC 3339 time such as 2026-01-01T00:00:00Z`);
  }
  if (at.getTime() <= now.getTime()) throw new UsageError(`${flag} must be in the future`);
  return at;
}

/** One `collection:mode` grant; the mode follows the last `:` so names may contain colons. */
function parseGrant(spec: string): { collection: string; access: string } {
  const at = spec.lastIndexOf(':');
  if (at <= 0) throw new UsageError(`"${spec}" is not collection:mode (mode r, rw or prw)`);
  return { collection: spec.slice(0, at), access: spec.slice(at + 1) };
}

/**
 * An access from the command line: `--access r|m|c1:rw,c2:r` plus any number of `--collection c:mode`.
 * Global and per-collection access cannot be mixed.
 */
export function parseAccessSpec(access: string | undefined, collections: readonly string[] = []): Access {
  if (access === undefined && collections.length === 0) {
    throw new UsageError('give --access r|m|collection:mode,… or at least one --collection collection:mode');
  }
  if (access === 'r' || access === 'm') {
    if (collections.length > 0) throw new UsageError(`--access ${access} is global; it cannot be combined with --collection`);
    return parseAccessClaim(access);
  }
  const specs = [...(access === undefined ? [] : access.split(',')), ...collections];
  try {
    return parseAccessClaim(specs.map(parseGrant));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message);
  }
}

function parseMatchValue(raw: string): MatchValue {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return raw; // a bare word: a string
  }
  if (typeof value === 'string' || typeof value === 'boolean' || Number.isSafeInteger(value)) return value as MatchValue;
  throw new UsageError(`value_exists value ${raw} must be a string, an integer, true or false`);
}

/**
 * `--value-exists collection:key=value`, repeatable with the same collection (all matches must hold).
 * The value is JSON when it parses as a string, integer or boolean (`id=42`, `ok=true`, `id="42"`), else text.
 */
export function parseValueExists(specs: readonly string[]): ValueExistsClaim | undefined {
  if (specs.length === 0) return undefined;
  let collection: string | undefined;
  const matches: Array<{ key: string; value: MatchValue }> = [];
  for (const spec of specs) {
    const m = /^([^:]+):([^=]+)=(.*)$/s.exec(spec);
    if (m === null) throw new UsageError(`--value-exists "${spec}" is not collection:key=value`);
    const [, c, key, raw] = m as unknown as [string, string, string, string];
    if (collection !== undefined && c !== collection) {
      throw new UsageError('--value-exists: every match must name the same collection');
    }
    collection = c;
    matches.push({ key, value: parseMatchValue(raw) });
  }
  return { collection: collection as string, matches };
}
