/**
 * Lossless audit: a request's audit line is durable before its response is sent, so after SIGKILL every
 * request that got an answer has its line on disk (matched by tracing id).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startChildServer, tempDir, removeDir } from '../support/app.js';

function auditLines(dir: string): Array<Record<string, unknown>> {
  return readdirSync(dir)
    .filter((f) => f.startsWith('audit.') && f.endsWith('.log'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
    .filter((l) => l.trim().length > 0)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return []; // a torn last line of a request that was never answered
      }
    });
}

describe('audit log under SIGKILL', () => {
  it('has a line for every answered request, with requests in flight at the kill', { timeout: 120_000 }, async () => {
    const dir = tempDir('quiver-audit-kill-');
    try {
      const env = { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage`, QDRANT__AUDIT__ENABLED: 'true', QDRANT__AUDIT__DIR: `${dir}/audit` };
      const server = await startChildServer(dir, env);
      const answered: string[] = [];
      let stop = false;
      let n = 0;
      const workers = Array.from({ length: 16 }, async () => {
        while (!stop) {
          const id = `req-${n++}`;
          try {
            const r = await fetch(`${server.url}/collections`, { headers: { 'x-request-id': id } });
            if (r.status === 200) answered.push(id);
            await r.arrayBuffer();
          } catch {
            // killed mid-request: not answered
          }
        }
      });
      // Kill once enough requests were answered (polled: independent of the machine's speed), with more in flight.
      const deadline = Date.now() + 60_000;
      while (answered.length < 300) {
        assert.ok(Date.now() < deadline, `only ${answered.length} requests answered in 60 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
      server.proc.kill('SIGKILL');
      stop = true;
      await Promise.all(workers);
      const logged = new Set(auditLines(`${dir}/audit`).map((e) => e['tracing_id']));
      const missing = answered.filter((id) => !logged.has(id));
      assert.ok(answered.length >= 300, `only ${answered.length} requests answered`);
      assert.deepEqual(missing, [], `${missing.length} of ${answered.length} answered requests have no audit line`);
    } finally {
      removeDir(dir);
    }
  });
});
