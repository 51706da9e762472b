/** Splits a byte stream into UTF-8 lines without ever holding more than one line (bounded) in memory. */
import { AppError } from '../../errors.js';

/**
 * Yields the non-empty lines of `source` (separated by `\n`).
 * @throws AppError(BAD_INPUT) when a line is longer than `maxLineBytes`.
 */
export async function* readLines(source: AsyncIterable<Buffer>, maxLineBytes: number, label: string): AsyncGenerator<string> {
  let parts: Buffer[] = [];
  let pending = 0;
  for await (const chunk of source) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      if (pending + piece.length > maxLineBytes) throw tooLong(label, maxLineBytes);
      const line = parts.length === 0 ? piece.toString('utf8') : Buffer.concat([...parts, piece]).toString('utf8');
      parts = [];
      pending = 0;
      start = nl + 1;
      if (line.length > 0) yield line;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      pending += rest.length;
      if (pending > maxLineBytes) throw tooLong(label, maxLineBytes);
      parts.push(rest);
    }
  }
  if (pending > 0) {
    const line = Buffer.concat(parts).toString('utf8');
    if (line.length > 0) yield line;
  }
}

function tooLong(label: string, max: number): AppError {
  return new AppError('BAD_INPUT', [`Bad request: invalid snapshot: a line of ${label} is longer than ${max} bytes`]);
}
