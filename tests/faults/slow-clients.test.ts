/**
 * Slow and oversized clients against a real listening server (max_request_size_mb = 1):
 *
 * - slowloris: 100 connections stop in the middle of their headers, 100 more declare a body and trickle it a
 *   byte at a time. Meanwhile every one of a normal client's reads and writes is answered, and the server's
 *   resident memory stays bounded (how fast they are answered is measured by the robustness job,
 *   bench/slow-clients.ts, not here: no wall-clock thresholds in the default run);
 * - oversized bodies: a declared Content-Length over the limit is refused with 413 (Qdrant format) without
 *   reading the body; chunked bodies that grow past the limit are cut off with 413. Eight concurrent 16 MB
 *   uploads leave resident memory bounded, nothing is stored, and the server keeps serving. A client that reads the
 *   answer only after it sent more of its body still gets the 413, not a connection reset (lingering close).
 *
 * QUIVER_SLOW_ROUNDS (default 25) rounds of four requests are made while the slow connections are held.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { startChildServer, tempDir, removeDir, type ChildServer } from '../support/app.js';
import { holdSlowClients, MB, openSocket as open, rss } from '../support/slow-clients.js';
import { pollUntil } from '../support/poll.js';

const ROUNDS = Number(process.env['QUIVER_SLOW_ROUNDS'] ?? 25);

async function req(server: ChildServer, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(server.url + path, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await r.text();
  return { status: r.status, body: JSON.parse(text.startsWith('{') ? text : 'null') };
}

/** Collects what the server sends on `socket` until it closes or `ms` pass; parses a status line and body. */
function response(socket: Socket, ms: number): Promise<{ status: number; body: string; closed: boolean }> {
  return new Promise((resolve) => {
    let data = '';
    let closed = false;
    const done = (): void => {
      clearTimeout(timer);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      const body = data.split('\r\n\r\n').slice(1).join('\r\n\r\n');
      resolve({ status, body, closed });
    };
    const timer = setTimeout(done, ms);
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      // One full JSON body is enough.
      if (/\r\n\r\n[\s\S]*\}\s*$/.test(data)) done();
    });
    socket.on('close', () => {
      closed = true;
      done();
    });
    socket.on('error', () => undefined);
  });
}

