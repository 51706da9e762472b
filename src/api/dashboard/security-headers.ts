/**
 * The response headers of everything the dashboard serves: a strict Content-Security-Policy (scripts,
 * styles and requests from this origin only, no inline script, no framing), no MIME sniffing, no referrer.
 * A drop-in UI (`service.static_content_dir`) gets the same headers: it must not need inline script either.
 */
import type { FastifyReply } from 'fastify';

/** The policy: same-origin everything, nothing inline, never framed, no plugins, no form posts elsewhere. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

/** Sets {@link DASHBOARD_HEADERS} on `reply`. */
export function setDashboardHeaders(reply: FastifyReply): void {
  for (const [name, value] of Object.entries(DASHBOARD_HEADERS)) void reply.header(name, value);
}
