/**
 * `quiver keys create|list|revoke`: manages the named API keys file (`service.api_keys_file`).
 * A new key is printed once and only its SHA-256 digest is written. A running server picks changes up when
 * it reloads its credentials (SIGHUP or file watch).
 */
import { parseArgs } from 'node:util';
import { formatAccess } from '../auth/access.js';
import {
  generateApiKey,
  hashApiKey,
  isValidKeyName,
  readKeysFile,
  writeKeysFile,
  type NamedKeyEntry,
} from '../auth/keys-file.js';
import { EXIT, parseAccessSpec, parseExpiry, reportError, UsageError } from './args.js';

/** What `runKeysCommand` needs from its caller. */
export interface KeysCommandContext {
  /** Path of the keys file (`service.api_keys_file`). */
  readonly keysFile: string;
  /** Standard output, one call per line. */
  readonly out: (s: string) => void;
  /** Standard error; defaults to `out`. */
  readonly err?: (s: string) => void;
  /** Clock, for `created_at` and expiry. */
  readonly now?: Date;
}

export const KEYS_USAGE = `usage:
  quiver keys create --name NAME (--access r|m|COLLECTION:MODE,… | --collection COLLECTION:MODE …) [--expires 90d|24h|RFC3339]
  quiver keys list
  quiver keys revoke NAME
MODE is r, rw or prw. The new key is printed once; only its SHA-256 digest is stored.`;

function create(args: string[], ctx: KeysCommandContext, now: Date): number {
  const { values, positionals } = parseArgs({
    args,
    options: {
      name: { type: 'string' },
      access: { type: 'string' },
      collection: { type: 'string', multiple: true },
      expires: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const name = values.name;
  if (name === undefined || !isValidKeyName(name)) {
    throw new UsageError('--name must be 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit');
  }
  const access = parseAccessSpec(values.access, values.collection);
  const expiresAt = values.expires === undefined ? undefined : parseExpiry(values.expires, now, '--expires');

  const keys = readKeysFile(ctx.keysFile, { missingOk: true });
  if (keys.some((k) => k.name === name)) throw new Error(`a key named "${name}" already exists; revoke it first`);
  const key = generateApiKey();
  const entry: NamedKeyEntry = {
    name,
    hash: hashApiKey(key),
    access,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    createdAt: now,
  };
  writeKeysFile(ctx.keysFile, [...keys, entry]);
  ctx.out(key);
  (ctx.err ?? ctx.out)(
    `created key "${name}" (access ${formatAccess(access)}, ` +
      `${expiresAt === undefined ? 'no expiry' : `expires ${expiresAt.toISOString()}`}); ` +
      `this is the only time it is shown, only its hash is stored in ${ctx.keysFile}`,
  );
  return EXIT.ok;
}

function list(args: string[], ctx: KeysCommandContext, now: Date): number {
  parseArgs({ args, options: {}, strict: true, allowPositionals: false });
  const keys = readKeysFile(ctx.keysFile, { missingOk: true });
  if (keys.length === 0) {
    ctx.out(`no named keys in ${ctx.keysFile}`);
    return EXIT.ok;
  }
  const rows = [
    ['NAME', 'ACCESS', 'EXPIRES', 'CREATED', 'HASH'],
    ...keys.map((k) => [
      k.name,
      formatAccess(k.access),
      k.expiresAt === undefined
        ? 'never'
        : `${k.expiresAt.toISOString()}${k.expiresAt.getTime() <= now.getTime() ? ' (expired)' : ''}`,
      k.createdAt.toISOString(),
      // A prefix identifies the entry; the full digest stays in the file.
      `${k.hash.slice(0, 'sha256:'.length + 8)}…`,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) ctx.out(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  return EXIT.ok;
}

function revoke(args: string[], ctx: KeysCommandContext): number {
  const { positionals } = parseArgs({ args, options: {}, strict: true, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError('revoke takes exactly one key name');
  const name = positionals[0] as string;
  const keys = readKeysFile(ctx.keysFile, { missingOk: true });
  const remaining = keys.filter((k) => k.name !== name);
  if (remaining.length === keys.length) throw new Error(`no key named "${name}" in ${ctx.keysFile}`);
  writeKeysFile(ctx.keysFile, remaining);
  ctx.out(`revoked key "${name}"`);
  return EXIT.ok;
}

function run(argv: string[], ctx: KeysCommandContext): number {
  const err = ctx.err ?? ctx.out;
  const now = ctx.now ?? new Date();
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'create':
        return create(rest, ctx, now);
      case 'list':
        return list(rest, ctx, now);
      case 'revoke':
        return revoke(rest, ctx);
      case 'help':
      case '--help':
      case '-h':
        ctx.out(KEYS_USAGE);
        return EXIT.ok;
      default:
        err(sub === undefined ? 'error: missing subcommand' : `error: unknown subcommand "${sub}"`);
        err(KEYS_USAGE);
        return EXIT.usage;
    }
  } catch (e) {
    return reportError(e, err);
  }
}

/**
 * Runs `quiver keys …`.
 * @param argv - the arguments after `keys`, e.g. `['create', '--name', 'ci', '--access', 'r']`
 * @returns the exit status: 0 done, 1 failed (file error, duplicate or unknown name), 2 usage error
 */
export function runKeysCommand(argv: string[], ctx: KeysCommandContext): Promise<number> {
  return Promise.resolve(run(argv, ctx));
}
