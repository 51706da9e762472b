/** Shared fixtures of the audit log tests: temp directories, events, a fixed key, file readers. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { AuditEvent } from '../../../../src/auth/audit-event.js';
import { JsonlFileSink, type JsonlFileSinkConfig } from '../../../../src/auth/audit/file-sink.js';

export const KEY = Buffer.from('test-audit-key-0123456789abcdef0123456789');

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'quiver-audit-'));
  dirs.push(dir);
  return dir;
}

/** An event at `timestamp` (RFC 3339) with optional extra fields. */
export function ev(timestamp: string, extra: Partial<AuditEvent> = {}): AuditEvent {
  return { timestamp, method: 'search_points', api: '/collections/{collection_name}/points/search', auth_type: 'ApiKey', result: 'ok', ...extra };
}

/** A file sink on `dir` with test defaults; warnings are collected in `warnings`. */
export function fileSink(
  dir: string,
  overrides: Partial<JsonlFileSinkConfig> = {},
): { sink: JsonlFileSink; warnings: string[] } {
  const warnings: string[] = [];
  const sink = new JsonlFileSink({
    dir,
    rotation: 'daily',
    maxLogFiles: 7,
    failClosed: false,
    hmacKey: KEY,
    warn: (m) => warnings.push(m),
    ...overrides,
  });
  return { sink, warnings };
}

/** The audit log file names in `dir`, sorted. */
export function logFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => /^audit\..*\.log$/.test(n))
    .sort();
}

/** The parsed lines of one file. */
export function readLines(dir: string, name: string): Record<string, unknown>[] {
  return readFileSync(join(dir, name), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The raw lines of one file (without the final empty string). */
export function rawLines(dir: string, name: string): string[] {
  const text = readFileSync(join(dir, name), 'utf8');
  return text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
}

/** Replaces a file's lines. */
export function writeLines(dir: string, name: string, lines: readonly string[]): void {
  writeFileSync(join(dir, name), lines.length === 0 ? '' : `${lines.join('\n')}\n`);
}

/** Writes events through a fresh sink and closes it. */
export async function writeAll(dir: string, events: readonly AuditEvent[], overrides: Partial<JsonlFileSinkConfig> = {}): Promise<void> {
  const { sink } = fileSink(dir, overrides);
  for (const e of events) await sink.write(e);
  await sink.close();
}
