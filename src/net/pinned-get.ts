/**
 * One HTTP(S) GET to an address already checked by the caller (`url-guard.ts`): the connection goes to that
 * address (a pinned lookup), so a second DNS answer cannot rebind it to another. Used by snapshot recovery from
 * URLs and by JWKS fetching.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

/**
 * @param target - the checked address to connect to (the URL's host still goes in `Host` and SNI)
 * @param auth - `user:password` for basic authentication, or undefined
 * @throws Error `connection to <host> failed (<code>)` — never naming the resolved address
 */
export function pinnedGet(url: URL, target: { address: string; family: number }, headers: Record<string, string>, auth: string | undefined, signal: AbortSignal): Promise<IncomingMessage> {
  const pinned: LookupFunction = (_hostname, opts, callback) => {
    if (opts.all === true) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const options = {
    hostname: host,
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method: 'GET',
    headers,
    lookup: pinned,
    autoSelectFamily: false,
    agent: false as const,
    signal,
    ...(auth === undefined ? {} : { auth }),
    ...(url.protocol === 'https:' && isIP(host) === 0 ? { servername: host } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(options, resolve);
    // Node's socket errors name the resolved address (`connect ECONNREFUSED 10.0.0.5:80`): keep the code only.
    req.on('error', (e: NodeJS.ErrnoException) => reject(e.name === 'AbortError' ? e : new Error(`connection to ${host} failed (${e.code ?? 'network error'})`, { cause: e })));
    req.end();
  });
}

