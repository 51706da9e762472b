/**
 * `quiver audit verify [DIR]`: checks the audit log's hash chain and checkpoint (**Quiver**). Exits 0 when the
 * log is intact, 1 naming the first bad line when it is not, 2 on a usage error (including: no key to check with).
 *
 * The key, in order: `--key-file FILE` (derived as for `audit.hmac_key_file`), the key from the configuration
 * (`audit.hmac_key`, `audit.hmac_key_file` or `service.api_key`), then the directory's own `.audit-key`.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isDirectory } from '../auth/audit/audit-fs.js';
import { keyFromFile, readDirectoryKey } from '../auth/audit/key.js';
import { verifyAuditDir } from '../auth/audit/verify.js';
import { EXIT, reportError, UsageError } from './args.js';

/** What `runAuditCommand` needs from its caller. */
export interface AuditCommandContext {
  readonly config: {
    /** `audit.dir`, used when no DIR is given. */
    readonly dir: string;
    /** The configured chain key (`configuredAuditKey`), or null to use the directory's `.audit-key`. */
    readonly hmacKey: Buffer | null;
  };
  /** Standard output, one call per line. */
  readonly out: (s: string) => void;
  /** Standard error, one call per line. */
  readonly err: (s: string) => void;
}

export const AUDIT_USAGE = `usage:
  quiver audit verify [DIR] [--key-file FILE]
Checks the audit log in DIR (default: audit.dir) for edited, deleted, inserted, reordered or truncated lines.
Exit status: 0 intact, 1 tampered or unreadable (the first bad line is named), 2 usage error.`;

function verify(args: string[], ctx: AuditCommandContext): number {
  const { values, positionals } = parseArgs({
    args,
    options: { 'key-file': { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const dir = positionals[0] ?? ctx.config.dir;
  if (!isDirectory(dir)) throw new Error(`${dir} is not a directory`);
  const keyFile = values['key-file'];
  const key = keyFile !== undefined ? keyFromFile(keyFile) : (ctx.config.hmacKey ?? readDirectoryKey(dir));
  if (key === null) {
    throw new UsageError(
      `no audit key for ${dir}: configure audit.hmac_key or audit.hmac_key_file (or service.api_key), or pass --key-file`,
    );
  }
  const result = verifyAuditDir(dir, key);
  if (result.ok) {
    ctx.out(`audit log intact: ${result.lines} line${result.lines === 1 ? '' : 's'} in ${dir}`);
    return EXIT.ok;
  }
  const where = result.line > 0 ? `${join(dir, result.file)} line ${result.line}` : join(dir, result.file);
  ctx.err(`audit log verification failed: ${where}: ${result.reason}`);
  return EXIT.failure;
}

/**
 * Runs `quiver audit …`.
 * @param argv - the arguments after `audit`, e.g. `['verify', './storage/audit']`
 * @returns the exit status: 0 intact, 1 verification failed or the log could not be read, 2 usage error
 */
export function runAuditCommand(argv: string[], ctx: AuditCommandContext): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'verify':
        return Promise.resolve(verify(rest, ctx));
      case 'help':
      case '--help':
      case '-h':
        ctx.out(AUDIT_USAGE);
        return Promise.resolve(EXIT.ok);
      default:
        ctx.err(sub === undefined ? 'error: missing subcommand' : `error: unknown subcommand "${sub}"`);
        ctx.err(AUDIT_USAGE);
        return Promise.resolve(EXIT.usage);
    }
  } catch (e) {
    return Promise.resolve(reportError(e, ctx.err));
  }
}
