import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/config/schema.js';
import { load, loadEnv, tempCwd, writeFile } from './helpers.js';

/** Loads `yaml` as config/config.yaml and expects a ConfigError whose message starts with `prefix`. */
function rejectsYaml(yaml: string, prefix: string): void {
  const cwd = tempCwd();
  const file = writeFile(cwd, 'config/config.yaml', yaml);
  assert.throws(() => load({ cwd }), (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.ok(error.message.startsWith(prefix), `${error.message}\ndoes not start with\n${prefix}`);
    assert.ok(error.message.endsWith(`(in ${file})`), error.message);
    return true;
  });
}

void describe('config validation', () => {
  void it('names the key path, the expectation and the bad value', () => {
    rejectsYaml('service:\n  http_port: abc\n', 'service.http_port: expected an integer between 0 and 65535, got "abc"');
    rejectsYaml('service:\n  http_port: 65536\n', 'service.http_port: expected an integer between 0 and 65535, got 65536');
    rejectsYaml('service:\n  http_port: -1\n', 'service.http_port: expected an integer between 0 and 65535, got -1');
    rejectsYaml('service:\n  grpc_port: 70000\n', 'service.grpc_port: expected an integer between 0 and 65535, or null, got 70000');
    rejectsYaml('cluster:\n  p2p:\n    port: 99999\n', 'cluster.p2p.port: expected an integer between 0 and 65535');
  });

  void it('requires max_request_size_mb > 0 and audit.max_log_files >= 1', () => {
    rejectsYaml('service:\n  max_request_size_mb: 0\n', 'service.max_request_size_mb: expected an integer >= 1, got 0');
    rejectsYaml('audit:\n  max_log_files: 0\n', 'audit.max_log_files: expected an integer >= 1, got 0');
  });

  void it('accepts log levels case-insensitively and rejects others', () => {
    const cwd = tempCwd();
    writeFile(cwd, 'config/config.yaml', 'log_level: warn\n');
    assert.equal(load({ cwd }).config.log_level, 'WARN');
    rejectsYaml('log_level: verbose\n', 'log_level: expected one of "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF", got "verbose"');
  });

  void it('checks enums', () => {
    rejectsYaml('audit:\n  rotation: weekly\n', 'audit.rotation: expected one of "daily", "hourly", got "weekly"');
    rejectsYaml('audit:\n  sink: syslog\n', 'audit.sink: expected one of "file", "stdout", "both", got "syslog"');
    rejectsYaml('storage:\n  shard_transfer_method: rsync\n', 'storage.shard_transfer_method: expected one of "stream_records", "snapshot", "wal_delta", or null');
  });

  void it('checks types of YAML values', () => {
    rejectsYaml('service:\n  enable_cors: maybe\n', 'service.enable_cors: expected a boolean (true or false), got "maybe"');
    rejectsYaml('storage:\n  storage_path: 5\n', 'storage.storage_path: expected a non-empty path, got 5');
    rejectsYaml('storage:\n  storage_path: ""\n', 'storage.storage_path: expected a non-empty path, got ""');
    rejectsYaml('storage:\n  hnsw_index: 16\n', 'storage.hnsw_index: expected a mapping, got 16');
    rejectsYaml('storage:\n  hnsw_index:\n    m: 1.5\n', 'storage.hnsw_index.m: expected an integer >= 0, got 1.5');
    rejectsYaml('service:\n  host: ""\n', 'service.host: expected a non-empty host name or IP address, got ""');
    rejectsYaml('service:\n  allowed_client_ips: 10.0.0.1/33\n', 'service.allowed_client_ips: expected a list of IP addresses or CIDR ranges');
    rejectsYaml('service:\n  cors_allowed_origins: [https://a.example.com/path]\n', 'service.cors_allowed_origins: expected a list of origins');
    rejectsYaml('storage:\n  collection:\n    quantization: {scalar: {type: int4}}\n', 'storage.collection.quantization: expected a quantization config');
  });

  void it('accepts numeric strings in YAML, like Qdrant', () => {
    const cwd = tempCwd();
    writeFile(cwd, 'config/config.yaml', 'service:\n  http_port: "7001"\n  enable_cors: "false"\n');
    const { config } = load({ cwd });
    assert.equal(config.service.http_port, 7001);
    assert.equal(config.service.enable_cors, false);
  });

  void it('never echoes a secret in an error', () => {
    rejectsYaml('service:\n  api_key: [s3cr3t]\n', 'service.api_key: expected a non-empty string, or null, got a list (value hidden)');
    rejectsYaml('audit:\n  hmac_key: 12345\n', 'audit.hmac_key: expected a non-empty string, or null, got a number (value hidden)');
  });

  void it('warns about unknown keys with their full path and keeps going', () => {
    const cwd = tempCwd();
    const file = writeFile(cwd, 'config/config.yaml', [
      'colour: blue',
      'service:',
      '  http_prot: 1',
      '  http_port: 7002',
      'storage:',
      '  hnsw_index:',
      '    mm: 3',
    ].join('\n'));
    const { config, warnings } = load({ cwd });
    assert.equal(config.service.http_port, 7002);
    assert.deepEqual(warnings, [
      `unknown config key colour (in ${file}); ignored`,
      `unknown config key service.http_prot (in ${file}); ignored; did you mean service.http_port?`,
      `unknown config key storage.hnsw_index.mm (in ${file}); ignored; did you mean storage.hnsw_index.m?`,
    ]);
  });

  void it('treats an empty api key as unset, with a warning', () => {
    const cwd = tempCwd();
    writeFile(cwd, 'config/config.yaml', 'service:\n  api_key: ""\n  alt_api_key: "  "\n');
    const { config, warnings } = load({ cwd, env: { QDRANT__SERVICE__READ_ONLY_API_KEY: '' } });
    assert.equal(config.service.api_key, null);
    assert.equal(config.service.alt_api_key, null);
    assert.equal(config.service.read_only_api_key, null);
    assert.equal(warnings.length, 3);
    assert.ok(warnings.every((w) => w.includes('empty string') && w.includes('treating it as unset')), warnings.join('\n'));
  });

  void it('lets a later layer unset an api key with an empty string', () => {
    const cwd = tempCwd();
    writeFile(cwd, 'config/config.yaml', `service:\n  api_key: ${'a'.repeat(32)}\n`);
    assert.equal(load({ cwd }).config.service.api_key, 'a'.repeat(32));
    assert.equal(load({ cwd, env: { QDRANT__SERVICE__API_KEY: '' } }).config.service.api_key, null);
  });

  void it('leaves risky-but-valid settings to the startup checks (src/auth/startup-checks.ts), without duplicate warnings', () => {
    const { warnings } = loadEnv({ QDRANT__SERVICE__API_KEY: 'short', QDRANT__SERVICE__HOST: '0.0.0.0' });
    assert.deepEqual(warnings, []);
  });

  void it('requires tls.cert and tls.key when TLS is enabled', () => {
    assert.throws(() => loadEnv({ QDRANT__SERVICE__ENABLE_TLS: 'true' }), {
      name: 'ConfigError', message: 'tls.cert: required when service.enable_tls is true',
    });
    assert.throws(() => loadEnv({ QDRANT__SERVICE__ENABLE_TLS: 'true', QDRANT__TLS__CERT: 'c.pem' }), {
      message: 'tls.key: required when service.enable_tls is true',
    });
    const { config } = loadEnv({ QDRANT__SERVICE__ENABLE_TLS: 'true', QDRANT__TLS__CERT: 'c.pem', QDRANT__TLS__KEY: 'k.pem' });
    assert.equal(config.service.enable_tls, true);
  });

  void it('requires TLS and tls.ca_cert for client certificate verification', () => {
    assert.throws(() => loadEnv({ QDRANT__SERVICE__VERIFY_HTTPS_CLIENT_CERTIFICATE: 'true' }), {
      message: 'service.verify_https_client_certificate: requires service.enable_tls to be true',
    });
    assert.throws(() => loadEnv({
      QDRANT__SERVICE__VERIFY_HTTPS_CLIENT_CERTIFICATE: 'true',
      QDRANT__SERVICE__ENABLE_TLS: 'true',
      QDRANT__TLS__CERT: 'c.pem',
      QDRANT__TLS__KEY: 'k.pem',
    }), { message: 'tls.ca_cert: required when service.verify_https_client_certificate is true' });
  });

  void it('rejects both audit.hmac_key and audit.hmac_key_file', () => {
    assert.throws(() => loadEnv({ QDRANT__AUDIT__HMAC_KEY: 'k', QDRANT__AUDIT__HMAC_KEY_FILE: 'f' }), {
      message: 'audit.hmac_key: set either audit.hmac_key or audit.hmac_key_file, not both',
    });
  });

  void it('requires an s3 bucket for s3 snapshot storage', () => {
    assert.throws(() => loadEnv({ QDRANT__STORAGE__SNAPSHOTS_CONFIG__SNAPSHOTS_STORAGE: 's3' }), {
      message: 'storage.snapshots_config.s3_config.bucket: required when snapshots_storage is "s3"',
    });
  });

  void it('warns when cluster mode connects to NATS without credentials, and checks the NATS settings', () => {
    const { config, warnings } = loadEnv({ QDRANT__CLUSTER__ENABLED: 'true' });
    assert.equal(config.cluster.enabled, true);
    assert.deepEqual(config.cluster.nats.servers, ['nats://127.0.0.1:4222']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^cluster\.enabled without cluster\.nats\.credentials_file/);
    const remote = loadEnv({ QDRANT__CLUSTER__ENABLED: 'true', QDRANT__CLUSTER__NATS__SERVERS: 'nats://10.0.0.5:4222', QDRANT__CLUSTER__NATS__NKEY_SEED_FILE: '/x/seed' });
    assert.deepEqual(remote.warnings.map((w) => w.split(' ')[0]), ['cluster.nats.tls.enabled']);
    assert.throws(() => loadEnv({ QDRANT__CLUSTER__ENABLED: 'true', QDRANT__CLUSTER__NATS__SERVERS: '' }), { message: 'cluster.nats.servers: required when cluster.enabled is true' });
    assert.throws(() => loadEnv({ QDRANT__CLUSTER__DEPLOYMENT: 'a.b' }), /cluster\.deployment/);
  });

  void it('resolves relative paths against cwd and keeps absolute ones', () => {
    const cwd = tempCwd();
    writeFile(cwd, 'config/config.yaml', [
      'storage:',
      '  storage_path: data',
      '  snapshots_path: /abs/snaps',
      '  temp_path: ./tmp',
      'service:',
      '  api_keys_file: keys.txt',
      'tls:',
      '  cert: tls/cert.pem',
      '  key: ../key.pem',
      '  ca_cert: ./tls/ca.pem',
      'audit:',
      '  dir: audit',
      '  hmac_key_file: secrets/hmac',
      'logger:',
      '  on_disk:',
      '    log_file: logs/q.log',
    ].join('\n'));
    const { config } = load({ cwd });
    assert.equal(config.storage.storage_path, join(cwd, 'data'));
    assert.equal(config.storage.snapshots_path, '/abs/snaps');
    assert.equal(config.storage.temp_path, join(cwd, 'tmp'));
    assert.equal(config.service.api_keys_file, join(cwd, 'keys.txt'));
    assert.equal(config.tls.cert, join(cwd, 'tls', 'cert.pem'));
    assert.equal(config.tls.key, join(cwd, '..', 'key.pem'));
    assert.equal(config.tls.ca_cert, join(cwd, 'tls', 'ca.pem'));
    assert.equal(config.audit.dir, join(cwd, 'audit'));
    assert.equal(config.audit.hmac_key_file, join(cwd, 'secrets', 'hmac'));
    assert.equal(config.logger.on_disk.log_file, join(cwd, 'logs', 'q.log'));
  });

  void it('ignores undefined values in overrides', () => {
    const { config } = load({ cwd: tempCwd(), overrides: { telemetry_disabled: undefined, service: { http_port: 7003 } } });
    assert.equal(config.telemetry_disabled, false);
    assert.equal(config.service.http_port, 7003);
  });

  void it('validates overrides like any other layer', () => {
    assert.throws(
      () => load({ cwd: tempCwd(), overrides: { service: { http_port: 123456 } } }),
      { message: 'service.http_port: expected an integer between 0 and 65535, got 123456 (in overrides)' },
    );
  });
});
