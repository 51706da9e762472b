import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { verifyAuditDir } from '../../../../src/auth/audit/verify.js';
import { fileSink, logFiles, rawLines, tempDir } from './helpers.js';

const CHILD = fileURLToPath(new URL('./kill-child.ts', import.meta.url));
const KEY = Buffer.from('kill-test-key');

void describe('audit log under SIGKILL', () => {
  void it('has a line for every write that resolved, and verifies once reopened', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked = new Set<string>();
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve());
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        buffered += chunk;
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        for (const p of parts) acked.add(p);
        if (acked.size >= 3000 && child.exitCode === null) child.kill('SIGKILL');
      });
    });
    assert.ok(acked.size >= 3000, `child acknowledged only ${acked.size} writes`);

    const onDisk = new Set<string>();
    for (const f of logFiles(dir)) {
      for (const text of rawLines(dir, f)) {
        const m = /"tracing_id":"(\d+)"/.exec(text);
        if (m !== null) onDisk.add(m[1]!);
      }
    }
    const missing = [...acked].filter((i) => !onDisk.has(i));
    assert.deepEqual(missing, [], `${missing.length} acknowledged lines are missing`);

    // Reopening cuts a torn last line, if the kill left one; then the whole log verifies.
    const { sink } = fileSink(dir, { hmacKey: KEY, rotation: 'hourly', maxLogFiles: 3 });
    await sink.open();
    await sink.close();
    const r = verifyAuditDir(dir, KEY);
    assert.equal(r.ok, true, JSON.stringify(r));
  });
});
