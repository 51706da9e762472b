/**
 * Key rotation without restart: under concurrent load, SIGHUP swaps the keys from the config file and a
 * change of the keys file is picked up by itself; no request that used a still-valid key fails.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startChildServer, tempDir, removeDir } from '../support/app.js';
import { hashApiKey, writeKeysFile } from '../../src/auth/keys-file.js';

const OLD = 'old-admin-key-0123456789abcdef0123456789ab';
const NEW = 'new-admin-key-0123456789abcdef0123456789ab';
const NAMED = 'qvk_named-reader-0123456789abcdef0123456789';

describe('hot reload', () => {
  it('rotates api keys on SIGHUP and keys-file changes with zero failed requests for valid keys', { timeout: 120_000 }, async () => {
    const dir = tempDir('quiver-reload-');
    try {
      const configPath = join(dir, 'quiver.yaml');
      const keysFile = join(dir, 'keys.yaml');
      writeKeysFile(keysFile, []);
      const writeConfig = (apiKey: string, alt: string | null): void =>
        writeFileSync(configPath, `service:\n  api_key: ${apiKey}\n  alt_api_key: ${alt ?? 'null'}\n  api_keys_file: ${keysFile}\nstorage:\n  storage_path: ${dir}/storage\n`);
      writeConfig(OLD, null);
      const server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage` }, undefined, ['--config-path', configPath]);
      // Phase by phase, which keys must work; a failure with a valid key is an error.
      const valid = new Set([OLD]);
      const failures: string[] = [];
      let stop = false;
      const counts = new Map<string, number>();
      const load = Array.from({ length: 8 }, async (_, w) => {
        while (!stop) {
          const key = [OLD, NEW, NAMED][w % 3]!;
          const wasValid = valid.has(key);
          const r = await fetch(`${server.url}/collections`, { headers: { 'api-key': key } });
          await r.arrayBuffer();
          const stillValid = valid.has(key);
          if (wasValid && stillValid && r.status !== 200) failures.push(`${key.slice(0, 8)} → ${r.status}`);
          if (r.status === 200) counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      });
      const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 1500));
      await settle();
      // 1. Add the new key as alt_api_key: both work after SIGHUP.
      writeConfig(OLD, NEW);
      server.proc.kill('SIGHUP');
      await settle();
      valid.add(NEW);
      await settle();
      // 2. Promote the new key, drop the old one.
      valid.delete(OLD);
      writeConfig(NEW, null);
      server.proc.kill('SIGHUP');
      await settle();
      const oldNow = await fetch(`${server.url}/collections`, { headers: { 'api-key': OLD } });
      assert.equal(oldNow.status, 401);
      // 3. A named key added to the keys file works without any signal.
      writeKeysFile(keysFile, [{ name: 'reader', hash: hashApiKey(NAMED), access: { kind: 'global', level: 'r' }, createdAt: new Date() }]);
      await settle();
      valid.add(NAMED);
      await settle();
      stop = true;
      await Promise.all(load);
      assert.deepEqual(failures, []);
      assert.ok((counts.get(NEW) ?? 0) > 10 && (counts.get(NAMED) ?? 0) > 10 && (counts.get(OLD) ?? 0) > 10, JSON.stringify([...counts].map(([k, v]) => [k.slice(0, 8), v])));
      await server.stop();
    } finally {
      removeDir(dir);
    }
  });
});
