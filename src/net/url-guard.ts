/**
 * Which hosts snapshot recovery may download from. With `service.enable_snapshot_url_recovery` on, a URL is
 * fetched only when every address its host resolves to is public, unless the URL matches
 * `service.snapshot_url_allowlist`: loopback, private, link-local, cloud metadata, unspecified, multicast and
 * reserved addresses are refused (SSRF).
 *
 * Parsing and the special-purpose ranges are ipaddr.js's (IANA registries); Quiver adds the cloud metadata
 * endpoints, judges IPv4-mapped, IPv4-compatible, SIIT, NAT64 (`64:ff9b::/96`) and 6to4 addresses by the IPv4
 * address they carry, and refuses the NAT64 local-use prefix `64:ff9b:1::/48` and Teredo `2001::/32` outright
 * (what they reach cannot be read from the address).
 */
import ipaddr from 'ipaddr.js';

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'unspecified' | 'multicast' | 'reserved';

/** Cloud instance metadata endpoints (AWS, GCP, Azure, ECS/EKS, Alibaba, Oracle): credentials live there. */
const METADATA = new Set(['169.254.169.254', '169.254.170.2', '169.254.170.23', '100.100.100.200', '192.0.0.192', 'fd00:ec2::254', 'fd00:ec2::23']);

const V4_CLASSES: Readonly<Record<string, AddressClass>> = {
  unicast: 'public',
  unspecified: 'unspecified',
  loopback: 'loopback',
  private: 'private',
  carrierGradeNat: 'private',
  linkLocal: 'link-local',
  multicast: 'multicast',
};

const V6_CLASSES: Readonly<Record<string, AddressClass>> = {
  unicast: 'public',
  unspecified: 'unspecified',
  loopback: 'loopback',
  uniqueLocal: 'private',
  deprecatedSiteLocal: 'private',
  linkLocal: 'link-local',
  multicast: 'multicast',
};

function classifyV4(a: ipaddr.IPv4): AddressClass {
  if (METADATA.has(a.toString())) return 'metadata';
  return V4_CLASSES[a.range()] ?? 'reserved';
}

/** The IPv4 address an IPv6 address carries in its last 32 bits. */
function low32(a: ipaddr.IPv6): ipaddr.IPv4 {
  const b = a.toByteArray();
  return new ipaddr.IPv4(b.slice(12, 16));
}

function classifyV6(a: ipaddr.IPv6): AddressClass {
  if (METADATA.has(a.toString())) return 'metadata';
  const b = a.toByteArray();
  const zero = (from: number, to: number): boolean => b.slice(from, to).every((x) => x === 0);
  if (a.match(ipaddr.IPv6.parse('64:ff9b:1::'), 48)) return 'private';
  if (a.match(ipaddr.IPv6.parse('2001::'), 32)) return 'reserved';
  const range = a.range();
  if (range === 'ipv4Mapped' || range === 'rfc6145' || a.match(ipaddr.IPv6.parse('64:ff9b::'), 96)) return classifyV4(low32(a));
  // IPv4-compatible ::a.b.c.d (deprecated), except :: and ::1
  if (zero(0, 12) && range !== 'unspecified' && range !== 'loopback') return classifyV4(low32(a));
  if (range === '6to4') {
    const inner = classifyV4(new ipaddr.IPv4(b.slice(2, 6)));
    return inner === 'public' ? 'public' : inner;
  }
  return V6_CLASSES[range] ?? 'reserved';
}

/** The class of an IP address (v4 or v6, with or without brackets and zone). Anything unparseable is `reserved`. */
export function classifyAddress(ip: string): AddressClass {
  const bare = ip.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return 'reserved';
  const a = ipaddr.parse(bare);
  return a.kind() === 'ipv4' ? classifyV4(a as ipaddr.IPv4) : classifyV6(a as ipaddr.IPv6);
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
