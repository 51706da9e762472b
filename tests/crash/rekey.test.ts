/**
 * Issue 17 §5: `quiver storage rekey` is crash-safe. The rekey is killed (SIGKILL) at each of its steps; afterwards
 * the store opens with exactly one of the two keys — the old one when killed while copying, the new one from the
 * moment the copy is journaled as complete (startup rolls the swap forward) — with every point intact, and the other
 * key is refused.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PLAIN_STORAGE, startTestApp, tempDir } from '../support/app.js';
import { EncryptionKey } from '../../src/storage/encryption.js';
import type { RekeyStep } from '../../src/storage/rekey.js';

const CHILD = join(import.meta.dirname, 'rekey-child.ts');
const TSX = import.meta.resolve('tsx');
const KEY_ENV = 'QUIVER_REKEY_TEST_KEY';
const N = 60;

function runChild(args: readonly string[]): Promise<{ signal: NodeJS.Signals | null; out: string }> {
  const child = spawn(process.execPath, ['--import', TSX, CHILD, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve({ signal, out })));
}

function keyEnv(key: string | undefined): Record<string, string> {
  // Without a key the store is plain, also in a QUIVER_TEST_ENCRYPTION=1 run.
  if (key === undefined) return { ...PLAIN_STORAGE };
  process.env[KEY_ENV] = key;
  return { QDRANT__STORAGE__ENCRYPTION__KEY_ENV: KEY_ENV };
}

/** A store under `oldKey` holding N points. */
async function seeded(oldKey: string | undefined): Promise<string> {
  const dir = tempDir();
  const app = await startTestApp(keyEnv(oldKey), {}, dir);
  assert.equal((await app.request('PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } })).status, 200);
  const points = Array.from({ length: N }, (_, i) => ({ id: i, vector: [i, 1], payload: { n: `point-${i}` } }));
  assert.equal((await app.request('PUT', '/collections/c/points?wait=true', { points })).status, 200);
  await app.close();
  return dir;
}

/** Opens the store with `key`: its points, or the startup error. */
async function openWith(dir: string, key: string | undefined): Promise<{ ok: true; count: number; payload: unknown } | { ok: false; error: string }> {
  try {
    const app = await startTestApp(keyEnv(key), {}, dir);
    const count = (await app.request('POST', '/collections/c/points/count', {})).body.result.count as number;
    const payload = (await app.request('GET', '/collections/c/points/17')).body.result.payload as unknown;
    await app.close();
    return { ok: true, count, payload };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

const STEPS: ReadonlyArray<{ step: RekeyStep; wins: 'old' | 'new' }> = [
  { step: 'copied', wins: 'old' },
  { step: 'journaled', wins: 'new' },
  { step: 'moved-old', wins: 'new' },
  { step: 'moved-new', wins: 'new' },
  { step: 'marked', wins: 'new' },
];

describe('storage rekey under SIGKILL', () => {
  for (const from of ['encrypted', 'unencrypted'] as const) {
    for (const { step, wins } of STEPS) {
      it(`${from} store, killed at ${step}: opens with the ${wins} key only, every point intact`, async () => {
        const oldKey = from === 'encrypted' ? EncryptionKey.generateText() : undefined;
        const newKey = EncryptionKey.generateText();
        const dir = await seeded(oldKey);
        const storage = join(dir, 'storage');
        const killed = await runChild([storage, oldKey ?? 'none', newKey, step]);
        assert.equal(killed.signal, 'SIGKILL', `the child reached ${step}`);
        const [winner, loser] = wins === 'old' ? [oldKey, newKey] : [newKey, oldKey];
        // The losing key is tried first: a refused start must not disturb the winner.
        const refused = await openWith(dir, loser);
        assert.equal(refused.ok, false, `the ${wins === 'old' ? 'new' : 'old'} key must be refused`);
        const opened = await openWith(dir, winner);
        assert.deepEqual(opened, { ok: true, count: N, payload: { n: 'point-17' } });
      });
    }
  }

  it('a rekey run to its end, then again back: each key opens in turn', async () => {
    const first = EncryptionKey.generateText();
    const second = EncryptionKey.generateText();
    const dir = await seeded(first);
    const storage = join(dir, 'storage');
    assert.match((await runChild([storage, first, second, 'never'])).out, /done/);
    assert.deepEqual(await openWith(dir, second), { ok: true, count: N, payload: { n: 'point-17' } });
    assert.match((await runChild([storage, second, first, 'never'])).out, /done/);
    assert.deepEqual(await openWith(dir, first), { ok: true, count: N, payload: { n: 'point-17' } });
    const wrong = await runChild([storage, second, first, 'never']);
    assert.doesNotMatch(wrong.out, /done/, 'a rekey from the wrong key is refused');
    assert.deepEqual(await openWith(dir, first), { ok: true, count: N, payload: { n: 'point-17' } });
  });
});
