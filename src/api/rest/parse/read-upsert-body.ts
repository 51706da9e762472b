/**
 * The upsert body reader of the JSON content-type parser: a body the scanner reads (`upsert-scan.ts`) becomes a
 * {@link ScannedUpsert} — on a worker thread when it is large (`upsert-scan-thread.ts`), on the event loop in
 * slices otherwise — with the members beside its points validated against the operation's schema; `undefined`
 * sends the body down the general path (JSON.parse, validation), which answers every body the scanner does not
 * read, with Qdrant's errors.
 */
import { upsertEnvelopeValid } from '../schemas/validator.js';
import { SLICED_PARSE_MIN_CHARS } from '../sliced-json.js';
import { scanUpsert, type ScannedUpsert } from './upsert-scan.js';
import { bodyText, UpsertScanThread } from './upsert-scan-thread.js';

/** The process's scan thread (started on first use). */
export const upsertScanThread = new UpsertScanThread();

/** Bodies from this size (characters or bytes) on are scanned on the worker thread (~100 points of 128 dimensions). */
const THREAD_SCAN_MIN_SIZE = SLICED_PARSE_MIN_CHARS;

/** The upsert body (its text, or its UTF-8 bytes as received) as a {@link ScannedUpsert}, or `undefined`. */
export async function readUpsertBody(body: string | Uint8Array, thread: UpsertScanThread = upsertScanThread): Promise<ScannedUpsert | undefined> {
  const size = typeof body === 'string' ? body.length : body.byteLength;
  const scanned = size >= THREAD_SCAN_MIN_SIZE ? await thread.scan(body) : await scanUpsert(bodyText(body));
  return scanned !== undefined && upsertEnvelopeValid(scanned.members) ? scanned : undefined;
}
