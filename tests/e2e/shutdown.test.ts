/**
 * Graceful shutdown of a real process: on SIGTERM the server stops accepting connections, lets the requests in
 * flight finish (a write whose body is still arriving is completed, acknowledged and stored) and exits 0; a request
 * that never finishes is cut off after `service.shutdown_timeout_sec` and the process exits 1, keeping everything
 * acknowledged before.
 *
 * The request is known to be in flight without timing: it is sent with `Expect: 100-continue`, and the signal
 * goes only after the server answered `100 Continue` (it has read the headers and routed the request).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { httpJson, startChildServer, tempDir, removeDir, type ChildServer } from '../support/app.js';
import { pollUntil } from '../support/poll.js';

/** Opens a connection and sends the headers of a PUT of `body`, holding the body back; resolves on `100 Continue`. */
async function startUpload(server: ChildServer, path: string, body: string): Promise<{ socket: Socket; reply: () => string; closed: Promise<void> }> {
  const socket = connect(server.port, '127.0.0.1');
  let reply = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (reply += d));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => (socket.once('connect', resolve), socket.once('error', reject)));
  socket.write(`PUT ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`);
  await pollUntil('100 Continue', () => reply.startsWith('HTTP/1.1 100 Continue'));
  return { socket, reply: () => reply, closed };
}

function exited(server: ChildServer): Promise<number | null> {
  if (server.proc.exitCode !== null || server.proc.signalCode !== null) return Promise.resolve(server.proc.exitCode);
  return new Promise((resolve) => server.proc.once('exit', (code) => resolve(code)));
}

const points = (from: number, n: number): unknown[] => Array.from({ length: n }, (_, i) => ({ id: from + i, vector: [from + i, 1, 0, 0] }));

describe('shutdown of a real process', () => {
  it('on SIGTERM finishes the request in flight, refuses new connections, and exits 0', { timeout: 120_000 }, async () => {
    const dir = tempDir('quiver-drain-');
    const env = { QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage') };
    let server = await startChildServer(dir, env);
    try {
      assert.equal((await httpJson(server.url, 'PUT', '/collections/d', { vectors: { size: 4, distance: 'Dot' } })).status, 200);
      assert.equal((await httpJson(server.url, 'PUT', '/collections/d/points?wait=true', { points: points(1, 10) })).status, 200);
      const body = JSON.stringify({ points: points(100, 50) });
      const upload = await startUpload(server, '/collections/d/points?wait=true', body);
      const exit = exited(server);
      server.proc.kill('SIGTERM');
      // No longer listening: a new connection is refused while the old request is still open.
      await pollUntil('the listening socket to close', async () => {
        try {
          await fetch(`${server.url}/healthz`);
          return false;
        } catch {
          return true;
        }
      });
      assert.equal(server.proc.exitCode, null, 'the server must wait for the request in flight');
      upload.socket.write(body);
      await pollUntil('the answer to the request in flight', () => /\r\n\r\n\{.*\}$/s.test(upload.reply().replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '')));
      const answer = upload.reply().replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
      assert.match(answer, /^HTTP\/1\.1 200 /, answer);
      assert.equal(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).result.status, 'completed');
      assert.equal(await exit, 0, server.output());
      upload.socket.destroy();

      server = await startChildServer(dir, env);
      const count = await httpJson(server.url, 'POST', '/collections/d/points/count', { exact: true });
      assert.equal(count.body.result.count, 60, 'the write finished during shutdown is stored');
    } finally {
      await server.stop('SIGKILL');
      removeDir(dir);
    }
  });

  it('exits 1 after shutdown_timeout_sec when a request never finishes, keeping what was acknowledged', { timeout: 120_000 }, async () => {
    const dir = tempDir('quiver-drain-timeout-');
    const env = { QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage'), QDRANT__SERVICE__SHUTDOWN_TIMEOUT_SEC: '1' };
    let server = await startChildServer(dir, env);
    try {
      assert.equal((await httpJson(server.url, 'PUT', '/collections/d', { vectors: { size: 4, distance: 'Dot' } })).status, 200);
      assert.equal((await httpJson(server.url, 'PUT', '/collections/d/points?wait=true', { points: points(1, 10) })).status, 200);
      const upload = await startUpload(server, '/collections/d/points?wait=true', JSON.stringify({ points: points(100, 50) }));
      const exit = exited(server);
      server.proc.kill('SIGTERM');
      // The body never comes: the process must not hang on it.
      assert.equal(await exit, 1, server.output());
      assert.match(server.output(), /shutdown did not finish within service\.shutdown_timeout_sec/);
      await upload.closed;
      server = await startChildServer(dir, env);
      const count = await httpJson(server.url, 'POST', '/collections/d/points/count', { exact: true });
      assert.equal(count.body.result.count, 10);
    } finally {
      await server.stop('SIGKILL');
      removeDir(dir);
    }
  });
});
