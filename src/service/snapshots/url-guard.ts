/**
 * Which hosts snapshot recovery may download from. With `service.enable_snapshot_url_recovery` on, a URL is
 * fetched only when every address its host resolves to is public, unless the URL matches
 * `service.snapshot_url_allowlist`: loopback, private, link-local, cloud metadata, unspecified, multicast and
 * reserved addresses are refused (SSRF). IPv4-mapped, IPv4-compatible, NAT64 and 6to4 IPv6 forms are judged by
 * the IPv4 address they carry.
 */
import { isIP } from 'node:net';

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'unspecified' | 'multicast' | 'reserved';

function v4Bytes(ip: string): number[] | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  const out = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return out.every((n) => Number.isInteger(n) && n >= 0 && n <= 255) ? out : undefined;
}

function inV4(b: readonly number[], net: readonly number[], prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit++) {
    const i = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if (((b[i] ?? 0) & mask) !== ((net[i] ?? 0) & mask)) return false;
  }
  return true;
}

function classifyV4(b: readonly number[]): AddressClass {
  if (inV4(b, [0], 8)) return 'unspecified';
  if (inV4(b, [127], 8)) return 'loopback';
  if (b[0] === 169 && b[1] === 254 && b[2] === 169 && b[3] === 254) return 'metadata';
  if (inV4(b, [169, 254], 16)) return 'link-local';
  if (inV4(b, [10], 8) || inV4(b, [172, 16], 12) || inV4(b, [192, 168], 16) || inV4(b, [100, 64], 10)) return 'private';
  if (inV4(b, [224], 4)) return 'multicast';
  if (inV4(b, [240], 4) || inV4(b, [192, 0, 0], 24) || inV4(b, [198, 18], 15)) return 'reserved';
  return 'public';
}

/** 16 bytes of an IPv6 address (brackets and zone id dropped), or undefined when it is not one. */
export function v6Bytes(input: string): number[] | undefined {
  let ip = input.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(ip) !== 6) return undefined;
  const lastColon = ip.lastIndexOf(':');
  const tail = ip.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = v4Bytes(tail);
    if (v4 === undefined) return undefined;
    ip = `${ip.slice(0, lastColon + 1)}${(((v4[0] ?? 0) << 8) | (v4[1] ?? 0)).toString(16)}:${(((v4[2] ?? 0) << 8) | (v4[3] ?? 0)).toString(16)}`;
  }
  const halves = ip.split('::');
  if (halves.length > 2) return undefined;
  const split = (h: string | undefined): string[] => (h === undefined || h === '' ? [] : h.split(':'));
  const left = split(halves[0]);
  const right = split(halves[1]);
  const groups = halves.length === 2 ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  if (groups.length !== 8) return undefined;
  const out: number[] = [];
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = parseInt(g, 16);
    out.push((n >> 8) & 0xff, n & 0xff);
  }
  return out;
}

function classifyV6(b: readonly number[]): AddressClass {
  const zero = (from: number, to: number): boolean => b.slice(from, to).every((x) => x === 0);
  if (zero(0, 16)) return 'unspecified';
  if (zero(0, 15) && b[15] === 1) return 'loopback';
  // IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return classifyV4(b.slice(12));
  if (zero(0, 12)) return classifyV4(b.slice(12));
  // NAT64 64:ff9b::/96 and 6to4 2002::/16 carry an IPv4 address
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return classifyV4(b.slice(12));
  if (b[0] === 0x20 && b[1] === 0x02) {
    const inner = classifyV4(b.slice(2, 6));
    if (inner !== 'public') return inner;
  }
  // AWS IMDS over IPv6: fd00:ec2::254
  if (b[0] === 0xfd && b[1] === 0x00 && b[2] === 0x0e && b[3] === 0xc2 && zero(4, 14) && b[14] === 0x02 && b[15] === 0x54) return 'metadata';
  if (((b[0] ?? 0) & 0xfe) === 0xfc) return 'private';
  if (b[0] === 0xfe && ((b[1] ?? 0) & 0xc0) === 0x80) return 'link-local';
  if (b[0] === 0xfe && ((b[1] ?? 0) & 0xc0) === 0xc0) return 'private';
  if (b[0] === 0xff) return 'multicast';
  if (b[0] === 0x01 && b[1] === 0x00 && zero(2, 8)) return 'reserved';
  return 'public';
}

/** The class of an IP address (v4 or v6, with or without brackets). Anything unparseable is `reserved`. */
export function classifyAddress(ip: string): AddressClass {
  const v4 = v4Bytes(ip);
  if (v4 !== undefined) return classifyV4(v4);
  const v6 = v6Bytes(ip);
  return v6 === undefined ? 'reserved' : classifyV6(v6);
}

function effectivePort(u: URL): string {
  if (u.port !== '') return u.port;
  return u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '';
}

/**
 * True when `url` matches an allow-list entry: same scheme, host and port, and a path equal to the entry's or
 * below it (at a `/` boundary). An entry with a query string must match it exactly. Invalid entries match nothing.
 */
export function matchesAllowlist(url: URL, allowlist: readonly string[]): boolean {
  for (const raw of allowlist) {
    let entry: URL;
    try {
      entry = new URL(raw);
    } catch {
      continue;
    }
    if (entry.protocol !== url.protocol || entry.hostname !== url.hostname || effectivePort(entry) !== effectivePort(url)) continue;
    if (entry.search !== '' && entry.search !== url.search) continue;
    const base = entry.pathname;
    if (base === '/' || url.pathname === base) return true;
    if (url.pathname.startsWith(base.endsWith('/') ? base : `${base}/`)) return true;
  }
  return false;
}
