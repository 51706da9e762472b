import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { importJwtSecret, verifyJwt } from '../../../src/auth/jwt.js';
import { JWT_USAGE, runJwtCommand } from '../../../src/cli/jwt.js';

const API_KEY = 'cli-admin-key-0123456789abcdef0123456789';
const NOW = new Date('2030-06-01T12:00:00Z');
const NOW_S = NOW.getTime() / 1000;

async function jwt(argv: string[], apiKey: string | null = API_KEY) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runJwtCommand(argv, { apiKey, out: (s) => out.push(s), err: (s) => err.push(s), now: NOW });
  return { code, out, err };
}

const payload = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

describe('quiver jwt', () => {
  it('mints a token the server accepts, signed with the api key', async () => {
    const r = await jwt(['--access', 'docs:rw,logs:r', '--exp', '1h', '--subject', 'ci']);
    assert.equal(r.code, 0);
    assert.equal(r.out.length, 1);
    assert.deepEqual(payload(r.out[0]!), {
      access: [{ collection: 'docs', access: 'rw' }, { collection: 'logs', access: 'r' }],
      subject: 'ci',
      exp: NOW_S + 3600,
    });
    const claims = await verifyJwt(r.out[0]!, [await importJwtSecret(API_KEY)], NOW);
    assert.equal(claims.subject, 'ci');
  });

  it('supports global access, RFC 3339 expiry, no expiry and value_exists', async () => {
    assert.equal(payload((await jwt(['--access', 'r', '--exp', '2030-06-02T12:00:00Z'])).out[0]!)['exp'], NOW_S + 86_400);
    assert.equal('exp' in payload((await jwt(['--access', 'm', '--exp', 'none'])).out[0]!), false);
    const r = await jwt(['--access', 'm', '--exp', '30m', '--value-exists', 'users:user=andrey', '--value-exists', 'users:level=3', '--value-exists', 'users:tag="7"', '--value-exists', 'users:on=true']);
    assert.deepEqual(payload(r.out[0]!)['value_exists'], {
      collection: 'users',
      matches: [{ key: 'user', value: 'andrey' }, { key: 'level', value: 3 }, { key: 'tag', value: '7' }, { key: 'on', value: true }],
    });
  });

  it('fails with exit 1 when no api key is configured', async () => {
    for (const key of [null, '']) {
      const r = await jwt(['--access', 'r', '--exp', '1h'], key);
      assert.equal(r.code, 1);
      assert.match(r.err[0]!, /no service\.api_key is configured/);
      assert.deepEqual(r.out, []);
    }
  });

  const usage: Array<[string, string[], RegExp]> = [
    ['a missing access', ['--exp', '1h'], /--access .* is required/],
    ['a missing exp', ['--access', 'r'], /--exp is required/],
    ['a bad exp', ['--access', 'r', '--exp', '1y'], /--exp must be a duration/],
    ['a bad access', ['--access', 'x:y'], /must be "r", "rw" or "prw"/],
    ['value_exists over two collections', ['--access', 'r', '--exp', '1h', '--value-exists', 'a:k=v', '--value-exists', 'b:k=v'], /same collection/],
    ['a malformed value_exists', ['--access', 'r', '--exp', '1h', '--value-exists', 'users-user'], /is not collection:key=value/],
    ['a float value', ['--access', 'r', '--exp', '1h', '--value-exists', 'u:k=1.5'], /must be a string, an integer, true or false/],
    ['an unknown option', ['--access', 'r', '--exp', '1h', '--sub', 'x'], /Unknown option '--sub'/],
    ['a stray argument', ['mint', '--access', 'r', '--exp', '1h'], /unexpected argument "mint"/],
  ];
  for (const [what, argv, message] of usage) {
    it(`exits 2 on ${what}`, async () => {
      const r = await jwt(argv);
      assert.equal(r.code, 2);
      assert.match(r.err[0]!, message);
    });
  }

  it('prints usage with --help, and errors on out when there is no err', async () => {
    assert.deepEqual((await jwt(['--help'])).out, [JWT_USAGE]);
    const out: string[] = [];
    assert.equal(await runJwtCommand([], { apiKey: API_KEY, out: (s) => out.push(s) }), 2);
    assert.match(out[0]!, /^error: --access/);
  });
});
