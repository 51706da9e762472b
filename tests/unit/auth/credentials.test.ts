import assert from 'node:assert/strict';
import type * as NodeCrypto from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { after, describe, it, mock } from 'node:test';
import { inspect } from 'node:util';
import { authenticate, AuthFailure } from '../../../src/auth/authenticate.js';
import { CredentialStore, MIN_KEY_BYTES } from '../../../src/auth/credentials.js';
import { KeysFileError } from '../../../src/auth/keys-file.js';
import { ADMIN_KEY, ALT_KEY, fullConfig, hs256, NAMED_KEY, NOW, RO_KEY, tempDir, writeFixtureKeysFile } from './fixtures.js';

const tmp = tempDir();
after(tmp.cleanup);

async function accepts(store: CredentialStore, key: string): Promise<boolean> {
  try {
    await authenticate({ apiKey: key }, store, NOW);
    return true;
  } catch (e) {
    assert.ok(e instanceof AuthFailure);
    return false;
  }
}

describe('CredentialStore', () => {
  it('is open only when no key and no keys file is configured', async () => {
    assert.equal((await CredentialStore.create({})).isOpen(), true);
    assert.equal((await CredentialStore.create({ api_key: '', alt_api_key: null, read_only_api_key: '', jwt_rbac: true })).isOpen(), true);
    assert.equal((await CredentialStore.create({ api_key: ADMIN_KEY })).isOpen(), false);
    assert.equal((await CredentialStore.create({ alt_api_key: ALT_KEY })).isOpen(), false);
    assert.equal((await CredentialStore.create({ read_only_api_key: RO_KEY })).isOpen(), false);
  });

  it('stays closed with a keys file that lists no key (revoking the last key never opens the server)', async () => {
    const file = join(tmp.dir, 'empty.yaml');
    writeFileSync(file, 'keys: []\n');
    const store = await CredentialStore.create({ api_keys_file: file });
    assert.equal(store.isOpen(), false);
    assert.equal(await accepts(store, 'anything'), false);
  });

  it('holds JWT keys only when jwt_rbac is on, api_key first', async () => {
    assert.equal((await CredentialStore.create({ api_key: ADMIN_KEY })).snapshot().jwtKeys.length, 0);
    assert.equal((await CredentialStore.create({ api_key: ADMIN_KEY, alt_api_key: ALT_KEY, read_only_api_key: RO_KEY, jwt_rbac: true })).snapshot().jwtKeys.length, 2);
    assert.equal((await CredentialStore.create({ read_only_api_key: RO_KEY, jwt_rbac: true })).snapshot().jwtKeys.length, 0);
  });

  it('warns about short keys, naming the setting and never the key', async () => {
    const store = await CredentialStore.create({ api_key: 'short-admin', alt_api_key: ALT_KEY, read_only_api_key: 'short-ro' });
    assert.deepEqual(store.warnings(), [
      `service.api_key is shorter than ${MIN_KEY_BYTES} bytes; use a long random key`,
      `service.read_only_api_key is shorter than ${MIN_KEY_BYTES} bytes; use a long random key`,
    ]);
    assert.ok(!store.warnings().join().includes('short-admin'));
    assert.deepEqual((await CredentialStore.create({ api_key: ADMIN_KEY })).warnings(), []);
  });

  it('keeps no key text in what it exposes', async () => {
    const file = join(tmp.dir, 'inspect.yaml');
    writeFixtureKeysFile(file);
    const store = await CredentialStore.create(fullConfig(file));
    const dump = inspect(store.snapshot(), { depth: 10, showHidden: true });
    for (const key of [ADMIN_KEY, ALT_KEY, RO_KEY, NAMED_KEY]) assert.ok(!dump.includes(key));
  });

  it('reload swaps every credential at once; a snapshot taken before keeps the old ones', async () => {
    const store = await CredentialStore.create({ api_key: ADMIN_KEY, jwt_rbac: true });
    const oldToken = await hs256({ access: 'r' }, ADMIN_KEY);
    const before = store.snapshot();
    await store.reload({ api_key: ALT_KEY, read_only_api_key: RO_KEY, jwt_rbac: true });
    assert.equal(await accepts(store, ADMIN_KEY), false);
    assert.equal(await accepts(store, ALT_KEY), true);
    assert.equal(await accepts(store, RO_KEY), true);
    await assert.rejects(authenticate({ authorization: `Bearer ${oldToken}` }, store, NOW), { code: 'JWT_BAD_SIGNATURE', kind: 'forbidden', message: 'InvalidSignature' });
    assert.equal(before.match(ADMIN_KEY, NOW).kind, 'manage');
    assert.equal(before.match(ALT_KEY, NOW).kind, 'none');
  });

  it('reload re-reads the keys file', async () => {
    const file = join(tmp.dir, 'reload.yaml');
    writeFileSync(file, 'keys: []\n');
    const store = await CredentialStore.create({ api_keys_file: file });
    assert.equal(await accepts(store, NAMED_KEY), false);
    writeFixtureKeysFile(file);
    await store.reload({ api_keys_file: file });
    assert.equal(await accepts(store, NAMED_KEY), true);
  });

  it('a failed reload keeps the old credentials', async () => {
    const store = await CredentialStore.create({ api_key: ADMIN_KEY });
    await assert.rejects(store.reload({ api_key: ALT_KEY, api_keys_file: join(tmp.dir, 'missing.yaml') }), KeysFileError);
    assert.equal(await accepts(store, ADMIN_KEY), true);
    assert.equal(await accepts(store, ALT_KEY), false);
  });

  it('when reloads overlap, the one started last wins', async () => {
    const store = await CredentialStore.create({ api_key: ADMIN_KEY });
    // The first reload imports JWT keys (slower); the second has nothing to import and finishes first.
    const first = store.reload({ api_key: ALT_KEY, jwt_rbac: true });
    const second = store.reload({ api_key: RO_KEY });
    await Promise.all([first, second]);
    assert.equal(await accepts(store, RO_KEY), true);
    assert.equal(await accepts(store, ALT_KEY), false);
  });

  it('compares keys with crypto.timingSafeEqual over 32-byte digests', async (t) => {
    const cjsCrypto = createRequire(import.meta.url)('node:crypto') as typeof NodeCrypto;
    const spy = mock.method(cjsCrypto, 'timingSafeEqual');
    syncBuiltinESMExports();
    t.after(() => {
      spy.mock.restore();
      syncBuiltinESMExports();
    });
    const file = join(tmp.dir, 'spy.yaml');
    writeFixtureKeysFile(file);
    const store = await CredentialStore.create(fullConfig(file));
    for (const key of [ADMIN_KEY, RO_KEY, NAMED_KEY, 'unknown']) {
      spy.mock.resetCalls();
      await authenticate({ apiKey: key }, store, NOW).catch(() => undefined);
      assert.ok(spy.mock.callCount() >= 2, `timingSafeEqual used for ${key}`);
      for (const call of spy.mock.calls) {
        const [a, b] = call.arguments as [Buffer, Buffer];
        assert.equal(a.length, 32);
        assert.equal(b.length, 32);
      }
    }
  });
});
