/**
 * `quiver jwt`: mints a granular access token signed with the configured `service.api_key`, offline.
 * The server accepts it when `service.jwt_rbac` is on.
 */
import { parseArgs } from 'node:util';
import { mintJwt } from '../auth/jwt.js';
import { EXIT, parseAccessSpec, parseExpiry, parseValueExists, reportError, UsageError } from './args.js';

/** What `runJwtCommand` needs from its caller. */
export interface JwtCommandContext {
  /** The configured `service.api_key`; `null` or `""` when none is set. */
  readonly apiKey: string | null;
  /** Standard output: receives the token only. */
  readonly out: (s: string) => void;
  /** Standard error; defaults to `out`. */
  readonly err?: (s: string) => void;
  /** Clock for `exp`. */
  readonly now?: Date;
}

export const JWT_USAGE = `usage:
  quiver jwt --access r|m|COLLECTION:MODE,… --exp 1h|30d|RFC3339|none [--subject TEXT] [--value-exists COLLECTION:KEY=VALUE …]
MODE is r, rw or prw. --exp none mints a token that never expires. The token is signed with service.api_key.`;

async function run(argv: string[], ctx: JwtCommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      access: { type: 'string' },
      exp: { type: 'string' },
      subject: { type: 'string' },
      'value-exists': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help === true) {
    ctx.out(JWT_USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (ctx.apiKey === null || ctx.apiKey === '') {
    throw new Error('no service.api_key is configured: tokens are signed with it');
  }
  if (values.access === undefined) throw new UsageError('--access r|m|collection:mode,… is required');
  const access = parseAccessSpec(values.access);
  // An explicit choice: a token without expiry is valid until the api key changes.
  if (values.exp === undefined) throw new UsageError('--exp is required (a duration such as 1h, an RFC 3339 time, or none)');
  const now = ctx.now ?? new Date();
  const expSeconds = values.exp === 'none'
    ? undefined
    : Math.ceil((parseExpiry(values.exp, now, '--exp').getTime() - now.getTime()) / 1000);
  const valueExists = parseValueExists(values['value-exists'] ?? []);

  const token = await mintJwt(ctx.apiKey, {
    access,
    ...(expSeconds === undefined ? {} : { expSeconds }),
    ...(values.subject === undefined ? {} : { subject: values.subject }),
    ...(valueExists === undefined ? {} : { valueExists }),
  }, now);
  ctx.out(token);
  return EXIT.ok;
}

/**
 * Runs `quiver jwt …`.
 * @param argv - the arguments after `jwt`, e.g. `['--access', 'docs:r', '--exp', '1h']`
 * @returns the exit status: 0 printed a token, 1 no api key configured, 2 usage error
 */
export async function runJwtCommand(argv: string[], ctx: JwtCommandContext): Promise<number> {
  try {
    return await run(argv, ctx);
  } catch (e) {
    return reportError(e, ctx.err ?? ctx.out);
  }
}
