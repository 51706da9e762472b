/**
 * The command line, one `commander` program: `quiver [options]` runs the server; `keys`, `jwt`, `audit`,
 * `config`, `storage` and `migrate` are subcommands. Conventions, for every command:
 * - `--help` / `-h` and `--version` / `-V` work everywhere; `--config-path FILE` is accepted everywhere;
 * - an error is one line on stderr starting with `error: `;
 * - exit status 0 = done, 1 = the operation failed, 2 = bad command line or configuration (nothing was done).
 */
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../config/config-error.js';
import { QUIVER_VERSION } from '../version.js';
import { configuredAuditKey } from '../auth/audit/key.js';
import { EXIT, reportError } from './args.js';
import { runKeysCommand } from './keys.js';
import { runJwtCommand } from './jwt.js';
import { runAuditCommand } from './audit.js';
import { configCheck } from './config-check.js';
import { migrate } from './migrate.js';
import { storageRekey } from './storage.js';
import { serve, type ServeOptions } from './serve.js';
import { readConfig, type CliIo } from './io.js';
import { isLoopbackHost } from '../config/loopback.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Runs `quiver` with `argv` (without the node and script paths). Resolves with the exit status, or undefined while the server runs. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number | undefined> {
  let status: number | undefined = EXIT.ok;
  const program = new Command('quiver');
  const common = (cmd: Command): Command =>
    cmd
      .version(QUIVER_VERSION, '-V, --version', 'print the version and exit')
      .helpOption('-h, --help', 'show help for this command')
      .option('--config-path <file>', 'a YAML config file applied after config/*.yaml (as in Qdrant)')
      .exitOverride()
      .showSuggestionAfterError(true)
      .configureOutput({
        writeOut: (s) => io.out(s.trimEnd()),
        writeErr: (s) => io.err(s.trimEnd()),
        // One line: commander puts its "(Did you mean …?)" on a second line.
        outputError: (s, write) => write(s.trim().replace(/\n\(Did you mean (.*)\?\)$/, ' (did you mean $1?)')),
      });
  const configPath = (cmd: Command): string | undefined => cmd.optsWithGlobals<{ configPath?: string }>().configPath;
  const loadFor = (cmd: Command): ReturnType<typeof readConfig> => readConfig(configPath(cmd), () => undefined);

  common(program)
    .description('Quiver: a secure-by-default vector database server that speaks Qdrant\'s REST and gRPC APIs.\nWithout a command, runs the server.')
    .option('--uri <uri>', 'Qdrant: this peer\'s URI in a cluster (ignored with a warning: Quiver nodes form a cluster through NATS, cluster.nats)')
    .option('--bootstrap <uri>', 'Qdrant: a peer to join (ignored with a warning: Quiver nodes form a cluster through NATS, cluster.nats)')
    .option('--stacktrace', 'print stack traces of fatal errors')
    .option('--snapshot <path:collection>', 'recover a collection snapshot before listening (repeatable)', collect, [])
    .option('--storage-snapshot <path>', 'recover a full storage snapshot before listening')
    .option('--force-snapshot', 'let --snapshot / --storage-snapshot replace existing collections')
    .option('--disable-telemetry', 'set telemetry_disabled (Quiver sends no telemetry anyway)')
    .action(async (opts: ServeOptions) => {
      status = await serve(opts, io);
    });

  const keys = common(program.command('keys').description('manage named API keys in service.api_keys_file (stored as SHA-256 digests)'));
  const keysRun = async (cmd: Command, args: string[]): Promise<void> => {
    const keysFile = loadFor(cmd).service.api_keys_file;
    if (keysFile === null) {
      io.err('error: set service.api_keys_file (or QDRANT__SERVICE__API_KEYS_FILE) to the keys file to manage');
      status = EXIT.usage;
      return;
    }
    status = await runKeysCommand(args, { keysFile, out: io.out, err: io.err });
  };
  common(keys.command('create').description('create a key; it is printed once'))
    .requiredOption('--name <name>', 'key name (letters, digits, _ . -)')
    .option('--access <spec>', 'r | m | COLLECTION:MODE,… (MODE r, rw or prw)')
    .option('--collection <collection:mode>', 'a per-collection grant (repeatable)', collect, [])
    .option('--expires <when>', 'a duration (90d, 24h) or an RFC 3339 time')
    .action(async (o: { name: string; access?: string; collection: string[]; expires?: string }, cmd: Command) => {
      const args = ['create', '--name', o.name];
      if (o.access !== undefined) args.push('--access', o.access);
      for (const c of o.collection) args.push('--collection', c);
      if (o.expires !== undefined) args.push('--expires', o.expires);
      await keysRun(cmd, args);
    });
  common(keys.command('list').description('list the keys (names, access, expiry; never the keys)')).action(async (_o: unknown, cmd: Command) => keysRun(cmd, ['list']));
  common(keys.command('revoke').description('delete a key').argument('<name>', 'the key\'s name')).action(async (name: string, _o: unknown, cmd: Command) => keysRun(cmd, ['revoke', name]));

  common(program.command('jwt').description('mint a JWT signed with service.api_key (for service.jwt_rbac)'))
    .requiredOption('--access <spec>', 'r | m | COLLECTION:MODE,… (MODE r, rw or prw)')
    .requiredOption('--exp <when>', 'a duration (1h, 30d), an RFC 3339 time, or none')
    .option('--subject <text>', 'the sub claim')
    .option('--value-exists <collection:key=value>', 'revocation check (repeatable)', collect, [])
    .action(async (o: { access: string; exp: string; subject?: string; valueExists: string[] }, cmd: Command) => {
      const args = ['--access', o.access, '--exp', o.exp];
      if (o.subject !== undefined) args.push('--subject', o.subject);
      for (const v of o.valueExists) args.push('--value-exists', v);
      status = await runJwtCommand(args, { apiKey: loadFor(cmd).service.api_key, out: io.out, err: io.err });
    });

  const audit = common(program.command('audit').description('audit log tools'));
  common(audit.command('verify').description('check the audit log\'s hash chain (exit 0 intact, 1 tampered)').argument('[dir]', 'audit directory (default: audit.dir)'))
    .option('--key-file <file>', 'the chain key file (default: from the configuration)')
    .action(async (dir: string | undefined, o: { keyFile?: string }, cmd: Command) => {
      const config = loadFor(cmd);
      const args = ['verify', ...(dir === undefined ? [] : [dir]), ...(o.keyFile === undefined ? [] : ['--key-file', o.keyFile])];
      status = await runAuditCommand(args, { config: { dir: config.audit.dir, hmacKey: configuredAuditKey(config.audit, config.service.api_key) }, out: io.out, err: io.err });
    });

  const config = common(program.command('config').description('configuration tools'));
  common(config.command('check').description('load and validate the configuration, print it with secrets redacted')).action((_o: unknown, cmd: Command) => {
    status = configCheck({ configPath: configPath(cmd) }, io);
  });

  const storage = common(program.command('storage').description('storage tools'));
  common(storage.command('rekey').description('re-encrypt the store under a new key, or encrypt an unencrypted one (server stopped; crash-safe)'))
    .option('--new-key-file <file>', 'file holding the new 32-byte key (64 hex characters or base64)')
    .option('--new-key-env <var>', 'environment variable holding the new key')
    .action(async (o: { newKeyFile?: string; newKeyEnv?: string }, cmd: Command) => {
      status = await storageRekey(loadFor(cmd), o, io);
    });

  common(program.command('migrate').description('copy collections (config, payload indexes, aliases, points) from a running Qdrant or Quiver'))
    .requiredOption('--from <url>', 'the source, e.g. http://qdrant:6333')
    .option('--api-key <key>', 'the source\'s API key')
    .option('--to <url>', 'the target Quiver (default: this configuration\'s address)')
    .option('--to-api-key <key>', 'the target\'s API key (default: service.api_key)')
    .option('--collections <names>', 'comma-separated collections to copy (default: all)')
    .addOption(new Option('--batch-size <n>', 'points per scroll/upsert batch').default(256).argParser(positiveInt))
    .option('--state <file>', 'progress file; run again with it to resume', 'quiver-migrate-state.json')
    .action(async (o: { from: string; apiKey?: string; to?: string; toApiKey?: string; collections?: string; batchSize: number; state: string }, cmd: Command) => {
      const c = loadFor(cmd);
      const host = isLoopbackHost(c.service.host) || c.service.host === '0.0.0.0' || c.service.host === '::' ? '127.0.0.1' : c.service.host;
      status = await migrate({
        from: o.from,
        apiKey: o.apiKey,
        to: o.to ?? `${c.service.enable_tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${c.service.http_port}`,
        toApiKey: o.toApiKey ?? c.service.api_key ?? undefined,
        collections: o.collections?.split(',').map((s) => s.trim()).filter((s) => s !== ''),
        batchSize: o.batchSize,
        stateFile: resolve(o.state),
      }, io);
    });

  const first = argv[0];
  if (first !== undefined && !first.startsWith('-') && !program.commands.some((c) => c.name() === first)) {
    io.err(`error: unknown command '${first}' (commands: ${program.commands.map((c) => c.name()).join(', ')}; see quiver --help)`);
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; a bad command line (already printed by commander) exits 2.
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof ConfigError) {
      io.err(`error: configuration: ${e.message}`);
      return EXIT.usage;
    }
    return reportError(e, io.err);
  }
  return status;
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}
