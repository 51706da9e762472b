/**
 * Client IP restrictions (**Quiver**; Qdrant Cloud has them, Qdrant OSS does not): `service.allowed_client_ips`
 * lists the addresses and CIDR ranges, IPv4 and IPv6, that may connect. Everyone else is refused with 403 before
 * authentication, so a stolen key is useless from outside the listed networks.
 *
 * Matching uses `node:net` `BlockList`, which compares IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, what a
 * dual-stack socket reports for an IPv4 peer) with IPv4 rules and the other way round.
 *
 * Use the socket's peer address, not `X-Forwarded-For`: a header is whatever the client wants it to be.
 */
import { BlockList, isIP } from 'node:net';

/** A parsed allow-list. Build it with {@link parseAllowList}; query it with {@link allows}. */
export interface AllowList {
  /** The entries as configured (trimmed). Empty = every address is allowed. */
  readonly entries: readonly string[];
  /** The rules; not exported as a mutable set. */
  readonly rules: Pick<BlockList, 'check'>;
}

type Family = 'ipv4' | 'ipv6';

function familyOf(address: string): Family | undefined {
  const kind = isIP(address);
  return kind === 4 ? 'ipv4' : kind === 6 ? 'ipv6' : undefined;
}

/** Drops an IPv6 zone (`fe80::1%eth0`) and brackets (`[::1]`). */
function bareAddress(text: string): string {
  let address = text.trim();
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  const zone = address.indexOf('%');
  return zone === -1 ? address : address.slice(0, zone);
}

/**
 * Parses `service.allowed_client_ips`: single addresses (`10.1.2.3`, `2001:db8::7`, `::ffff:10.1.2.3`) and CIDR
 * ranges (`10.0.0.0/8`, `2001:db8::/32`). Host bits after the prefix are ignored (`10.1.2.3/8` = `10.0.0.0/8`).
 *
 * @throws Error naming the first invalid entry, e.g.
 *   `service.allowed_client_ips: "10.0.0.0/33" is not an IP address or CIDR range (prefix must be 0..32 for IPv4)`
 * @example
 * const list = parseAllowList(['10.0.0.0/8', '::1']);
 * allows(list, '::ffff:10.2.3.4'); // true
 */
export function parseAllowList(entries: readonly string[], key = 'service.allowed_client_ips'): AllowList {
  const rules = new BlockList();
  const kept: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    const invalid = (why: string): Error =>
      new Error(`${key}: ${JSON.stringify(raw)} is not an IP address or CIDR range (${why})`);
    if (entry === '') throw invalid('empty entry');
    const slash = entry.indexOf('/');
    const address = bareAddress(slash === -1 ? entry : entry.slice(0, slash));
    const family = familyOf(address);
    if (family === undefined) throw invalid(`${JSON.stringify(address)} is not an IPv4 or IPv6 address`);
    if (slash === -1) {
      rules.addAddress(address, family);
    } else {
      const bits = entry.slice(slash + 1);
      const max = family === 'ipv4' ? 32 : 128;
      if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) {
        throw invalid(`prefix must be 0..${max} for ${family === 'ipv4' ? 'IPv4' : 'IPv6'}`);
      }
      rules.addSubnet(address, Number(bits), family);
    }
    kept.push(entry);
  }
  return { entries: kept, rules };
}

/**
 * True when `remoteAddress` may connect: the list is empty, or an entry matches. An unknown or unparsable peer
 * address (a socket already closed) is refused unless the list is empty.
 */
export function allows(list: AllowList, remoteAddress: string | undefined): boolean {
  if (list.entries.length === 0) return true;
  if (remoteAddress === undefined) return false;
  const address = bareAddress(remoteAddress);
  const family = familyOf(address);
  return family !== undefined && list.rules.check(address, family);
}

/**
 * The reason of the 403 for a refused peer: the route answers
 * `{"status":{"error":"Forbidden: client address <ip> is not allowed"},"time":…}`.
 */
export function deniedReason(remoteAddress: string | undefined): string {
  return `client address ${remoteAddress ?? 'unknown'} is not allowed`;
}
