import { isIP } from 'node:net';

/**
 * True when `host` only accepts connections from this machine: `localhost`, `127.0.0.0/8`, `::1` (with or
 * without brackets) or an IPv4-mapped loopback (`::ffff:127.0.0.1`). Wildcards such as `0.0.0.0` and `::` are not
 * loopback.
 */
export function isLoopbackHost(host: string): boolean {
  let text = host.trim().toLowerCase();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (text === 'localhost' || text.endsWith('.localhost')) return true;
  if (text.startsWith('::ffff:')) text = text.slice('::ffff:'.length);
  const family = isIP(text);
  if (family === 4) return text.startsWith('127.');
  if (family === 6) return /^(?:0{0,4}:){2,7}0{0,3}1$/.test(text) || text === '::1';
  return false;
}