describe('slow and oversized clients', () => {
  let dir: string;
  let server: ChildServer;

  before(async () => {
    dir = tempDir('quiver-slow-');
    server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage'), QDRANT__SERVICE__MAX_REQUEST_SIZE_MB: '1' });
    assert.equal((await req(server, 'PUT', '/collections/s', { vectors: { size: 4, distance: 'Dot' } })).status, 200);
    const points = Array.from({ length: 100 }, (_, i) => ({ id: i + 1, vector: [i, 1, 2, 3], payload: { n: i } }));
    assert.equal((await req(server, 'PUT', '/collections/s/points?wait=true', { points })).status, 200);
    for (let i = 0; i < 50; i++) await req(server, 'POST', '/collections/s/points/scroll', { limit: 10 });
  });

  after(async () => {
    await server.stop('SIGKILL');
    removeDir(dir);
  });

  it('keeps answering other clients while 200 slowloris connections hang, with bounded memory', { timeout: 120_000 }, async (t) => {
    const baseline = rss(server);
    const slow = await holdSlowClients(server, 's');
    let peak = rss(server);
    let answered = 0;
    let n = 1000;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        for (const r of [
          await req(server, 'GET', '/healthz'),
          await req(server, 'POST', '/collections/s/points/scroll', { limit: 5 }),
          await req(server, 'PUT', '/collections/s/points?wait=true', { points: [{ id: n++, vector: [1, 2, 3, 4] }] }),
          await req(server, 'POST', '/collections/s/points/query', { query: [1, 0, 0, 0], limit: 3 }),
        ]) {
          assert.equal(r.status, 200, JSON.stringify(r.body));
          answered++;
        }
        peak = Math.max(peak, rss(server));
      }
    } finally {
      slow.release();
    }
    const growth = (peak - baseline) / MB;
    t.diagnostic(`${answered} requests from a normal client answered while 200 slow connections hung`);
    t.diagnostic(`server RSS ${(baseline / MB).toFixed(1)} MB before, peak ${(peak / MB).toFixed(1)} MB (+${growth.toFixed(1)} MB); ${slow.closedByServer()} of 200 slow connections closed by the server`);
    assert.equal(answered, ROUNDS * 4);
    assert.ok(growth < 64, `resident memory grew ${growth.toFixed(1)} MB with 200 slow connections`);
    assert.equal((await req(server, 'GET', '/healthz')).status, 200);
    assert.equal((await req(server, 'POST', '/collections/s/points/count', { exact: true })).body.result.count, 100 + ROUNDS, 'every acknowledged write is stored');
  });

  it('refuses a declared oversized body with 413 without reading it', { timeout: 60_000 }, async () => {
    const s = await open(server);
    // Not one byte of the body is ever sent: an answer at all proves the server did not wait for it.
    s.write(`PUT /collections/s/points?wait=true HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${50 * MB}\r\n\r\n`);
    const r = await response(s, 60_000);
    s.destroy();
    assert.equal(r.status, 413, `answer: ${r.status} ${r.body}`);
    const body = JSON.parse(r.body) as { status?: { error?: unknown }; time?: unknown };
    assert.equal(typeof body.status?.error, 'string');
    assert.equal(typeof body.time, 'number');
  });

  it('cuts off chunked bodies that grow past the limit, with bounded memory, storing nothing', { timeout: 120_000 }, async (t) => {
    const count = async (): Promise<number> => (await req(server, 'POST', '/collections/s/points/count', { exact: true })).body.result.count as number;
    const before = await count();
    const baseline = rss(server);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rss(server))), 50);
    const chunk = Buffer.from(`${JSON.stringify({ id: 1, vector: [1, 2, 3, 4], payload: { pad: 'y'.repeat(4000) } })},`.repeat(16));
    const uploads = Array.from({ length: 8 }, async () => {
      const s = await open(server);
      s.on('error', () => undefined);
      const answer = response(s, 30_000);
      s.write('PUT /collections/s/points?wait=true HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      const frame = (b: Buffer): Buffer => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
      s.write(frame(Buffer.from('{"points":[')));
      let sent = 0;
      while (sent < 16 * MB && !s.destroyed && s.writable) {
        const ok = s.write(frame(chunk));
        sent += chunk.length;
        // Backpressure: go on when the socket drains, or stop when the server answered or closed it.
        if (!ok) await Promise.race([new Promise((resolve) => (s.once('drain', resolve), s.once('close', resolve))), answer]);
      }
      const r = await answer;
      s.destroy();
      return { status: r.status, sentMb: sent / MB };
    });
    const results = await Promise.all(uploads);
    clearInterval(sampler);
    const growth = (peak - baseline) / MB;
    t.diagnostic(`8 chunked uploads: statuses ${results.map((r) => r.status).join(',')}; sent before the cut ${results.map((r) => r.sentMb.toFixed(1)).join(', ')} MB; RSS +${growth.toFixed(1)} MB`);
    for (const r of results) assert.ok(r.status === 413 || r.status === 0, `an oversized chunked body got ${r.status}`);
    assert.ok(results.some((r) => r.status === 413), 'no upload got a 413');
    assert.ok(growth < 100, `resident memory grew ${growth.toFixed(1)} MB for 8 oversized uploads`);
    assert.equal(await count(), before, 'an oversized body stored points');
    assert.equal((await req(server, 'GET', '/healthz')).status, 200);
  });

  it('still delivers the 413 to a client that goes on sending its body before reading the answer (lingering close)', { timeout: 60_000 }, async () => {
    /** How many 413 answers the server has counted (its /metrics). */
    const refusals = async (): Promise<number> => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return [...text.matchAll(/^rest_responses_total\{.*status="413".*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    };
    const before = await refusals();
    const s = await open(server);
    s.on('error', () => undefined);
    // Nothing is read until the body is over: the answer waits in the kernel's receive buffer, where a reset from
    // a server that closed its socket at once would throw it away.
    s.pause();
    const frame = (b: Buffer): Buffer => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
    const write = (b: Buffer): Promise<void> => new Promise((resolve, reject) => s.write(b, (e) => (e ? reject(e) : resolve())));
    await write(Buffer.from('PUT /collections/s/points?wait=true HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'));
    await write(frame(Buffer.from(`{"points":[${'1,'.repeat(MB)}`)));
    await pollUntil('the server answered 413', async () => (await refusals()) > before, 30_000, 50);
    // The server has answered and, without lingering, closed the socket: these bytes would draw a reset.
    for (let i = 0; i < 4; i++) await write(frame(Buffer.alloc(64 * 1024, 0x20))).catch(() => undefined);
    await write(Buffer.from('0\r\n\r\n')).catch(() => undefined);
    const answer = response(s, 30_000);
    s.resume();
    const r = await answer;
    s.destroy();
    assert.equal(r.status, 413, `answer: ${r.status} ${r.body}`);
    assert.match(r.body, /max_request_size_mb/);
  });
});

