/**
 * Issue 16 finding 4: one token, one meaning, one spelling. A token repeating a claim is refused (Qdrant's serde
 * refuses duplicate fields; JSON.parse would keep the last), and every segment must be canonical base64url.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthFailure } from '../../../src/auth/auth-failure.js';
import { importJwtSecret, verifyJwt } from '../../../src/auth/jwt.js';
import { ADMIN_KEY, hs256, NOW } from './fixtures.js';
import { duplicateClaimTokens, nonCanonicalSpellings, signRawJwt } from '../../support/jwt-variants.js';

function invalid(e: unknown): boolean {
  assert.ok(e instanceof AuthFailure, String(e));
  assert.equal(e.kind, 'unauthorized');
  assert.equal(e.message, 'Invalid API key or JWT');
  return true;
}

describe('JWT strictness', () => {
  it('refuses a token that repeats a claim, at any depth', async () => {
    const keys = [await importJwtSecret(ADMIN_KEY)];
    assert.deepEqual((await verifyJwt(signRawJwt('{"access":"r"}', ADMIN_KEY), keys, NOW)).access, { kind: 'global', level: 'r' });
    for (const token of duplicateClaimTokens(ADMIN_KEY)) {
      await assert.rejects(verifyJwt(token, keys, NOW), invalid, Buffer.from(token.split('.')[1]!, 'base64url').toString());
    }
  });

  it('refuses a token whose header repeats a key (alg none, then HS256)', async () => {
    const keys = [await importJwtSecret(ADMIN_KEY)];
    const token = signRawJwt('{"access":"r"}', ADMIN_KEY, '{"alg":"none","alg":"HS256","typ":"JWT"}');
    await assert.rejects(verifyJwt(token, keys, NOW), invalid);
  });

  it('accepts the same key name in different objects', async () => {
    const keys = [await importJwtSecret(ADMIN_KEY)];
    const token = signRawJwt('{"access":[{"collection":"a","access":"r"},{"collection":"b","access":"rw"}],"value_exists":{"collection":"a","matches":[{"key":"k","value":1}]}}', ADMIN_KEY);
    await verifyJwt(token, keys, NOW);
  });

  it('refuses every non-canonical base64url spelling of a valid token', async () => {
    const keys = [await importJwtSecret(ADMIN_KEY)];
    const token = await hs256({ access: 'r', subject: 'ab?>' });
    await verifyJwt(token, keys, NOW);
    const variants = nonCanonicalSpellings(token);
    assert.ok(variants.length >= 4, String(variants.length));
    for (const variant of variants) {
      assert.notEqual(variant, token);
      await assert.rejects(verifyJwt(variant, keys, NOW), invalid, variant);
    }
  });
});
