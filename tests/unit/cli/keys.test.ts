import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { authenticate } from '../../../src/auth/authenticate.js';
import { CredentialStore } from '../../../src/auth/credentials.js';
import { readKeysFile } from '../../../src/auth/keys-file.js';
import { KEYS_USAGE, runKeysCommand } from '../../../src/cli/keys.js';

const dir = mkdtempSync(join(tmpdir(), 'quiver-keys-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const NOW = new Date('2030-06-01T12:00:00Z');
let n = 0;

/** Runs `quiver keys …` against a fresh file (or `file`), capturing stdout and stderr. */
async function keys(argv: string[], file = join(dir, `keys-${++n}.yaml`), now = NOW) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runKeysCommand(argv, { keysFile: file, out: (s) => out.push(s), err: (s) => err.push(s), now });
  return { code, out, err, file };
}

describe('quiver keys create', () => {
  it('prints the key once, stores only its hash, and the server accepts it', async () => {
    const r = await keys(['create', '--name', 'ci', '--access', 'r', '--expires', '90d']);
    assert.equal(r.code, 0);
    assert.equal(r.out.length, 1);
    const key = r.out[0]!;
    assert.match(key, /^qvk_[A-Za-z0-9_-]{43}$/);
    assert.match(r.err[0]!, /created key "ci" \(access r, expires 2030-08-30T12:00:00.000Z\); this is the only time it is shown/);
    const text = readFileSync(r.file, 'utf8');
    assert.ok(!text.includes(key));
    const [entry] = readKeysFile(r.file);
    assert.deepEqual(entry?.access, { kind: 'global', level: 'r' });
    assert.equal(entry?.createdAt.toISOString(), NOW.toISOString());

    const store = await CredentialStore.create({ api_keys_file: r.file });
    const auth = await authenticate({ apiKey: key }, store, NOW);
    assert.deepEqual(auth, { type: 'ApiKey', access: { kind: 'global', level: 'r' }, keyName: 'ci' });
    await assert.rejects(authenticate({ apiKey: key }, store, new Date('2030-08-30T12:00:00Z')), { code: 'AUTH_INVALID', kind: 'unauthorized' });
  });

  it('takes per-collection access from --access and repeated --collection', async () => {
    const r = await keys(['create', '--name', 'svc', '--access', 'a:r,b:prw', '--collection', 'c:rw', '--collection', 'with:colon:r']);
    assert.equal(r.code, 0);
    assert.deepEqual(readKeysFile(r.file)[0]?.access, {
      kind: 'collections',
      grants: [{ collection: 'a', access: 'r' }, { collection: 'b', access: 'prw' }, { collection: 'c', access: 'rw' }, { collection: 'with:colon', access: 'r' }],
    });
    assert.match(r.err[0]!, /no expiry/);
  });

  it('accepts an absolute RFC 3339 expiry and prints everything on out when there is no err', async () => {
    const out: string[] = [];
    const file = join(dir, 'abs.yaml');
    const code = await runKeysCommand(['create', '--name', 'abs', '--access', 'm', '--expires', '2031-01-01T00:00:00Z'], { keysFile: file, out: (s) => out.push(s), now: NOW });
    assert.equal(code, 0);
    assert.equal(out.length, 2);
    assert.equal(readKeysFile(file)[0]?.expiresAt?.toISOString(), '2031-01-01T00:00:00.000Z');
  });

  it('refuses a duplicate name and keeps the file unchanged', async () => {
    const first = await keys(['create', '--name', 'ci', '--access', 'r']);
    const before = readFileSync(first.file, 'utf8');
    const again = await keys(['create', '--name', 'ci', '--access', 'm'], first.file);
    assert.equal(again.code, 1);
    assert.match(again.err[0]!, /a key named "ci" already exists/);
    assert.deepEqual(again.out, []);
    assert.equal(readFileSync(first.file, 'utf8'), before);
  });

  const usage: Array<[string, string[], RegExp]> = [
    ['a missing name', ['create', '--access', 'r'], /--name must be/],
    ['a bad name', ['create', '--name', 'a b', '--access', 'r'], /--name must be/],
    ['no access', ['create', '--name', 'x'], /give --access/],
    ['global with collections', ['create', '--name', 'x', '--access', 'r', '--collection', 'c:rw'], /--access r is global/],
    ['a bad grant', ['create', '--name', 'x', '--collection', 'c'], /"c" is not collection:mode/],
    ['a bad mode', ['create', '--name', 'x', '--collection', 'c:m'], /access\[0\]\.access must be "r", "rw" or "prw"/],
    ['a duplicate collection', ['create', '--name', 'x', '--access', 'c:r,c:rw'], /collection c appears more than once/],
    ['a bad expiry', ['create', '--name', 'x', '--access', 'r', '--expires', 'soon'], /--expires must be a duration/],
    ['a past expiry', ['create', '--name', 'x', '--access', 'r', '--expires', '2020-01-01T00:00:00Z'], /--expires must be in the future/],
    ['an unknown option', ['create', '--name', 'x', '--access', 'r', '--admin'], /Unknown option '--admin'/],
    ['a stray argument', ['create', 'x', '--name', 'x', '--access', 'r'], /unexpected argument "x"/],
  ];
  for (const [what, argv, message] of usage) {
    it(`exits 2 on ${what}`, async () => {
      const r = await keys(argv);
      assert.equal(r.code, 2);
      assert.match(r.err.join('\n'), message);
      assert.deepEqual(r.out, []);
    });
  }
});

describe('quiver keys list', () => {
  it('lists names, access, expiry and a hash prefix, never a full hash or key', async () => {
    const a = await keys(['create', '--name', 'ci', '--access', 'docs:rw', '--expires', '1h']);
    await keys(['create', '--name', 'forever', '--access', 'm'], a.file);
    const later = new Date(NOW.getTime() + 2 * 3600_000);
    const r = await keys(['list'], a.file, later);
    assert.equal(r.code, 0);
    assert.match(r.out[0]!, /^NAME\s+ACCESS\s+EXPIRES\s+CREATED\s+HASH$/);
    assert.match(r.out[1]!, /^ci\s+docs:rw\s+2030-06-01T13:00:00.000Z \(expired\)\s+2030-06-01T12:00:00.000Z\s+sha256:[0-9a-f]{8}…$/);
    assert.match(r.out[2]!, /^forever\s+m\s+never\s+/);
    const fullHashes = readKeysFile(a.file).map((k) => k.hash);
    for (const h of fullHashes) assert.ok(!r.out.join('\n').includes(h));
  });

  it('says so when there are no keys, and takes no arguments', async () => {
    const r = await keys(['list']);
    assert.equal(r.code, 0);
    assert.match(r.out[0]!, /^no named keys in /);
    assert.equal((await keys(['list', 'extra'])).code, 2);
  });

  it('reports an invalid file with exit 1', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'keys: 3\n');
    const r = await keys(['list'], file);
    assert.equal(r.code, 1);
    assert.match(r.err[0]!, /broken\.yaml: "keys" must be a list/);
  });
});

