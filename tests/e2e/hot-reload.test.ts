/**
 * Key rotation without restart: under concurrent load, SIGHUP swaps the keys from the config file and a
 * change of the keys file is picked up by itself; no request that used a still-valid key fails. A reload that
 * fails (a broken config file, a bad keys file) changes nothing: the old keys stay in force. Every phase waits
 * by polling what a client can see (which key answers 200 or 401, what the server logged), never by sleeping.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startChildServer, tempDir, removeDir, type ChildServer } from '../support/app.js';
import { pollUntil } from '../support/poll.js';
import { hashApiKey, writeKeysFile } from '../../src/auth/keys-file.js';

const OLD = 'old-admin-key-0123456789abcdef0123456789ab';
const NEW = 'new-admin-key-0123456789abcdef0123456789ab';
const NAMED = 'qvk_named-reader-0123456789abcdef0123456789';

/** The status `key` gets on GET /collections now. */
async function statusWith(server: ChildServer, key: string): Promise<number> {
  const r = await fetch(`${server.url}/collections`, { headers: { 'api-key': key } });
  await r.arrayBuffer();
  return r.status;
}

/** Waits until `key` gets `status` (the reload has been applied). */
async function until(server: ChildServer, key: string, status: number): Promise<void> {
  await pollUntil(`${key.slice(0, 8)}… to get ${status}`, async () => (await statusWith(server, key)) === status);
}

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
      /** Lets the load run until `key` has `n` more successes (so every phase is exercised under load). */
      const served = async (key: string, n: number): Promise<void> => {
        const target = (counts.get(key) ?? 0) + n;
        await pollUntil(`${n} more requests with ${key.slice(0, 8)}…`, () => (counts.get(key) ?? 0) >= target);
      };
      await served(OLD, 20);
      // 1. Add the new key as alt_api_key: both work after SIGHUP.
      writeConfig(OLD, NEW);
      server.proc.kill('SIGHUP');
      await until(server, NEW, 200);
      valid.add(NEW);
      await Promise.all([served(NEW, 20), served(OLD, 20)]);
      // 2. Promote the new key, drop the old one.
      valid.delete(OLD);
      writeConfig(NEW, null);
      server.proc.kill('SIGHUP');
      await until(server, OLD, 401);
      await served(NEW, 20);
      // 3. A named key added to the keys file works without any signal.
      writeKeysFile(keysFile, [{ name: 'reader', hash: hashApiKey(NAMED), access: { kind: 'global', level: 'r' }, createdAt: new Date() }]);
      await until(server, NAMED, 200);
      valid.add(NAMED);
      await Promise.all([served(NAMED, 20), served(NEW, 20)]);
      stop = true;
      await Promise.all(load);
      assert.deepEqual(failures, []);
      assert.ok((counts.get(NEW) ?? 0) > 10 && (counts.get(NAMED) ?? 0) > 10 && (counts.get(OLD) ?? 0) > 10, JSON.stringify([...counts].map(([k, v]) => [k.slice(0, 8), v])));
      await server.stop();
    } finally {
      removeDir(dir);
    }
  });

  it('keeps the old keys in force when SIGHUP meets a broken config file, and applies the next good one', { timeout: 120_000 }, async () => {
    const dir = tempDir('quiver-reload-broken-');
    const configPath = join(dir, 'quiver.yaml');
    const good = (apiKey: string): string => `service:\n  api_key: ${apiKey}\nstorage:\n  storage_path: ${dir}/storage\n`;
    writeFileSync(configPath, good(OLD));
    const server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage` }, undefined, ['--config-path', configPath]);
    try {
      assert.equal(await statusWith(server, OLD), 200);
      const broken: ReadonlyArray<readonly [string, string]> = [
        ['YAML that does not parse', `service:\n  api_key: ${NEW}\n   http_port: [unclosed\n`],
        ['a value of the wrong type', `service:\n  api_key: ${NEW}\n  http_port: not-a-port\n`],
      ];
      for (const [what, text] of broken) {
        const logged = server.output().split('configuration NOT reloaded').length;
        writeFileSync(configPath, text);
        server.proc.kill('SIGHUP');
        await pollUntil(`the server to report the ${what}`, () => server.output().split('configuration NOT reloaded').length > logged);
        assert.equal(await statusWith(server, OLD), 200, `${what}: the old key must stay in force`);
        assert.equal(await statusWith(server, NEW), 401, `${what}: the key of the broken file must not be applied`);
        assert.equal(server.proc.exitCode, null, `${what}: the server must keep running`);
      }
      writeFileSync(configPath, good(NEW));
      server.proc.kill('SIGHUP');
      await until(server, NEW, 200);
      assert.equal(await statusWith(server, OLD), 401);
    } finally {
      await server.stop();
      removeDir(dir);
    }
  });

  it('keeps every old key in force when the keys file turns bad, on its own and together with a SIGHUP', { timeout: 120_000 }, async () => {
    const dir = tempDir('quiver-reload-keys-');
    const configPath = join(dir, 'quiver.yaml');
    const keysFile = join(dir, 'keys.yaml');
    writeKeysFile(keysFile, [{ name: 'reader', hash: hashApiKey(NAMED), access: { kind: 'global', level: 'r' }, createdAt: new Date() }]);
    const config = (apiKey: string): string => `service:\n  api_key: ${apiKey}\n  api_keys_file: ${keysFile}\nstorage:\n  storage_path: ${dir}/storage\n`;
    writeFileSync(configPath, config(OLD));
    const server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage` }, undefined, ['--config-path', configPath]);
    const refusals = (): number => server.output().split('credentials NOT reloaded').length - 1;
    try {
      assert.equal(await statusWith(server, NAMED), 200);
      // 1. The keys file is replaced by garbage: the watcher's reload fails, the named key keeps working.
      writeFileSync(keysFile, 'keys: [this is: not, a keys file\n');
      await pollUntil('the failed keys-file reload to be logged', () => refusals() >= 1);
      assert.equal(await statusWith(server, NAMED), 200, 'the named key of the last good keys file stays in force');
      assert.equal(await statusWith(server, OLD), 200);
      // 2. SIGHUP with a new api_key while the keys file is still bad: nothing of it is applied.
      const before = refusals();
      writeFileSync(configPath, config(NEW));
      server.proc.kill('SIGHUP');
      await pollUntil('the failed SIGHUP reload to be logged', () => refusals() > before);
      assert.equal(await statusWith(server, OLD), 200, 'the old api_key stays in force');
      assert.equal(await statusWith(server, NEW), 401, 'a half-applied reload would accept the new api_key');
      assert.equal(await statusWith(server, NAMED), 200);
      // 3. The keys file is good again (the named key revoked): it is picked up by itself, with the new api_key.
      writeKeysFile(keysFile, []);
      await until(server, NAMED, 401);
      assert.equal(await statusWith(server, NEW), 200);
      assert.equal(await statusWith(server, OLD), 401);
      assert.equal(server.proc.exitCode, null);
    } finally {
      await server.stop();
      removeDir(dir);
    }
  });
});
