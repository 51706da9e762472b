/**
 * The pages a shard's holder sends when another node takes a collection snapshot (`snapshot-transfer.ts`): the
 * shard's points as `points.ndjson` lines (the snapshot archive's own format), cut into pages of at most a given
 * number of bytes, so that no NATS message holds a whole shard and neither side holds more than one page.
 *
 * A page is cut anywhere, even inside a line: a line longer than a page spans several. The receiver appends the
 * pages in order, so the concatenation is the lines, each ending with `\n`.
 *
 * Wire frame of one answer: a 4-byte big-endian length, that many bytes of JSON meta, then the page's bytes. Meta is
 * `{"cursor": id}` (more pages: ask for them with this id), `{"cursor": null}` (last page) or
 * `{"error": {"code", "message"}}` (no data).
 */
import { AppError } from '../errors.js';

/** Cuts a sequence of lines into byte pages, a page at a time. */
export class LinePager {
  /** The unsent rest of the line being cut. */
  private pending: Buffer | undefined;
  private exhausted = false;

  constructor(private readonly lines: Iterator<string>) {}

  /** True once every byte was returned by {@link next}. */
  get done(): boolean {
    return this.exhausted && this.pending === undefined;
  }

  /** The next page: at most `maxBytes` bytes (fewer only for the last page; empty when there is nothing left). */
  next(maxBytes: number): Buffer {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new RangeError(`a page holds at least one byte, not ${maxBytes}`);
    const parts: Buffer[] = [];
    let size = 0;
    while (size < maxBytes) {
      this.pull();
      if (this.pending === undefined) break;
      const room = maxBytes - size;
      if (this.pending.length <= room) {
        parts.push(this.pending);
        size += this.pending.length;
        this.pending = undefined;
      } else {
        parts.push(this.pending.subarray(0, room));
        this.pending = this.pending.subarray(room);
        size = maxBytes;
      }
    }
    // Looking one line ahead makes a page that ends the lines the last one (no empty page to ask for after it).
    this.pull();
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
  }

  /** Takes the next non-empty line as the pending one, when none is pending. */
  private pull(): void {
    while (this.pending === undefined && !this.exhausted) {
      const n = this.lines.next();
      if (n.done === true) this.exhausted = true;
      else if (n.value.length > 0) this.pending = Buffer.from(n.value, 'utf8');
    }
  }

  /** Stops early: the line source is closed (an LMDB range releases its read snapshot). */
  close(): void {
    this.exhausted = true;
    this.pending = undefined;
    this.lines.return?.();
  }
}

/** What an answer says besides its bytes. */
export type PageMeta = { readonly cursor: string | null } | { readonly error: { readonly code: string; readonly message: string } };

const LENGTH_BYTES = 4;

/** One answer as bytes: the meta's length, the meta, the page. */
export function encodePage(meta: PageMeta, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const head = Buffer.from(JSON.stringify(meta), 'utf8');
  const out = Buffer.allocUnsafe(LENGTH_BYTES + head.length + data.byteLength);
  out.writeUInt32BE(head.length, 0);
  head.copy(out, LENGTH_BYTES);
  out.set(data, LENGTH_BYTES + head.length);
  return out;
}

function malformed(why: string): AppError {
  return new AppError('SERVICE_ERROR', [`a peer answered a snapshot page request with a malformed page: ${why}`]);
}

/**
 * The meta and bytes of an answer.
 * @throws AppError(SERVICE_ERROR) when the frame is not one {@link encodePage} makes
 */
export function decodePage(frame: Uint8Array): { meta: PageMeta; data: Uint8Array } {
  if (frame.byteLength < LENGTH_BYTES) throw malformed(`${frame.byteLength} bytes`);
  const buf = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const length = buf.readUInt32BE(0);
  if (LENGTH_BYTES + length > buf.length) throw malformed(`its meta claims ${length} bytes of ${buf.length - LENGTH_BYTES}`);
  let meta: unknown;
  try {
    meta = JSON.parse(buf.subarray(LENGTH_BYTES, LENGTH_BYTES + length).toString('utf8'));
  } catch {
    throw malformed('its meta is not JSON');
  }
  const m = meta as Record<string, unknown> | null;
  const error = m?.['error'] as Record<string, unknown> | undefined;
  const valid =
    m !== null && typeof m === 'object' &&
    (('cursor' in m && (m['cursor'] === null || typeof m['cursor'] === 'string')) || (typeof error === 'object' && error !== null && typeof error['code'] === 'string' && typeof error['message'] === 'string'));
  if (!valid) throw malformed('unexpected meta');
  return { meta: m as PageMeta, data: buf.subarray(LENGTH_BYTES + length) };
}
