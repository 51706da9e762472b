/**
 * Builds the audit sink the server injects into `authorize()` from the `audit` config section.
 */
import { NoopAuditSink, type AuditSink } from '../audit-event.js';
import { JsonlFileSink } from './file-sink.js';
import { deriveAuditKey } from './key.js';
import type { Rotation } from './rotation.js';
import { StdoutSink, TeeSink } from './stdout-sink.js';

/** The `audit` config keys the sink uses (`trust_forwarded_headers` is the HTTP layer's). */
export interface AuditSinkConfig {
  readonly enabled: boolean;
  readonly dir: string;
  readonly rotation: Rotation;
  readonly max_log_files: number;
  readonly fail_closed: boolean;
  readonly sink: 'file' | 'stdout' | 'both';
  readonly hmac_key: string | null;
  readonly hmac_key_file: string | null;
}

/** What the server needs besides the config. */
export interface AuditSinkDeps {
  /** `service.api_key`: the chain key's fallback source (see `key.ts`). */
  readonly apiKey: string | null;
  /** Operator warnings, e.g. the server logger's `warn`. */
  readonly warn: (message: string) => void;
  readonly clock?: () => Date;
  /** Stream of the stdout sink. Default: `process.stdout`. */
  readonly stdout?: NodeJS.WritableStream;
}

/** The audit sink and what the server reads from it. */
export interface AuditSinkHandle {
  readonly sink: AuditSink;
  /** Lines lost so far (fail-open); for a counter metric. */
  lostLines(): number;
  /** Bytes in the audit directory (0 when there is no file sink); for a gauge metric. */
  dirSize(): number;
  /** Prepares the directory now, so a bad one shows at startup rather than on the first request. */
  open(): Promise<void>;
  /** Flushes queued lines and closes files. Call after the server stopped taking requests. */
  close(): Promise<void>;
}

/**
 * The sink for `config`: {@link NoopAuditSink} when audit is off; else a file sink, a stdout sink, or both.
 * @throws Error when the chain key cannot be obtained (both `hmac_key` and `hmac_key_file` set, an unreadable
 *   key file, or a directory key that cannot be created): a startup error
 * @throws RangeError when `max_log_files` is below 1
 * @example
 * const audit = createAuditSink(config.audit, { apiKey: config.service.api_key, warn: (m) => logger.warn(m) });
 * await audit.open();
 */
export function createAuditSink(config: AuditSinkConfig, deps: AuditSinkDeps): AuditSinkHandle {
  if (!config.enabled) {
    return { sink: new NoopAuditSink(), lostLines: () => 0, dirSize: () => 0, open: () => Promise.resolve(), close: () => Promise.resolve() };
  }
  const file =
    config.sink === 'stdout'
      ? undefined
      : new JsonlFileSink({
          dir: config.dir,
          rotation: config.rotation,
          maxLogFiles: config.max_log_files,
          failClosed: config.fail_closed,
          hmacKey: deriveAuditKey(config, deps.apiKey),
          warn: deps.warn,
          ...(deps.clock === undefined ? {} : { clock: deps.clock }),
        });
  const stdout =
    config.sink === 'file'
      ? undefined
      : new StdoutSink({ failClosed: config.fail_closed, warn: deps.warn, ...(deps.stdout === undefined ? {} : { stream: deps.stdout }) });
  const sink: AuditSink = file !== undefined && stdout !== undefined ? new TeeSink([file, stdout]) : (file ?? stdout ?? new NoopAuditSink());
  return {
    sink,
    lostLines: () => (file?.lostLines ?? 0) + (stdout?.lostLines ?? 0),
    dirSize: () => file?.dirSize() ?? 0,
    open: () => file?.open() ?? Promise.resolve(),
    close: () => file?.close() ?? Promise.resolve(),
  };
}
