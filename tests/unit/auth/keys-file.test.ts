import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  generateApiKey, hashApiKey, hashDigest, isValidKeyName, KEY_PREFIX, KeysFileError, parseKeysFile, parseRfc3339,
  readKeysFile, serializeKeysFile, writeKeysFile, type NamedKeyEntry,
} from '../../../src/auth/keys-file.js';
import { tempDir } from './fixtures.js';

const tmp = tempDir();
after(tmp.cleanup);

const HASH = hashApiKey('qvk_example');
const entry: NamedKeyEntry = {
  name: 'ci',
  hash: HASH,
  access: { kind: 'collections', grants: [{ collection: 'docs', access: 'rw' }] },
  expiresAt: new Date('2031-01-01T00:00:00Z'),
  createdAt: new Date('2030-01-01T00:00:00Z'),
};

function rejects(text: string, message: RegExp): void {
  assert.throws(() => parseKeysFile(text, 'keys.yaml'), (e: unknown) => {
    assert.ok(e instanceof KeysFileError);
    assert.match(e.message, message);
    assert.match(e.message, /^keys\.yaml/);
    return true;
  });
}

describe('generated keys and hashes', () => {
  it('generates 32 random bytes, base64url, prefixed qvk_', () => {
    const a = generateApiKey();
    assert.match(a, /^qvk_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(a.slice(KEY_PREFIX.length), 'base64url').length, 32);
    assert.notEqual(a, generateApiKey());
  });

  it('hashes with SHA-256 as sha256:<hex>', () => {
    assert.equal(hashApiKey('abc'), 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(hashDigest(hashApiKey('abc')).toString('hex'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('validates names and RFC 3339 timestamps', () => {
    assert.equal(isValidKeyName('ci-2.prod_x'), true);
    for (const bad of ['', '-x', 'a b', 'x'.repeat(65), 'é']) assert.equal(isValidKeyName(bad), false, bad);
    assert.equal(parseRfc3339('2030-01-01T00:00:00+02:00')?.toISOString(), '2029-12-31T22:00:00.000Z');
    assert.equal(parseRfc3339('2030-01-01t00:00:00.5z')?.toISOString(), '2030-01-01T00:00:00.500Z');
    for (const bad of ['2030-01-01', '2030-13-01T00:00:00Z', 'tomorrow', '2030-01-01T00:00:00']) {
      assert.equal(parseRfc3339(bad), undefined, bad);
    }
  });
});

describe('parseKeysFile / serializeKeysFile', () => {
  it('round-trips, and writes no key', () => {
    const reader: NamedKeyEntry = { name: 'reader', hash: hashApiKey('qvk_r'), access: { kind: 'global', level: 'r' }, createdAt: new Date('2030-01-01T00:00:00Z') };
    const text = serializeKeysFile([entry, reader]);
    assert.deepEqual(parseKeysFile(text, 'k'), [entry, reader]);
    assert.ok(!text.includes('qvk_example'));
    assert.match(text, /^# Quiver named API keys/);
  });

  it('reads an empty file, an empty document and an empty list as no keys', () => {
    assert.deepEqual(parseKeysFile('', 'k'), []);
    assert.deepEqual(parseKeysFile('# nothing\n', 'k'), []);
    assert.deepEqual(parseKeysFile('keys:\n', 'k'), []);
    assert.deepEqual(parseKeysFile('keys: []\n', 'k'), []);
  });

  it('accepts a hand-written entry with a null expiry', () => {
    const [e] = parseKeysFile(`keys:\n  - name: a\n    hash: "${HASH}"\n    access: m\n    expires_at: null\n    created_at: 2030-01-01T00:00:00Z\n`, 'k');
    assert.deepEqual(e, { name: 'a', hash: HASH, access: { kind: 'global', level: 'm' }, createdAt: new Date('2030-01-01T00:00:00Z') });
  });

  const ok = (fields: string) => `keys:\n  - name: a\n    hash: "${HASH}"\n    access: r\n    created_at: "2030-01-01T00:00:00Z"\n${fields}`;
  it('rejects invalid files with the file, entry and problem named', () => {
    rejects('keys: [', /not valid YAML/);
    rejects('a: 1\na: 2\n', /not valid YAML/);
    rejects('- a\n', /must be a mapping with a "keys" list/);
    rejects('keys: []\nextra: 1\n', /unknown top-level field "extra"/);
    rejects('keys: {a: 1}\n', /"keys" must be a list/);
    rejects('keys: [5]\n', /keys\[0\]: must be a mapping/);
    rejects(ok('    expires: "2031-01-01T00:00:00Z"\n'), /keys\[0\]: unknown field "expires"/);
    rejects(ok('').replace('name: a', 'name: "a b"'), /keys\[0\]: name must be/);
    rejects(ok('').replace(`"${HASH}"`, 'abc'), /keys\[0\] \(a\): hash must be "sha256:"/);
    rejects(ok('').replace(`"${HASH}"`, `"${HASH.toUpperCase()}"`), /hash must be/);
    rejects(ok('').replace('access: r', 'access: rw'), /keys\[0\] \(a\): access must be/);
    rejects(ok('').replace('access: r', 'access: [{collection: x, access: r, payload: {a: 1}}]'), /payload constraint is deprecated/);
    rejects(ok('').replace('"2030-01-01T00:00:00Z"', 'yesterday'), /created_at must be an RFC 3339 timestamp/);
    rejects(ok('').replace(/ {4}created_at.*\n/, ''), /created_at must be/);
    rejects(ok('    expires_at: 2031\n'), /expires_at must be an RFC 3339 timestamp/);
    rejects(`${ok('')}  - name: a\n    hash: "${hashApiKey('other')}"\n    access: r\n    created_at: "2030-01-01T00:00:00Z"\n`, /key name "a" appears more than once/);
    rejects(`${ok('')}  - name: b\n    hash: "${HASH}"\n    access: r\n    created_at: "2030-01-01T00:00:00Z"\n`, /key "b" has the same hash as another key/);
  });
});

describe('readKeysFile / writeKeysFile', () => {
  it('writes atomically with mode 0600 and leaves no temp file', () => {
    const dir = join(tmp.dir, 'rw');
    const file = join(dir, 'keys.yaml');
    writeKeysFile(file, [entry]);
    writeKeysFile(file, [entry, { ...entry, name: 'ci2', hash: hashApiKey('qvk_2') }]);
    assert.deepEqual(readdirSync(dir), ['keys.yaml']);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readKeysFile(file).map((e) => e.name), ['ci', 'ci2']);
    assert.ok(readFileSync(file, 'utf8').includes(HASH));
  });

  it('reports a missing file unless told it may be missing', () => {
    const file = join(tmp.dir, 'nope.yaml');
    assert.throws(() => readKeysFile(file), /API keys file .*nope\.yaml does not exist/);
    assert.deepEqual(readKeysFile(file, { missingOk: true }), []);
  });

  it('reports read and write errors with the path', () => {
    const dir = join(tmp.dir, 'a-dir');
    mkdirSync(dir);
    assert.throws(() => readKeysFile(dir), (e: unknown) => e instanceof KeysFileError && /cannot read API keys file .*a-dir/.test(e.message));
    const blocker = join(tmp.dir, 'a-file');
    writeFileSync(blocker, 'x');
    assert.throws(() => writeKeysFile(join(blocker, 'keys.yaml'), [entry]), (e: unknown) => e instanceof KeysFileError && /cannot write API keys file/.test(e.message));
  });

  it('validates what it reads', () => {
    const file = join(tmp.dir, 'bad.yaml');
    writeFileSync(file, 'keys: nope\n');
    assert.throws(() => readKeysFile(file), /bad\.yaml: "keys" must be a list/);
  });
});
