/**
 * The process logger (pino), configured as Qdrant's logging is: `log_level`, `logger.format` (`text`, the
 * default, human-readable through pino-pretty; or `json`, one object per line) and `logger.on_disk` (a second
 * copy of the log in a file, with its own level and format). The file is written at exactly `log_file`, as Qdrant
 * does, and rotated daily and by size the way logrotate does (rotating-file-stream): `quiver.log` is current,
 * `quiver.1.log` the newest rotated one, up to `max_log_files` rotated files.
 */
import { basename, dirname, extname } from 'node:path';
import { pino, type DestinationStream, type Level, type Logger, type StreamEntry } from 'pino';
import { build as pretty } from 'pino-pretty';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import { ensureDir } from '../storage/fs.js';
import type { Config, LogLevel } from '../config/schema.js';

const PINO_LEVELS: Readonly<Record<LogLevel, Level | 'silent'>> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error', OFF: 'silent' };

/** pino's level name for a configured level. */
export function pinoLevel(level: LogLevel): Level | 'silent' {
  return PINO_LEVELS[level];
}

/** `stream` writing lines in `format`: JSON as is, or text rendered by pino-pretty (synchronously, so nothing is lost on exit). */
function formatted(format: 'text' | 'json', stream: DestinationStream | NodeJS.WritableStream, colors: boolean): DestinationStream {
  if (format === 'json') return stream;
  return pretty({ destination: stream, sync: true, colorize: colors, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true });
}

const ORDER: ReadonlyArray<Level | 'silent'> = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function build(entries: StreamEntry[]): Logger {
  if (entries.length === 0) return pino({ level: 'silent' });
  const lowest = entries.map((e) => e.level as Level).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))[0]!;
  return pino({ level: lowest, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.multistream(entries));
}

function stdoutEntry(config: Config, stdout: NodeJS.WritableStream & { isTTY?: boolean }): StreamEntry[] {
  const level = pinoLevel(config.log_level);
  if (level === 'silent') return [];
  return [{ level, stream: formatted(config.logger.format, stdout, stdout.isTTY === true && process.env['NO_COLOR'] === undefined) }];
}

/** The logger on stdout only (synchronous; for tests and tools). */
export function createLogger(config: Config, stdout: NodeJS.WritableStream = process.stdout): Logger {
  return build(stdoutEntry(config, stdout));
}

/**
 * The log file of `logger.on_disk`.
 * @throws when its directory cannot be created (the stream itself opens the file at the first line).
 */
function openLogFile(path: string, disk: Config['logger']['on_disk']): RotatingFileStream {
  ensureDir(dirname(path));
  const name = basename(path);
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  // Classic logrotate numbering (`rotate`): the generator gets the rotation index, or null for the current file.
  const stream = createStream((index: number | Date | null) => (typeof index === 'number' ? `${stem}.${index}${ext}` : name), {
    path: dirname(path),
    interval: '1d',
    rotate: disk.max_log_files,
    ...(disk.max_size_mb === null ? {} : { size: `${disk.max_size_mb}M` }),
  });
  // Failures (disk full, rotation) must not take the server down: they are reported on stderr.
  stream.on('error', (e: Error) => process.stderr.write(`quiver: log file ${path}: ${e.message}\n`));
  return stream;
}

/** The server's logger and how to close it (the log file is written asynchronously: close it before exiting). */
export interface OpenedLogger {
  readonly logger: Logger;
  close(): Promise<void>;
}

/** The server's logger: stdout, plus the rotated file of `logger.on_disk` when enabled. */
export function openLogger(config: Config, stdout: NodeJS.WritableStream = process.stdout): OpenedLogger {
  const entries = stdoutEntry(config, stdout);
  const disk = config.logger.on_disk;
  const level = pinoLevel(disk.log_level ?? config.log_level);
  let file: RotatingFileStream | undefined;
  if (disk.enabled && disk.log_file !== null && level !== 'silent') {
    file = openLogFile(disk.log_file, disk);
    entries.push({ level, stream: formatted(disk.format, file, false) });
  }
  const logger = build(entries);
  return {
    logger,
    close: async () => {
      logger.flush?.();
      if (file !== undefined) await new Promise<void>((resolve) => file.end(() => resolve()));
    },
  };
}
