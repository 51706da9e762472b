import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { checkStartup, MIN_API_KEY_BYTES, type StartupConfig } from '../../../src/auth/startup-checks.js';
import { DEFAULT_CONFIG } from '../../../src/config/schema.js';

const LONG_KEY = 'k'.repeat(MIN_API_KEY_BYTES);
const SHORT_KEY = 'short-secret-value';

function config(
  service: Partial<StartupConfig['service']> = {},
  tls: Partial<StartupConfig['tls']> = {},
): StartupConfig {
  return { service: { ...DEFAULT_CONFIG.service, ...service }, tls: { ...DEFAULT_CONFIG.tls, ...tls } };
}

const TLS_FILES = { cert: '/etc/quiver/cert.pem', key: '/etc/quiver/key.pem' } as const;

void describe('checkStartup', () => {
  void it('accepts the defaults (loopback, no key) without warnings', () => {
    assert.deepEqual(checkStartup(DEFAULT_CONFIG), { warnings: [] });
  });

  void it('accepts every loopback form without a key', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      assert.deepEqual(checkStartup(config({ host })), { warnings: [] }, host);
    }
  });

  void it('refuses a non-loopback host without any key and explains every way out', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'db.internal']) {
      const report = checkStartup(config({ host }));
      assert.ok(report.fatal !== undefined, host);
      assert.match(report.fatal, new RegExp(`^refusing to listen on ${host.replace(/\./g, '\\.')} without an API key`));
      for (const hint of [
        'service.api_key', 'QDRANT__SERVICE__API_KEY', 'quiver keys create', 'service.api_keys_file',
        'service.host: 127.0.0.1', 'service.allow_insecure: true',
      ]) {
        assert.ok(report.fatal.includes(hint), `${host}: missing hint ${hint}`);
      }
    }
  });

  void it('treats an empty-string key as no key', () => {
    assert.ok(checkStartup(config({ host: '0.0.0.0', api_key: '' })).fatal !== undefined);
  });

  void it('accepts any one of api_key, alt_api_key, read_only_api_key or api_keys_file', () => {
    const keys: Partial<StartupConfig['service']>[] = [
      { api_key: LONG_KEY }, { alt_api_key: LONG_KEY }, { read_only_api_key: LONG_KEY }, { api_keys_file: '/etc/quiver/keys.yaml' },
    ];
    for (const key of keys) {
      const report = checkStartup(config({ host: '0.0.0.0', enable_tls: true, ...key }, TLS_FILES));
      assert.deepEqual(report, { warnings: [] }, JSON.stringify(key));
    }
  });

  void it('starts with a loud warning when allow_insecure is set', () => {
    const report = checkStartup(config({ host: '0.0.0.0', allow_insecure: true }));
    assert.equal(report.fatal, undefined);
    assert.equal(report.warnings.length, 1);
    assert.match(report.warnings[0] ?? '', /^INSECURE: listening on 0\.0\.0\.0 with no API key because service\.allow_insecure is true/);
  });

  void it('does not warn about allow_insecure on loopback or when a key is set', () => {
    assert.deepEqual(checkStartup(config({ allow_insecure: true })), { warnings: [] });
    const withKey = checkStartup(config({ host: '0.0.0.0', allow_insecure: true, enable_tls: true, api_key: LONG_KEY }, TLS_FILES));
    assert.deepEqual(withKey, { warnings: [] });
  });

  void it('warns, in Qdrant\'s words, when keys travel without TLS on a non-loopback host', () => {
    const report = checkStartup(config({ host: '0.0.0.0', api_key: LONG_KEY }));
    assert.equal(report.fatal, undefined);
    assert.equal(report.warnings.length, 1);
    assert.match(report.warnings[0] ?? '', /^Sending an api-key over an unencrypted channel is insecure/);
    const fromFile = checkStartup(config({ host: '10.0.0.5', api_keys_file: '/k.yaml' }));
    assert.match(fromFile.warnings[0] ?? '', /unencrypted channel/);
  });

  void it('does not warn about clear-text keys on loopback', () => {
    assert.deepEqual(checkStartup(config({ api_key: LONG_KEY })), { warnings: [] });
  });

  void it('warns about each key shorter than 32 bytes, naming the key but never its value', () => {
    const report = checkStartup(config({ api_key: SHORT_KEY, alt_api_key: LONG_KEY, read_only_api_key: 'ro' }));
    assert.deepEqual(report.warnings.map((w) => w.split(' ')[0]), ['service.api_key', 'service.read_only_api_key']);
    for (const warning of report.warnings) {
      assert.match(warning, /is shorter than 32 bytes/);
      assert.ok(!warning.includes(SHORT_KEY));
    }
  });

  void it('counts bytes, not characters', () => {
    const sixteenChars32Bytes = 'é'.repeat(16);
    assert.deepEqual(checkStartup(config({ api_key: sixteenChars32Bytes })), { warnings: [] });
    assert.equal(checkStartup(config({ api_key: 'é'.repeat(15) })).warnings.length, 1);
  });

  void it('refuses enable_tls without tls.cert or tls.key, naming the key', () => {
    assert.match(checkStartup(config({ enable_tls: true }, { key: TLS_FILES.key })).fatal ?? '', /^tls\.cert: required when service\.enable_tls is true/);
    assert.match(checkStartup(config({ enable_tls: true }, { cert: TLS_FILES.cert })).fatal ?? '', /^tls\.key: required when service\.enable_tls is true/);
    const both = checkStartup(config({ enable_tls: true })).fatal ?? '';
    assert.deepEqual(both.split('\n').map((line) => line.split(':')[0]), ['tls.cert', 'tls.key']);
  });

  void it('refuses verify_https_client_certificate without tls.ca_cert or without TLS', () => {
    const noCa = checkStartup(config({ enable_tls: true, verify_https_client_certificate: true }, TLS_FILES));
    assert.match(noCa.fatal ?? '', /^tls\.ca_cert: required when service\.verify_https_client_certificate is true/);
    const noTls = checkStartup(config({ verify_https_client_certificate: true }, { ca_cert: '/ca.pem' }));
    assert.match(noTls.fatal ?? '', /^service\.verify_https_client_certificate: requires service\.enable_tls/);
    const ok = checkStartup(config({ enable_tls: true, verify_https_client_certificate: true }, { ...TLS_FILES, ca_cert: '/ca.pem' }));
    assert.deepEqual(ok, { warnings: [] });
  });

  void it('refuses an invalid allowed_client_ips entry', () => {
    const report = checkStartup(config({ allowed_client_ips: ['10.0.0.0/8', 'nonsense'] }));
    assert.match(report.fatal ?? '', /^service\.allowed_client_ips: "nonsense" is not an IP address or CIDR range/);
  });

  void it('reports every fatal problem at once, with the warnings', () => {
    const report = checkStartup(config({ host: '0.0.0.0', enable_tls: true, allowed_client_ips: ['x'] }));
    const fatal = report.fatal ?? '';
    assert.match(fatal, /refusing to listen/);
    assert.match(fatal, /\ntls\.cert: required/);
    assert.match(fatal, /\nservice\.allowed_client_ips: /);
  });
});
