import { strict as assert } from 'node:assert';
import { hkdfSync } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { configuredAuditKey, deriveAuditKey, readDirectoryKey } from '../../../../src/auth/audit/key.js';
import { tempDir } from './helpers.js';

const none = { hmac_key: null, hmac_key_file: null };
const hkdf = (ikm: string | Buffer): Buffer => Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'quiver-audit', 32));

void describe('deriveAuditKey', () => {
  void it('uses hmac_key bytes first', () => {
    const dir = tempDir();
    assert.deepEqual(deriveAuditKey({ dir, hmac_key: 'secret', hmac_key_file: null }, 'api'), Buffer.from('secret'));
  });

  void it('derives 32 bytes from a key file with HKDF-SHA256', () => {
    const dir = tempDir();
    const file = join(dir, 'k');
    writeFileSync(file, 'file key bytes\n');
    const key = deriveAuditKey({ dir, hmac_key: null, hmac_key_file: file }, 'api');
    assert.equal(key.length, 32);
    assert.deepEqual(key, hkdf(Buffer.from('file key bytes\n')));
  });

  void it('rejects both keys set, a missing key file and an empty one', () => {
    const dir = tempDir();
    assert.throws(() => deriveAuditKey({ dir, hmac_key: 'a', hmac_key_file: 'b' }, null), /at most one/);
    assert.throws(() => deriveAuditKey({ dir, hmac_key: null, hmac_key_file: join(dir, 'absent') }, null), /does not exist/);
    writeFileSync(join(dir, 'empty'), '');
    assert.throws(() => deriveAuditKey({ dir, hmac_key: null, hmac_key_file: join(dir, 'empty') }, null), /is empty/);
  });

  void it('falls back to HKDF of the API key with info quiver-audit', () => {
    assert.deepEqual(deriveAuditKey({ dir: tempDir(), ...none }, 'the-api-key'), hkdf('the-api-key'));
    assert.deepEqual(configuredAuditKey({ hmac_key: '', hmac_key_file: '' }, 'the-api-key'), hkdf('the-api-key'));
  });

  void it('otherwise creates a random per-directory key with mode 0600, then reuses it', () => {
    const dir = join(tempDir(), 'audit');
    assert.equal(configuredAuditKey(none, null), null);
    assert.equal(readDirectoryKey(dir), null);
    const key = deriveAuditKey({ dir, ...none }, null);
    assert.equal(key.length, 32);
    assert.equal(statSync(join(dir, '.audit-key')).mode & 0o777, 0o600);
    assert.match(readFileSync(join(dir, '.audit-key'), 'utf8'), /^[0-9a-f]{64}\n$/);
    assert.deepEqual(deriveAuditKey({ dir, ...none }, null), key);
    assert.deepEqual(readDirectoryKey(dir), key);
    writeFileSync(join(dir, '.audit-key'), 'bad');
    assert.throws(() => readDirectoryKey(dir), /not a valid audit key/);
  });
});
