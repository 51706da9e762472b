/**
 * Slow and oversized clients against a real listening server (max_request_size_mb = 1):
 *
 * - slowloris: 100 connections stop in the middle of their headers, 100 more declare a body and trickle it a
 *   byte at a time. Meanwhile a normal client's reads and writes are answered promptly, and the server's
 *   resident memory stays bounded;
 * - oversized bodies: a declared Content-Length over the limit is refused with 413 (Qdrant format) without
 *   reading the body; chunked bodies that grow past the limit are cut off with 413. Eight concurrent 16 MB
 *   uploads leave resident memory bounded, nothing is stored, and the server keeps serving.
 *
 * QUIVER_SLOW_SECONDS (default 4) is how long the slow connections are held while the normal client works.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startChildServer, tempDir, removeDir, type ChildServer } from '../support/app.js';

const SLOW_SECONDS = Number(process.env['QUIVER_SLOW_SECONDS'] ?? 4);
const MB = 1024 * 1024;

function rss(server: ChildServer): number {
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${server.proc.pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) * 1024;
}

async function req(server: ChildServer, method: string, path: string, body?: unknown): Promise<{ status: number; body: any; ms: number }> {
  const start = performance.now();
  const r = await fetch(server.url + path, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await r.text();
  return { status: r.status, body: JSON.parse(text.startsWith('{') ? text : 'null'), ms: performance.now() - start };
}

function open(server: ChildServer): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(server.port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
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

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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
    const sockets: Socket[] = [];
    let closedByServer = 0;
    const track = (s: Socket): Socket => {
      s.on('close', () => closedByServer++);
      s.on('error', () => undefined);
      sockets.push(s);
      return s;
    };
    for (let i = 0; i < 100; i++) track(await open(server)).write('POST /collections/s/points/scroll HTTP/1.1\r\nHost: localhost\r\nContent-Type: applic');
    const trickle: Socket[] = [];
    for (let i = 0; i < 100; i++) {
      const s = track(await open(server));
      s.write(`PUT /collections/s/points?wait=true HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${900 * 1024}\r\n\r\n{"points":[`);
      s.write(' '.repeat(64 * 1024));
      trickle.push(s);
    }
    const dripper = setInterval(() => {
      for (const s of trickle) if (!s.destroyed) s.write(' ');
    }, 500);

    const latencies: number[] = [];
    let peak = rss(server);
    const until = Date.now() + SLOW_SECONDS * 1000;
    let n = 1000;
    try {
      while (Date.now() < until) {
        for (const r of [
          await req(server, 'GET', '/healthz'),
          await req(server, 'POST', '/collections/s/points/scroll', { limit: 5 }),
          await req(server, 'PUT', '/collections/s/points?wait=true', { points: [{ id: n++, vector: [1, 2, 3, 4] }] }),
          await req(server, 'POST', '/collections/s/points/query', { query: [1, 0, 0, 0], limit: 3 }),
        ]) {
          assert.equal(r.status, 200, JSON.stringify(r.body));
          latencies.push(r.ms);
        }
        peak = Math.max(peak, rss(server));
        await sleep(50);
      }
    } finally {
      clearInterval(dripper);
    }
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
    const growth = (peak - baseline) / MB;
    t.diagnostic(`${latencies.length} requests from a normal client while 200 slow connections hung: p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms`);
    t.diagnostic(`server RSS ${(baseline / MB).toFixed(1)} MB before, peak ${(peak / MB).toFixed(1)} MB (+${growth.toFixed(1)} MB); ${closedByServer} of ${sockets.length} slow connections closed by the server within ${SLOW_SECONDS} s`);
    assert.ok(latencies.length >= 20, `only ${latencies.length} requests were answered in ${SLOW_SECONDS} s`);
    assert.ok(p99 < 1000, `normal requests slowed down to p99 ${p99.toFixed(0)} ms`);
    assert.ok(growth < 64, `resident memory grew ${growth.toFixed(1)} MB with 200 slow connections`);
    for (const s of sockets) s.destroy();
    await sleep(200);
    assert.equal((await req(server, 'GET', '/healthz')).status, 200);
  });

  it('refuses a declared oversized body with 413 without reading it', { timeout: 60_000 }, async () => {
    const s = await open(server);
    const started = performance.now();
    s.write(`PUT /collections/s/points?wait=true HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${50 * MB}\r\n\r\n`);
    const r = await response(s, 5000);
    s.destroy();
    assert.equal(r.status, 413, `answer: ${r.status} ${r.body}`);
    assert.ok(performance.now() - started < 2000, 'the 413 came only after waiting for the body');
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
        if (!ok) await new Promise((resolve) => setTimeout(resolve, 5));
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
});
