/**
 * Downloads a snapshot from an http(s) URL, for recovery, with SSRF defences:
 * - the host is resolved once and every address is checked (`url-guard.ts`) unless the URL is allow-listed;
 *   the connection goes to the checked address (a pinned lookup), so a second DNS answer cannot rebind it;
 * - redirects are followed by hand, at most 5, and each target is checked again (scheme, allow-list, addresses);
 *   the `api-key` header and URL credentials only go to the original origin;
 * - the body is bounded in size (Content-Length checked up front, bytes counted as they arrive) and the whole
 *   download in time.
 */
import type { IncomingMessage } from 'node:http';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AppError } from '../../errors.js';
import { classifyAddress, matchesAllowlist } from '../../net/url-guard.js';
import { pinnedGet } from '../../net/pinned-get.js';
import { printable } from './names.js';
import { tooLarge } from './tar-reader.js';

export type Resolver = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

export interface FetchOptions {
  readonly allowlist: readonly string[];
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly apiKey?: string | undefined;
  readonly maxRedirects?: number;
  /** DNS resolution (tests substitute one); defaults to the system resolver, all addresses. */
  readonly resolve?: Resolver;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function bad(message: string): AppError {
  return new AppError('BAD_REQUEST', [message]);
}

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** The address to connect to for `url`, after the scheme, allow-list and address checks. */
async function checkTarget(url: URL, options: FetchOptions): Promise<{ address: string; family: number }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`URL ${printable(url.href)} with scheme ${printable(url.protocol.replace(/:$/, ''))} is not supported`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: ReadonlyArray<{ address: string; family: number }>;
  const literal = isIP(host);
  if (literal !== 0) addresses = [{ address: host, family: literal }];
  else {
    try {
      addresses = await (options.resolve ?? systemResolver)(host);
    } catch {
      throw bad(`cannot resolve the snapshot URL host \`${printable(host)}\``);
    }
  }
  const first = addresses[0];
  if (first === undefined) throw bad(`cannot resolve the snapshot URL host \`${printable(host)}\``);
  if (!matchesAllowlist(url, options.allowlist)) {
    for (const a of addresses) {
      const cls = classifyAddress(a.address);
      if (cls !== 'public') {
        throw new AppError('FORBIDDEN', [
          // The class only: resolved addresses are never sent to the client.
          `snapshot URL host \`${printable(host)}\` resolves to a ${cls} address; add the URL to service.snapshot_url_allowlist to allow it`,
        ]);
      }
    }
  }
  return first;
}

/**
 * Opens a snapshot URL and returns its body as a bounded byte stream (the download continues as it is read).
 * @throws AppError(FORBIDDEN) for a refused address; AppError(BAD_INPUT) for an unsupported scheme, an HTTP
 *   error, too many redirects, a body over the size limit, or a download over the time limit.
 */
export async function openSnapshotUrl(url: URL, options: FetchOptions): Promise<AsyncIterable<Buffer>> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  timer.unref();
  const timeout = (): AppError => bad(`the snapshot download did not finish within ${Math.round(options.timeoutMs / 1000)} s`);
  const origin = url.origin;
  const credentials = url.username === '' ? undefined : `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  const maxRedirects = options.maxRedirects ?? 5;
  let current = url;
  let res: IncomingMessage;
  try {
    for (let hop = 0; ; hop++) {
      const target = await checkTarget(current, options);
      const sameOrigin = current.origin === origin;
      const headers: Record<string, string> = { 'user-agent': 'quiver-snapshot-recovery', accept: 'application/octet-stream' };
      if (sameOrigin && options.apiKey !== undefined) headers['api-key'] = options.apiKey;
      res = await pinnedGet(current, target, headers, sameOrigin ? credentials : undefined, controller.signal);
      const status = res.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        res.resume();
        const location = res.headers.location;
        if (location === undefined) throw bad(`the snapshot URL answered ${status} without a Location header`);
        if (hop >= maxRedirects) throw bad(`too many redirects (more than ${maxRedirects}) while downloading the snapshot`);
        current = new URL(location, current);
        continue;
      }
      if (status !== 200) {
        res.resume();
        throw bad(`failed to download the snapshot: HTTP ${status}`);
      }
      break;
    }
  } catch (e) {
    clearTimeout(timer);
    controller.abort();
    if (timedOut) throw timeout();
    if (e instanceof AppError) throw e;
    throw bad(`failed to download the snapshot: ${e instanceof Error ? e.message : String(e)}`);
  }
  const length = Number(res.headers['content-length']);
  if (Number.isFinite(length) && length > options.maxBytes) {
    clearTimeout(timer);
    res.destroy();
    throw tooLarge(options.maxBytes);
  }
  const body = res;
  return (async function* bounded(): AsyncGenerator<Buffer> {
    let n = 0;
    try {
      for await (const chunk of body) {
        const b = chunk as Buffer;
        n += b.length;
        if (n > options.maxBytes) throw tooLarge(options.maxBytes);
        yield b;
      }
    } catch (e) {
      if (timedOut) throw timeout();
      if (e instanceof AppError) throw e;
      throw bad(`failed to download the snapshot: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      clearTimeout(timer);
      body.destroy();
    }
  })();
}
