/**
 * The audit file sink (**Quiver**: lossless, tamper-evident; Qdrant's writer drops lines under load).
 *
 * - Files `audit.YYYY-MM-DD.log` / `audit.YYYY-MM-DD-HH.log` (UTC) in `dir`, one JSON line per event, chosen by
 *   the event's timestamp (the injected clock stands in for an unparseable one); past `maxLogFiles` the oldest
 *   files are deleted.
 * - `write(event)` resolves only once the line is on disk (`fdatasync`), so the server can hold the response
 *   until then: a request that got an answer has its line even after `kill -9` or a power cut.
 * - Group commit: one append + one `fdatasync` at a time; events that arrive meanwhile wait and go together in
 *   the next one. Under load an append gathers events until the event loop's check phase, so that every request
 *   of the poll phase joins it; a quiet sink starts at once. The cost of the sync is shared by every request in
 *   flight, so throughput stays near the unaudited one while each request waits about one sync.
 * - Hash chain (`chain.ts`) across files and restarts. On open the chain resumes from the newest line on disk
 *   after cutting away a torn last line (a write interrupted by a crash, never acknowledged).
 * - The checkpoint `audit.head` (two MACed slots written alternately after each commit — on the thread pool, one
 *   write at a time, commits that finish meanwhile folded into the next; fsynced before retention deletes
 *   anything) records the chain's latest state and the first kept `seq`, so the verifier also catches lines cut
 *   from the end and files deleted outside retention. If on open the checkpoint is ahead of the log,
 *   the log was truncated: the chain continues from the checkpoint, so the gap stays visible to the verifier.
 * - A line that cannot be written (ENOSPC, EACCES, the directory removed or replaced…): with `failClosed` the
 *   `write` promise rejects with {@link AuditWriteError} (503); otherwise it resolves, the line is counted as lost
 *   ({@link JsonlFileSink.lostLines}, `onLost`) and a warning is logged (once per outage, then once a minute).
 *   A failed append (even a partial one) is cut back off the file before anything else is appended, so the seq
 *   numbers of the lost or refused lines are reused and the chain on disk has no gap or duplicate; if the cut
 *   itself fails, the next commit retries it before appending.
 * - A log file deleted while open is noticed within `livenessCheckMs` and started again (not written into the void).
 *
 * One writer per directory: two processes appending to the same directory break each other's chain.
 */
import { join } from 'node:path';
import { AppError } from '../../errors.js';
import { directorySize } from '../../storage/fs.js';
import type { AuditEvent, AuditSink } from '../audit-event.js';
import {
  AppendFile,
  endOfLastLine,
  ensureAuditDir,
  fileSize,
  fsyncDirectory,
  listDir,
  readFileIfPresent,
  readFirstLine,
  readLinesBackward,
  removeFile,
  SlotFile,
  truncateDurably,
} from './audit-fs.js';
import {
  CHECKPOINT_FILE,
  CHECKPOINT_SLOT_BYTES,
  encodeCheckpoint,
  GENESIS,
  parseChainLine,
  readCheckpoint,
  sealLine,
  type ChainState,
} from './chain.js';
import { ensureAuditFormat } from './format.js';
import { auditFilesIn, compareLogFiles, expiredFiles, targetFile, type LogFile, type Rotation } from './rotation.js';

/** The text of the 503 a request gets when its audit line cannot be written in fail-closed mode. */
export const AUDIT_UNAVAILABLE_MESSAGE = 'Service unavailable: audit log cannot be written';

/**
 * A line could not be written and the sink fails closed: refuse the request (503 via the `unavailable` kind).
 * `detail` (the fs error, with its path) is for the server log, not the client.
 */
export class AuditWriteError extends AppError {
  readonly detail: string;

  constructor(detail: string, options?: { cause?: unknown }) {
    super('UNAVAILABLE', [AUDIT_UNAVAILABLE_MESSAGE], options);
    this.name = 'AuditWriteError';
    this.detail = detail;
  }
}

/** Configuration of {@link JsonlFileSink}. */
export interface JsonlFileSinkConfig {
  readonly dir: string;
  readonly rotation: Rotation;
  /** Files kept (at least 1); older ones are deleted. */
  readonly maxLogFiles: number;
  /** Reject `write` when the line cannot be written, instead of counting it lost. */
  readonly failClosed: boolean;
  /** The chain key (`deriveAuditKey`). */
  readonly hmacKey: Buffer;
  /** Stands in for an event timestamp that does not parse. Default: the system clock. */
  readonly clock?: () => Date;
  /** Called with the number of lines just lost (fail-open only), e.g. to bump a metric. */
  readonly onLost?: (n: number) => void;
  /** Operator warnings (write failures, torn lines, truncation found). Default: stderr. */
  readonly warn?: (message: string) => void;
  /** Most events per append; the rest go in the next one. Default 8192; 1 turns group commit off (benchmark). */
  readonly maxBatch?: number;
  /** How often (ms) to check that the open file was not deleted behind our back. Default 1000. */
  readonly livenessCheckMs?: number;
}

