/**
 * The body of `POST /dashboard/api/tokens`, checked and turned into {@link MintOptions}:
 *
 * ```json
 * {"access": "r" | "m" | [{"collection": "docs", "access": "r" | "rw" | "prw"}],
 *  "expires_in": 3600, "subject": "alice",
 *  "value_exists": {"collection": "users", "matches": [{"key": "user", "value": "alice"}]}}
 * ```
 * `access` is required (a token without it would mean manage; the generator makes that explicit);
 * `expires_in` (seconds, omitted or null = never) and the rest are optional.
 */
import { parseAccessClaim } from '../../auth/access.js';
import type { MatchValue, MintOptions } from '../../auth/jwt.js';
import { badInput } from '../../errors.js';

const FIELDS: ReadonlySet<string> = new Set(['access', 'expires_in', 'subject', 'value_exists']);
/** Ten years: longer lifetimes are a typo, and "never" is `null`. */
const MAX_EXPIRES_IN = 10 * 365 * 86_400;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function matchValue(v: unknown, where: string): MatchValue {
  if (typeof v === 'string' || typeof v === 'boolean' || Number.isSafeInteger(v)) return v as MatchValue;
  throw badInput(`${where}: expected a string, an integer or a boolean`);
}

function valueExists(v: unknown): MintOptions['valueExists'] {
  if (!isRecord(v)) throw badInput('value_exists: expected {collection, matches: [{key, value}]}');
  const { collection, matches } = v;
  if (typeof collection !== 'string' || collection === '') throw badInput('value_exists.collection: expected a collection name');
  if (!Array.isArray(matches) || matches.length === 0) throw badInput('value_exists.matches: expected a non-empty list of {key, value}');
  return {
    collection,
    matches: matches.map((m: unknown, i) => {
      if (!isRecord(m) || typeof m['key'] !== 'string' || m['key'] === '') throw badInput(`value_exists.matches[${i}].key: expected a payload key`);
      return { key: m['key'], value: matchValue(m['value'], `value_exists.matches[${i}].value`) };
    }),
  };
}

/**
 * Validates a token request.
 * @throws AppError bad_input naming the first problem
 */
export function parseTokenRequest(body: Record<string, unknown>): MintOptions {
  for (const k of Object.keys(body)) if (!FIELDS.has(k)) throw badInput(`unknown field "${k}"`);
  if (body['access'] === undefined) throw badInput('access: required ("r", "m" or a list of {collection, access})');
  const access = parseAccessClaim(body['access']);
  if (access.kind === 'collections' && access.grants.length === 0) throw badInput('access: grant at least one collection');
  const options: { -readonly [K in keyof MintOptions]: MintOptions[K] } = { access };
  const exp = body['expires_in'];
  if (exp !== undefined && exp !== null) {
    if (!Number.isSafeInteger(exp) || (exp as number) < 1 || (exp as number) > MAX_EXPIRES_IN) {
      throw badInput(`expires_in: expected whole seconds between 1 and ${MAX_EXPIRES_IN}, or null for a token that never expires`);
    }
    options.expSeconds = exp as number;
  }
  const subject = body['subject'];
  if (subject !== undefined && subject !== null && subject !== '') {
    if (typeof subject !== 'string' || subject.length > 256) throw badInput('subject: expected a string of at most 256 characters');
    options.subject = subject;
  }
  if (body['value_exists'] !== undefined && body['value_exists'] !== null) options.valueExists = valueExists(body['value_exists']);
  return options;
}
