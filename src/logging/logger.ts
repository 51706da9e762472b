/**
 * The process logger (pino), configured as Qdrant's logging is: `log_level`, `logger.format` (`text`, the
 * default, human-readable through pino-pretty; or `json`, one object per line) and `logger.on_disk` (a second
 * copy of the log in a file, with its own level and format, rotated daily and by size through pino-roll).
 */
import { pino, type DestinationStream, type Level, type Logger, type StreamEntry } from 'pino';
import { build as pretty } from 'pino-pretty';
import roll from 'pino-roll';
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

/** The server's logger: stdout, plus the rotated file of `logger.on_disk` when enabled. */
export async function openLogger(config: Config, stdout: NodeJS.WritableStream = process.stdout): Promise<Logger> {
  const entries = stdoutEntry(config, stdout);
  const disk = config.logger.on_disk;
  const level = pinoLevel(disk.log_level ?? config.log_level);
  if (disk.enabled && disk.log_file !== null && level !== 'silent') {
    const stream = await roll({
      file: disk.log_file,
      frequency: 'daily',
      mkdir: true,
      limit: { count: disk.max_log_files },
      ...(disk.max_size_mb === null ? {} : { size: `${disk.max_size_mb}m` }),
      ...(disk.buffer_size_bytes === null ? {} : { minLength: disk.buffer_size_bytes }),
    });
    entries.push({ level, stream: formatted(disk.format, stream, false) });
  }
  return build(entries);
}
