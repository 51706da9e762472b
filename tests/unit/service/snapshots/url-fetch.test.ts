import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openSnapshotUrl, type FetchOptions } from '../../../../src/service/snapshots/url-fetch.js';
import { AppError } from '../../../../src/errors.js';

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; base: string; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { server, base: `http://127.0.0.1:${port}`, port };
}

async function readAll(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(c);
  return Buffer.concat(parts);
}

async function fails(p: Promise<unknown>, kind: string, pattern: RegExp): Promise<void> {
  await assert.rejects(
    (async () => readAll((await p) as AsyncIterable<Buffer>))(),
    (e: unknown) => {
      assert.ok(e instanceof AppError, String(e));
      assert.equal(e.kind, kind, e.message);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe('snapshot URL download', () => {
  let a: Awaited<ReturnType<typeof serve>>;
  let b: Awaited<ReturnType<typeof serve>>;
  const seen: Array<{ server: string; url: string; apiKey: string | undefined }> = [];
  before(async () => {
    const handler = (name: string) => (req: IncomingMessage, res: ServerResponse): void => {
      seen.push({ server: name, url: req.url ?? '', apiKey: req.headers['api-key'] as string | undefined });
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname === '/ok') {
        res.end('snapshot-bytes');
      } else if (u.pathname === '/redirect') {
        res.writeHead(302, { location: u.searchParams.get('to') ?? '/ok' }).end();
      } else if (u.pathname.startsWith('/loop')) {
        const n = Number(u.pathname.slice(5) || '0');
        res.writeHead(307, { location: `/loop/${n + 1}` }).end();
      } else if (u.pathname === '/big-declared') {
        res.writeHead(200, { 'content-length': '1000000' });
        res.end(Buffer.alloc(1000000));
      } else if (u.pathname === '/big-chunked') {
        res.writeHead(200);
        for (let i = 0; i < 20; i++) res.write(Buffer.alloc(1000));
        res.end();
      } else if (u.pathname === '/stall') {
        res.writeHead(200);
        res.write('partial');
      } else {
        res.writeHead(404).end('no');
      }
    };
    a = await serve(handler('a'));
    b = await serve(handler('b'));
  });
  after(() => {
    a.server.closeAllConnections();
    b.server.closeAllConnections();
    a.server.close();
    b.server.close();
  });

  const opts = (over: Partial<FetchOptions> = {}): FetchOptions => ({ allowlist: [], maxBytes: 10_000, timeoutMs: 5_000, ...over });

  it('refuses a loopback host that is not allow-listed', async () => {
    await fails(openSnapshotUrl(new URL(`${a.base}/ok`), opts()), 'forbidden', /resolves to a loopback address; add/);
    await fails(openSnapshotUrl(new URL(`http://[::1]:${a.port}/ok`), opts()), 'forbidden', /loopback/);
    await fails(openSnapshotUrl(new URL(`http://0x7f.1:${a.port}/ok`), opts()), 'forbidden', /loopback/);
  });

  it('refuses a host name whose resolution includes a private, link-local or metadata address', async () => {
    for (const address of ['10.1.2.3', '169.254.169.254', 'fd00:ec2::254', 'fe80::1', '64:ff9b:1::a00:1', '2001:0:4136:e378:8000:63bf:3fff:fdd2']) {
      const resolve = (): Promise<Array<{ address: string; family: number }>> => Promise.resolve([{ address: '93.184.216.34', family: 4 }, { address, family: address.includes(':') ? 6 : 4 }]);
      await fails(openSnapshotUrl(new URL('http://snapshots.example.test/x.snapshot'), opts({ resolve })), 'forbidden', /address/);
    }
  });

  it('never names a resolved address in a connection error', async () => {
    const resolve = (): Promise<Array<{ address: string; family: number }>> => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    const url = 'http://closed.example.test:1/x.snapshot';
    await assert.rejects(openSnapshotUrl(new URL(url), opts({ resolve, allowlist: ['http://closed.example.test:1/'] })), (e: Error) => {
      assert.match(e.message, /connection to closed\.example\.test failed \(ECONNREFUSED\)/);
      assert.doesNotMatch(e.message, /127\.0\.0\.1/);
      return true;
    });
  });

  it('never names a resolved address in the error sent to the client', async () => {
    const resolve = (): Promise<Array<{ address: string; family: number }>> => Promise.resolve([{ address: '10.9.8.7', family: 4 }]);
    await assert.rejects(openSnapshotUrl(new URL('http://internal.example.test/x.snapshot'), opts({ resolve })), (e: Error) => {
      assert.match(e.message, /`internal\.example\.test` resolves to a private address; add the URL/);
      assert.doesNotMatch(e.message, /10\.9\.8\.7/);
      return true;
    });
  });

  it('downloads from an allow-listed URL', async () => {
    const body = await readAll(await openSnapshotUrl(new URL(`${a.base}/ok`), opts({ allowlist: [`${a.base}/`] })));
    assert.equal(body.toString(), 'snapshot-bytes');
  });

  it('connects to the address it checked (one resolution, pinned: no DNS rebinding)', async () => {
    let calls = 0;
    const resolve = (): Promise<Array<{ address: string; family: number }>> => {
      calls++;
      return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    };
    // `rebind.test` does not exist in DNS: the download only works if the checked address is the one used.
    const body = await readAll(await openSnapshotUrl(new URL(`http://rebind.test:${a.port}/ok`), opts({ resolve, allowlist: [`http://rebind.test:${a.port}/`] })));
    assert.equal(body.toString(), 'snapshot-bytes');
    assert.equal(calls, 1);
  });

  it('checks every redirect target again', async () => {
    const allow = [`${a.base}/`];
    await fails(openSnapshotUrl(new URL(`${a.base}/redirect?to=${encodeURIComponent(`${b.base}/ok`)}`), opts({ allowlist: allow })), 'forbidden', /loopback/);
    await fails(openSnapshotUrl(new URL(`${a.base}/redirect?to=${encodeURIComponent('file:///etc/passwd')}`), opts({ allowlist: allow })), 'bad_input', /scheme file is not supported/);
    const body = await readAll(await openSnapshotUrl(new URL(`${a.base}/redirect?to=/ok`), opts({ allowlist: allow })));
    assert.equal(body.toString(), 'snapshot-bytes');
  });

  it('follows at most 5 redirects', async () => {
    await fails(openSnapshotUrl(new URL(`${a.base}/loop/0`), opts({ allowlist: [`${a.base}/`] })), 'bad_input', /too many redirects/);
    const hops = seen.filter((s) => s.url.startsWith('/loop')).length;
    assert.equal(hops, 6);
  });

  it('sends the api key only to the original origin', async () => {
    seen.length = 0;
    await readAll(await openSnapshotUrl(new URL(`${a.base}/redirect?to=${encodeURIComponent(`${b.base}/ok`)}`), opts({ allowlist: [`${a.base}/`, `${b.base}/`], apiKey: 'secret-key' })));
    assert.deepEqual(seen.map((s) => [s.server, s.apiKey]), [['a', 'secret-key'], ['b', undefined]]);
  });

  it('bounds the size, whether declared or not', async () => {
    const allow = [`${a.base}/`];
    await fails(openSnapshotUrl(new URL(`${a.base}/big-declared`), opts({ allowlist: allow })), 'bad_input', /larger than the limit of 10000 bytes/);
    await fails(openSnapshotUrl(new URL(`${a.base}/big-chunked`), opts({ allowlist: allow })), 'bad_input', /larger than the limit of 10000 bytes/);
  });

  it('bounds the time', async () => {
    await fails(openSnapshotUrl(new URL(`${a.base}/stall`), opts({ allowlist: [`${a.base}/`], timeoutMs: 300 })), 'bad_input', /did not finish within/);
  });

  it('reports HTTP errors', async () => {
    await fails(openSnapshotUrl(new URL(`${a.base}/missing`), opts({ allowlist: [`${a.base}/`] })), 'bad_input', /HTTP 404/);
  });
});