describe('quiver keys revoke', () => {
  it('removes the key, and the server stops accepting it', async () => {
    const a = await keys(['create', '--name', 'ci', '--access', 'r']);
    const b = await keys(['create', '--name', 'other', '--access', 'r'], a.file);
    const r = await keys(['revoke', 'ci'], a.file);
    assert.equal(r.code, 0);
    assert.deepEqual(r.out, ['revoked key "ci"']);
    assert.deepEqual(readKeysFile(a.file).map((k) => k.name), ['other']);
    const store = await CredentialStore.create({ api_keys_file: a.file });
    await assert.rejects(authenticate({ apiKey: a.out[0] }, store, NOW), { code: 'AUTH_INVALID', kind: 'unauthorized' });
    assert.equal((await authenticate({ apiKey: b.out[0] }, store, NOW)).keyName, 'other');
  });

  it('fails on an unknown name and on a wrong argument count', async () => {
    const r = await keys(['revoke', 'ghost']);
    assert.equal(r.code, 1);
    assert.match(r.err[0]!, /no key named "ghost"/);
    assert.equal((await keys(['revoke'])).code, 2);
    assert.equal((await keys(['revoke', 'a', 'b'])).code, 2);
  });
});

describe('quiver keys (dispatch)', () => {
  it('prints usage for help, and exits 2 on a missing or unknown subcommand', async () => {
    for (const h of ['help', '--help', '-h']) {
      const r = await keys([h]);
      assert.equal(r.code, 0);
      assert.deepEqual(r.out, [KEYS_USAGE]);
    }
    const missing = await keys([]);
    assert.equal(missing.code, 2);
    assert.deepEqual(missing.err, ['error: missing subcommand', KEYS_USAGE]);
    const unknown = await keys(['rotate']);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.err[0], 'error: unknown subcommand "rotate"');
  });
});
