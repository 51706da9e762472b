import { strict as assert } from 'node:assert';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { MemoryAuditSink, NoopAuditSink } from '../../../../src/auth/audit-event.js';
import { createAuditSink, type AuditSinkConfig } from '../../../../src/auth/audit/factory.js';
import { AuditWriteError } from '../../../../src/auth/audit/file-sink.js';
import { StdoutSink, TeeSink } from '../../../../src/auth/audit/stdout-sink.js';
import { verifyAuditDir } from '../../../../src/auth/audit/verify.js';
import { ev, logFiles, tempDir } from './helpers.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

const broken = (): Writable =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb(new Error('EPIPE'));
    },
  });

void describe('StdoutSink and TeeSink', () => {
  void it('writes one JSON line per event', async () => {
    const out = capture();
    const sink = new StdoutSink({ stream: out.stream, failClosed: false });
    await sink.write(ev('2030-06-01T00:00:00.000Z'));
    await sink.write(ev('2030-06-01T00:00:01.000Z', { subject: 'alice' }));
    const lines = out.text().trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 2);
    assert.equal(lines[1]!['subject'], 'alice');
    assert.equal(Object.hasOwn(lines[0]!, 'seq'), false);
  });

  void it('fails closed with AuditWriteError, or counts lost lines', async () => {
    await assert.rejects(new StdoutSink({ stream: broken(), failClosed: true, warn: () => undefined }).write(ev('2030-06-01T00:00:00Z')), AuditWriteError);
    const lost: number[] = [];
    const warnings: string[] = [];
    const open = new StdoutSink({ stream: broken(), failClosed: false, onLost: (n) => lost.push(n), warn: (m) => warnings.push(m) });
    await open.write(ev('2030-06-01T00:00:00Z'));
    await open.write(ev('2030-06-01T00:00:00Z'));
    assert.equal(open.lostLines, 2);
    assert.deepEqual(lost, [1, 1]);
    assert.equal(warnings.length, 1);
  });

  void it('tees to every sink and rejects when one rejects', async () => {
    const a = new MemoryAuditSink();
    const b = new MemoryAuditSink();
    await new TeeSink([a, b]).write(ev('2030-06-01T00:00:00Z'));
    assert.equal(a.events.length + b.events.length, 2);
    const failing = new StdoutSink({ stream: broken(), failClosed: true, warn: () => undefined });
    await assert.rejects(new TeeSink([a, failing]).write(ev('2030-06-01T00:00:00Z')), AuditWriteError);
  });
});

void describe('createAuditSink', () => {
  const base = (dir: string): AuditSinkConfig => ({
    enabled: true,
    dir,
    rotation: 'daily',
    max_log_files: 7,
    fail_closed: false,
    sink: 'file',
    hmac_key: 'k',
    hmac_key_file: null,
  });
  const deps = { apiKey: null, warn: () => undefined };

  void it('returns a no-op sink when audit is disabled and touches nothing', async () => {
    const dir = join(tempDir(), 'audit');
    const audit = createAuditSink({ ...base(dir), enabled: false, hmac_key: null }, deps);
    assert.ok(audit.sink instanceof NoopAuditSink);
    await audit.sink.write(ev('2030-06-01T00:00:00Z'));
    assert.equal(audit.lostLines(), 0);
    assert.equal(audit.dirSize(), 0);
    await audit.open();
    await audit.close();
    assert.equal(existsSync(dir), false);
  });

  void it('file: writes verifiable files and reports their size', async () => {
    const dir = tempDir();
    const audit = createAuditSink(base(dir), deps);
    await audit.open();
    await audit.sink.write(ev('2030-06-01T00:00:00.000Z'));
    assert.ok(audit.dirSize() > 0);
    await audit.close();
    assert.deepEqual(verifyAuditDir(dir, Buffer.from('k')), { ok: true, lines: 1 });
  });

  void it('stdout: writes only to the stream', async () => {
    const dir = join(tempDir(), 'audit');
    const out = capture();
    const audit = createAuditSink({ ...base(dir), sink: 'stdout' }, { ...deps, stdout: out.stream });
    await audit.sink.write(ev('2030-06-01T00:00:00.000Z'));
    await audit.close();
    assert.equal(out.text().split('\n').length, 2);
    assert.equal(existsSync(dir), false);
    assert.equal(audit.dirSize(), 0);
  });

  void it('both: writes to the files and the stream, with a per-directory key when none is configured', async () => {
    const dir = tempDir();
    const out = capture();
    const audit = createAuditSink({ ...base(dir), sink: 'both', hmac_key: null }, { ...deps, stdout: out.stream });
    await audit.sink.write(ev('2030-06-01T00:00:00.000Z'));
    await audit.close();
    assert.deepEqual(logFiles(dir), ['audit.2030-06-01.log']);
    assert.ok(existsSync(join(dir, '.audit-key')));
    assert.ok(out.text().includes('"timestamp":"2030-06-01T00:00:00.000Z"'));
  });

  void it('counts lost lines (fail-open) and fails closed with 503', async () => {
    const parent = join(tempDir(), 'file');
    writeFileSync(parent, '');
    const lossy = createAuditSink(base(join(parent, 'audit')), deps);
    await lossy.sink.write(ev('2030-06-01T00:00:00Z'));
    assert.equal(lossy.lostLines(), 1);
    await assert.rejects(lossy.open());
    const strict = createAuditSink({ ...base(join(parent, 'audit')), fail_closed: true }, deps);
    await assert.rejects(strict.sink.write(ev('2030-06-01T00:00:00Z')), AuditWriteError);
  });
});