interface Pending {
  readonly event: AuditEvent;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

const REPEAT_WARNING_MS = 60_000;

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Writes audit events as hash-chained JSON lines; see the module comment. */
export class JsonlFileSink implements AuditSink {
  private readonly dir: string;
  private readonly rotation: Rotation;
  private readonly maxLogFiles: number;
  private readonly failClosed: boolean;
  private readonly key: Buffer;
  private readonly clock: () => Date;
  private readonly onLost: ((n: number) => void) | undefined;
  private readonly warn: (message: string) => void;
  private readonly maxBatch: number;
  private readonly livenessCheckMs: number;

  private queue: Pending[] = [];
  private running = false;
  /** The last drain carried more than one event: requests are arriving together (see {@link kick}). */
  private contended = false;
  private drained: Promise<void> = Promise.resolve();
  private closed = false;
  private lost = 0;
  private appends = 0;

  private opened = false;
  private opening: Promise<void> | undefined;
  private state: ChainState = GENESIS;
  /** Audit files on disk, oldest first. */
  private files: LogFile[] = [];
  private current: LogFile | undefined;
  private handle: AppendFile | undefined;
  private lastLivenessCheck = 0;
  /** A file whose failed append could not be cut back: cut it to `size` before anything else. */
  private repair: { readonly path: string; readonly size: number } | undefined;

  private checkpointFile: SlotFile | undefined;
  /** A background checkpoint writer is running ({@link refreshCheckpoint}); set and cleared by the writer itself. */
  private checkpointWriting = false;
  /** The latest background checkpoint writer; never rejects. */
  private checkpointing: Promise<void> = Promise.resolve();
  /** The chain moved since the checkpoint write in progress began. */
  private checkpointStale = false;
  private gen = 0;
  private firstSeq = 1;

  private failingSince: number | undefined;
  private lastWarning = 0;
  private lostWhileFailing = 0;

  /** @throws RangeError when `maxLogFiles` or `maxBatch` is below 1 (nothing touches the disk yet) */
  constructor(config: JsonlFileSinkConfig) {
    if (!Number.isInteger(config.maxLogFiles) || config.maxLogFiles < 1) throw new RangeError('audit max_log_files must be at least 1');
    const maxBatch = config.maxBatch ?? 8192;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError('maxBatch must be at least 1');
    this.dir = config.dir;
    this.rotation = config.rotation;
    this.maxLogFiles = config.maxLogFiles;
    this.failClosed = config.failClosed;
    this.key = config.hmacKey;
    this.clock = config.clock ?? (() => new Date());
    this.onLost = config.onLost;
    this.warn = config.warn ?? ((m) => void process.stderr.write(`quiver audit: ${m}\n`));
    this.maxBatch = maxBatch;
    this.livenessCheckMs = config.livenessCheckMs ?? 1000;
  }

  /** Lines lost so far (fail-open mode only; always 0 when failing closed). */
  get lostLines(): number {
    return this.lost;
  }

  /** Append + fdatasync rounds so far: lines written ÷ this is the mean group-commit batch size. */
  get appendCount(): number {
    return this.appends;
  }

  /** Total bytes in the audit directory (log files, checkpoint, key file). */
  dirSize(): number {
    try {
      return directorySize(this.dir);
    } catch {
      return 0;
    }
  }

  /**
   * Opens the directory now (resuming the chain, cutting a torn line, applying retention) instead of at the first
   * write, so a bad directory shows at startup.
   * @throws the fs error when the directory cannot be prepared
   */
  async open(): Promise<void> {
    await this.ensureOpen();
  }

