/**
 * JWT spellings a strict verifier must refuse: tokens over raw payload text (duplicate claims) and non-canonical
 * base64url spellings of a valid token (padding, non-zero trailing bits, standard-alphabet characters). Shared by
 * the JWT unit tests and the REST fuzz generators.
 */
import { createHmac } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** An HS256 token whose payload is exactly `payloadText` (e.g. `{"access":"r","access":"m"}`). */
export function signRawJwt(payloadText: string, secret: string, headerText = '{"alg":"HS256","typ":"JWT"}'): string {
  const input = `${Buffer.from(headerText).toString('base64url')}.${Buffer.from(payloadText).toString('base64url')}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Tokens with the same claims as `payload`, one claim key repeated with another value. */
export function duplicateClaimTokens(secret: string): string[] {
  return [
    '{"access":"r","access":"m"}',
    '{"access":"m","access":"r"}',
    '{"exp":1,"exp":99999999999}',
    '{"access":[{"collection":"c","access":"r","access":"rw"}]}',
    '{"value_exists":{"collection":"c","collection":"d","matches":[]}}',
    '{"sub":"a","\\u0073ub":"b"}',
  ].map((text) => signRawJwt(text, secret));
}

/** A segment's trailing unused bits set: decodes to the same bytes, spelled differently. Undefined when none. */
function flipTrailingBits(segment: string): string | undefined {
  const unused = (segment.length * 6) % 8;
  if (unused === 0) return undefined;
  const last = ALPHABET.indexOf(segment[segment.length - 1]!);
  return segment.slice(0, -1) + ALPHABET[last | 1];
}

/**
 * Every non-canonical spelling of `token` this helper knows: `=` padding on each segment, trailing bits set,
 * and the standard base64 alphabet (`+`, `/`) where the segment has `-` or `_`.
 */
export function nonCanonicalSpellings(token: string): string[] {
  const parts = token.split('.');
  const out: string[] = [];
  parts.forEach((segment, i) => {
    const respell = (s: string): void => void out.push(parts.map((p, j) => (j === i ? s : p)).join('.'));
    const pad = (4 - (segment.length % 4)) % 4;
    if (pad > 0) respell(segment + '='.repeat(pad));
    const flipped = flipTrailingBits(segment);
    if (flipped !== undefined && flipped !== segment) respell(flipped);
    if (/[-_]/.test(segment)) respell(segment.replace(/-/g, '+').replace(/_/g, '/'));
  });
  return out;
}
