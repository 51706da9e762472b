/**
 * The named-keys file of format version 1 (`tests/fixtures/golden/v1/api-keys.yaml`, written by
 * `writeKeysFile` before the file recorded a version): its stored hashes authenticate the plaintext keys it was
 * made for, with the access and expiry it records; a file of a newer version is refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, tempDir, testConfig, removeDir, type TestApp } from '../support/app.js';
import { hashApiKey, parseKeysFile, readKeysFile, serializeKeysFile, KeysFileError } from '../../src/auth/keys-file.js';
import { GOLDEN_KEYS, GOLDEN_V1 } from './fixtures.js';

const KEYS_FILE = join(GOLDEN_V1, 'api-keys.yaml');
const ADMIN = 'golden-admin-key-0123456789abcdef0123456789abcdef';
const ENV = (dir: string): Record<string, string> => ({ QDRANT__SERVICE__API_KEY: ADMIN, QDRANT__SERVICE__API_KEYS_FILE: join(dir, 'api-keys.yaml') });

describe('golden v1 named-keys file', () => {
  it('parses to the entries it was made with (no version field: version 1)', () => {
    const text = readFileSync(KEYS_FILE, 'utf8');
    assert.doesNotMatch(text, /^version:/m);
    const entries = readKeysFile(KEYS_FILE);
    assert.deepEqual(
      entries.map((e) => [e.name, e.expiresAt?.toISOString() ?? null, e.createdAt.toISOString()]),
      [
        ['reader', null, '2026-01-01T00:00:00.000Z'],
        ['writer.docs', '2099-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
        ['expired', '2020-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
      ],
    );
    assert.deepEqual(entries.map((e) => e.hash), [hashApiKey(GOLDEN_KEYS.reader), hashApiKey(GOLDEN_KEYS.writer), hashApiKey(GOLDEN_KEYS.expired)]);
    assert.deepEqual(entries[0]!.access, { kind: 'global', level: 'r' });
    assert.deepEqual(entries[1]!.access, { kind: 'collections', grants: [{ collection: 'golden', access: 'rw' }] });
  });

  it('is rewritten with a version, and the rewrite reads back the same', () => {
    const entries = readKeysFile(KEYS_FILE);
    const text = serializeKeysFile(entries);
    assert.match(text, /^version: 1$/m);
    assert.deepEqual(parseKeysFile(text, 'rewritten'), entries);
  });

  it('refuses a file of a newer version', () => {
    const text = `version: 2\n${readFileSync(KEYS_FILE, 'utf8')}`;
    assert.throws(() => parseKeysFile(text, 'keys.yaml'), (e: unknown) => {
      assert.ok(e instanceof KeysFileError);
      assert.equal(e.message, 'keys.yaml: API keys file format version 2 is newer than this Quiver supports (max 1); upgrade Quiver');
      return true;
    });
    assert.throws(() => parseKeysFile(`version: one\n${readFileSync(KEYS_FILE, 'utf8')}`, 'keys.yaml'), /is not a version number/);
  });

  describe('on a running server', () => {
    let app: TestApp;
    let dir: string;
    before(async () => {
      dir = tempDir('quiver-golden-keys-');
      copyFileSync(KEYS_FILE, join(dir, 'api-keys.yaml'));
      app = await startTestApp(ENV(dir), {}, dir);
      const created = await app.request('PUT', '/collections/golden', { vectors: { size: 2, distance: 'Dot' } }, { 'api-key': ADMIN });
      assert.equal(created.status, 200, created.text);
    });
    after(async () => {
      await app.close();
      removeDir(dir);
    });
    const as = (key: string) => ({ 'api-key': key });

    it('the reader key reads and may not write', async () => {
      assert.equal((await app.request('GET', '/collections', undefined, as(GOLDEN_KEYS.reader))).status, 200);
      assert.equal((await app.request('PUT', '/collections/other', { vectors: { size: 2, distance: 'Dot' } }, as(GOLDEN_KEYS.reader))).status, 403);
    });

    it('the writer key writes its collection only', async () => {
      const up = await app.request('PUT', '/collections/golden/points?wait=true', { points: [{ id: 1, vector: [1, 2] }] }, as(GOLDEN_KEYS.writer));
      assert.equal(up.status, 200, up.text);
      assert.equal((await app.request('PUT', '/collections/other', { vectors: { size: 2, distance: 'Dot' } }, as(GOLDEN_KEYS.writer))).status, 403);
    });

    it('a keys file rewritten in a newer version is not loaded: the keys in force stay', async () => {
      const path = join(dir, 'api-keys.yaml');
      const v1 = readFileSync(path);
      writeFileSync(path, `version: 2\nkeys: []\n`);
      try {
        await assert.rejects(app.reloadCredentials(testConfig(dir, ENV(dir))), /API keys file format version 2 is newer than this Quiver supports/);
        assert.equal((await app.request('GET', '/collections', undefined, as(GOLDEN_KEYS.reader))).status, 200);
      } finally {
        writeFileSync(path, v1);
      }
    });

    it('the expired key and an unknown key are rejected', async () => {
      assert.equal((await app.request('GET', '/collections', undefined, as(GOLDEN_KEYS.expired))).status, 401);
      assert.equal((await app.request('GET', '/collections', undefined, as(`${GOLDEN_KEYS.reader}x`))).status, 401);
    });
  });

  it('a server does not start on a keys file of a newer version', async () => {
    const dir = tempDir('quiver-golden-keys-');
    try {
      writeFileSync(join(dir, 'api-keys.yaml'), `version: 2\n${readFileSync(KEYS_FILE, 'utf8')}`);
      await assert.rejects(
        startTestApp(ENV(dir), {}, dir),
        /API keys file format version 2 is newer than this Quiver supports \(max 1\); upgrade Quiver/,
      );
    } finally {
      removeDir(dir);
    }
  });
});