  /**
   * Appends `event`; resolves once it is durably on disk. Never throws synchronously.
   * @throws (rejects with) AuditWriteError when the line cannot be written and the sink fails closed
   */
  write(event: AuditEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = { event, resolve, reject };
      if (this.closed) {
        this.fail([pending], new Error('the audit sink is closed'));
        return;
      }
      this.queue.push(pending);
      this.kick();
    });
  }

  /** Writes what is queued, then closes the file and syncs the checkpoint. Later writes fail (closed). */
  async close(): Promise<void> {
    this.closed = true;
    await this.opening?.catch(() => undefined);
    await this.drained;
    await this.checkpointIdle();
    const handle = this.handle;
    this.handle = undefined;
    if (handle !== undefined) await handle.close().catch((e: unknown) => this.warn(`closing ${handle.path}: ${describe(e)}`));
    if (this.checkpointFile !== undefined) {
      try {
        this.syncCheckpoint();
        this.checkpointFile.close();
      } catch (e) {
        this.warn(`cannot write ${CHECKPOINT_FILE}: ${describe(e)}`);
      }
      this.checkpointFile = undefined;
    }
    this.opened = false;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Group commit

  private kick(): void {
    if (this.running) return;
    this.running = true;
    const start = (): void => void this.drain().then(done, done);
    let done = (): void => {};
    this.drained = new Promise<void>((resolve) => (done = resolve));
    // A quiet sink starts the append in a microtask: the events of this tick share it, and the sync runs while the
    // request that wrote the event goes on with its handler (a read waits for it only before replying). A busy one
    // (its last drain carried more than one event) gathers until the check phase, so that every request of this
    // poll phase joins the append instead of the first one going alone and the rest in the next append.
    if (this.contended) setImmediate(start);
    else queueMicrotask(start);
  }

  /**
   * Commits the queue, one append at a time. After an append, the next one starts in the event loop's check phase
   * (`setImmediate`), once the poll phase has run every I/O callback that was ready — the append's own completion
   * is one of them — so the events of all the requests that arrived meanwhile go in one append. Under load that
   * means fewer appends (each a thread-pool trip and a journal commit) for the same events; the price is that a busy
   * sink's next append starts at most the rest of a poll phase later.
   */
  private async drain(): Promise<void> {
    let events = 0;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
        this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
        events += batch.length;
        await this.commit(batch);
        if (this.queue.length > 0 && this.queue.length < this.maxBatch) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.contended = events > 1;
      this.running = false;
    }
  }

  /** Writes one batch; settles every promise in it. Never rejects. */
  private async commit(batch: Pending[]): Promise<void> {
    try {
      await this.ensureOpen();
    } catch (e) {
      this.fail(batch, e);
      return;
    }
    const fallbackMs = this.clock().getTime();
    const rotatedFrom = this.files.length;
    let written = false;
    // Consecutive events bound for the same file form one segment (a batch spans two files only at a rotation).
    for (let i = 0; i < batch.length; ) {
      const file = targetFile(this.rotation, eventMs(batch[i]!.event, fallbackMs), this.current);
      let j = i + 1;
      while (j < batch.length && targetFile(this.rotation, eventMs(batch[j]!.event, fallbackMs), file) === file) j++;
      if (await this.writeSegment(file, batch.slice(i, j))) written = true;
      i = j;
    }
    if (!written) return;
    this.refreshCheckpoint();
    if (this.files.length !== rotatedFrom) await this.applyRetention();
  }

  /** Writes one segment durably and settles its promises; true when it was written. */
  private async writeSegment(file: LogFile, segment: Pending[]): Promise<boolean> {
    try {
      const handle = await this.fileFor(file);
      const createdNow = handle.size === 0;
      let state = this.state;
      const lines: string[] = [];
      for (const p of segment) {
        const sealed = sealLine(this.key, state, p.event, lines.length === 0 && createdNow);
        lines.push(sealed.line);
        state = sealed.state;
      }
      const before = handle.size;
      try {
        this.appends++;
        await handle.appendDurably(Buffer.from(`${lines.join('\n')}\n`));
        // A new file's directory entry must be durable too, or a crash could lose the whole file.
        if (createdNow) fsyncDirectory(this.dir);
      } catch (e) {
        await this.undoAppend(handle, before);
        throw e;
      }
      this.state = state;
      // Listed (for retention) once it really holds a line.
      if (!this.files.some((f) => f.name === file.name)) this.files = [...this.files, file].sort(compareLogFiles);
      this.recovered();
      for (const p of segment) p.resolve();
      return true;
    } catch (e) {
      this.fail(segment, e);
      return false;
    }
  }

  /** The append handle for `file`, rotating to it (and reopening a deleted file) as needed. */
  private async fileFor(file: LogFile): Promise<AppendFile> {
    if (this.current !== file) {
      const old = this.handle;
      this.handle = undefined;
      if (old !== undefined) await old.close().catch((e: unknown) => this.warn(`closing ${old.path}: ${describe(e)}`));
      this.current = file;
    }
    if (this.handle !== undefined && this.livenessCheckMs >= 0 && Date.now() - this.lastLivenessCheck >= this.livenessCheckMs) {
      this.lastLivenessCheck = Date.now();
      if (await this.handle.isUnlinked()) {
        this.warn(`${this.handle.path} was deleted while open; starting it again (verify will report the missing lines)`);
        const gone = this.handle;
        this.handle = undefined;
        await gone.close().catch(() => undefined);
      }
    }
    if (this.handle === undefined) {
      this.handle = await AppendFile.open(join(this.dir, file.name));
      this.lastLivenessCheck = Date.now();
    }
    return this.handle;
  }

  /** Cuts a failed append back off; if even that fails, closes the file and leaves a repair for the next commit. */
  private async undoAppend(handle: AppendFile, size: number): Promise<void> {
    try {
      await handle.truncateDurably(size);
    } catch {
      this.repair = { path: handle.path, size };
      this.opened = false;
      this.handle = undefined;
      await handle.close().catch(() => undefined);
    }
  }

  private fail(batch: Pending[], e: unknown): void {
    const detail = describe(e);
    if (this.failClosed) {
      const error = new AuditWriteError(detail, { cause: e });
      for (const p of batch) p.reject(error);
    } else {
      this.lost += batch.length;
      this.lostWhileFailing += batch.length;
      try {
        this.onLost?.(batch.length);
      } catch {
        // A metric callback must not turn into a lost promise.
      }
      for (const p of batch) p.resolve();
    }
    const now = Date.now();
    if (this.failingSince === undefined) {
      this.failingSince = now;
      this.lastWarning = now;
      this.warn(
        `audit log cannot be written in ${this.dir} (${detail}); ` +
          (this.failClosed ? 'requests are refused with 503 (audit.fail_closed)' : 'audit lines are being lost (audit.fail_closed is off)'),
      );
    } else {
      this.warnRateLimited(
        `audit log still cannot be written (${detail})` + (this.failClosed ? '' : `; ${this.lostWhileFailing} lines lost so far`),
      );
    }
  }

  private recovered(): void {
    if (this.failingSince === undefined) return;
    const seconds = Math.round((Date.now() - this.failingSince) / 1000);
    this.warn(
      `audit log writable again after ${seconds} s` + (this.failClosed ? '' : `; ${this.lostWhileFailing} lines were lost`),
    );
    this.failingSince = undefined;
    this.lostWhileFailing = 0;
  }

  private warnRateLimited(message: string): void {
    const now = Date.now();
    if (now - this.lastWarning < REPEAT_WARNING_MS) return;
    this.lastWarning = now;
    this.warn(message);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Opening, checkpoint, retention

  private ensureOpen(): Promise<void> {
    if (this.opened) return Promise.resolve();
    this.opening ??= this.openNow().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async openNow(): Promise<void> {
    // The checkpoint file is closed and reopened below: no background write may still hold its descriptor.
    await this.checkpointIdle();
    if (this.repair !== undefined) {
      truncateDurably(this.repair.path, this.repair.size);
      this.repair = undefined;
    }
    ensureAuditDir(this.dir);
    ensureAuditFormat(this.dir);
    const files = auditFilesIn(listDir(this.dir));
    const checkpoint = readCheckpoint(this.key, readFileIfPresent(join(this.dir, CHECKPOINT_FILE)));
    if (checkpoint.state === 'invalid') {
      this.warn(`${CHECKPOINT_FILE} does not verify with the audit key (edited, or the key changed); it is rewritten`);
    }

    let state: ChainState | undefined;
    let tailChecked = false;
    for (let k = files.length - 1; k >= 0 && state === undefined; k--) {
      const path = join(this.dir, files[k]!.name);
      if (!tailChecked && fileSize(path) > 0) {
        tailChecked = true;
        const { size, end } = endOfLastLine(path);
        if (end < size) {
          this.warn(`cutting a torn last line (${size - end} bytes, an interrupted write) off ${path}`);
          truncateDurably(path, end);
        }
      }
      await readLinesBackward(path, (text) => {
        const line = parseChainLine(text);
        if (line === undefined) return true;
        state = { seq: line.seq, hash: line.hash };
        return false;
      });
    }
    let resumed: ChainState = state ?? GENESIS;
    if (checkpoint.state === 'ok' && checkpoint.checkpoint.seq > resumed.seq) {
      const c = checkpoint.checkpoint;
      this.warn(
        `the audit log ends at seq ${resumed.seq} but ${CHECKPOINT_FILE} records seq ${c.seq}: lines were removed. ` +
          `The chain continues from the checkpoint so that \`quiver audit verify\` reports the gap`,
      );
      resumed = { seq: c.seq, hash: c.hash };
    }

    this.state = resumed;
    this.files = files;
    this.current = files.at(-1);
    this.handle = undefined;
    if (checkpoint.state === 'ok') {
      this.gen = checkpoint.checkpoint.gen;
      this.firstSeq = checkpoint.checkpoint.firstSeq;
    } else {
      this.gen = 0;
      this.firstSeq = this.firstSeqOf(files) ?? resumed.seq + 1;
    }
    try {
      this.checkpointFile?.close();
    } catch {
      // Reopened below; a failed close of the old descriptor changes nothing on disk.
    }
    this.checkpointFile = SlotFile.open(join(this.dir, CHECKPOINT_FILE), CHECKPOINT_SLOT_BYTES);
    this.opened = true;
    await this.applyRetention();
    this.syncCheckpoint();
  }

  /** `seq` of the first line of the oldest of `files` that has one. */
  private firstSeqOf(files: readonly LogFile[]): number | undefined {
    for (const f of files) {
      const text = readFirstLine(join(this.dir, f.name));
      const line = text === undefined ? undefined : parseChainLine(text);
      if (line !== undefined) return line.seq;
    }
    return undefined;
  }

  /** Records the chain state in the next checkpoint slot and syncs it (open, close, before retention deletes). */
  private syncCheckpoint(): void {
    if (this.checkpointFile === undefined) return;
    const { slot, data } = this.nextCheckpoint();
    this.checkpointFile.write(slot, data);
    this.checkpointFile.sync();
  }

  /**
   * Brings the checkpoint up to the chain after a commit, off the event loop: a synchronous write here held every
   * response of the group (and every other request) while the file system finished a journal commit. One write
   * at a time, so the two slots still alternate in generation order; a commit that finishes meanwhile marks the
   * checkpoint stale and the running writer writes the newest state next. Never ahead of the log (it records a
   * chain state that is already durable); it may lag by the write in progress, as it may after a power cut.
   */
  private refreshCheckpoint(): void {
    this.checkpointStale = true;
    if (!this.checkpointWriting) this.checkpointing = this.writeStaleCheckpoints();
  }

  private async writeStaleCheckpoints(): Promise<void> {
    // The flag is set and cleared in the same synchronous steps that start and end the loop, so a commit either
    // sees this writer running (and its stale mark is picked up by the loop) or starts a new one.
    this.checkpointWriting = true;
    try {
      while (this.checkpointStale && this.checkpointFile !== undefined) {
        this.checkpointStale = false;
        const { slot, data } = this.nextCheckpoint();
        await this.checkpointFile.writeInBackground(slot, data);
      }
    } catch (e) {
      this.warnRateLimited(`cannot update ${CHECKPOINT_FILE}: ${describe(e)}`);
    } finally {
      this.checkpointWriting = false;
    }
  }

  /** Resolves once no background checkpoint write is in flight. */
  private async checkpointIdle(): Promise<void> {
    while (this.checkpointWriting) await this.checkpointing;
  }

  /** The next checkpoint slot and its bytes (the chain's current state, a new generation). */
  private nextCheckpoint(): { slot: 0 | 1; data: Buffer } {
    this.gen++;
    return {
      slot: this.gen % 2 === 0 ? 0 : 1,
      data: encodeCheckpoint(this.key, { gen: this.gen, seq: this.state.seq, hash: this.state.hash, firstSeq: this.firstSeq }),
    };
  }

  /**
   * Deletes files past `maxLogFiles`. The checkpoint's first kept `seq` is synced *before* anything is deleted,
   * so a crash in between leaves extra files (deleted at the next open), never a verifier false alarm. A
   * background checkpoint write is let finish first, so it cannot land after (and over) the synced one.
   */
  private async applyRetention(): Promise<void> {
    const expired = expiredFiles(this.files, this.maxLogFiles);
    if (expired.length === 0) return;
    await this.checkpointIdle();
    const kept = this.files.slice(expired.length);
    try {
      this.firstSeq = this.firstSeqOf(kept) ?? this.state.seq + 1;
      this.syncCheckpoint();
      for (const f of expired) removeFile(join(this.dir, f.name));
      fsyncDirectory(this.dir);
      this.files = kept;
    } catch (e) {
      this.warn(`audit retention failed in ${this.dir}: ${describe(e)}`);
    }
  }
}

/** The event's own time, or `fallbackMs` when its timestamp does not parse. */
function eventMs(event: AuditEvent, fallbackMs: number): number {
  const ms = typeof event.timestamp === 'string' ? Date.parse(event.timestamp) : Number.NaN;
  return Number.isNaN(ms) ? fallbackMs : ms;
}
