import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/config/schema.js';
import { load, loadEnv, tempCwd, writeFile } from './helpers.js';

void describe('config from QDRANT__ environment variables', () => {
  void it('coerces integers', () => {
    const { config } = loadEnv({ QDRANT__SERVICE__HTTP_PORT: '7000', QDRANT__STORAGE__WAL__WAL_CAPACITY_MB: ' 64 ' });
    assert.equal(config.service.http_port, 7000);
    assert.equal(config.storage.wal.wal_capacity_mb, 64);
  });

  void it('coerces negative integers where allowed', () => {
    const { config } = loadEnv({ QDRANT__STORAGE__PERFORMANCE__OPTIMIZER_CPU_BUDGET: '-2' });
    assert.equal(config.storage.performance.optimizer_cpu_budget, -2);
  });

  void it('coerces floats', () => {
    const { config } = loadEnv({ QDRANT__STORAGE__OPTIMIZERS__DELETED_THRESHOLD: '0.35' });
    assert.equal(config.storage.optimizers.deleted_threshold, 0.35);
  });

  for (const [text, value] of [['true', true], ['1', true], ['TRUE', true], ['false', false], ['0', false]] as const) {
    void it(`coerces the boolean ${JSON.stringify(text)} to ${value}`, () => {
      const { config } = loadEnv({ QDRANT__SERVICE__ENABLE_CORS: text, QDRANT__TELEMETRY_DISABLED: text });
      assert.equal(config.service.enable_cors, value);
      assert.equal(config.telemetry_disabled, value);
    });
  }

  void it('coerces arrays from a comma-separated list', () => {
    const { config } = loadEnv({ QDRANT__SERVICE__ALLOWED_CLIENT_IPS: '10.0.0.0/8, 192.168.1.7,::1' });
    assert.deepEqual(config.service.allowed_client_ips, ['10.0.0.0/8', '192.168.1.7', '::1']);
  });

  void it('coerces arrays from a JSON array', () => {
    const { config } = loadEnv({
      QDRANT__SERVICE__CORS_ALLOWED_ORIGINS: '["https://a.example.com","http://localhost:3000"]',
    });
    assert.deepEqual(config.service.cors_allowed_origins, ['https://a.example.com', 'http://localhost:3000']);
  });

  void it('coerces an empty string to an empty array', () => {
    const cwd = tempCwd();
    writeFile(cwd, 'config/config.yaml', 'service:\n  snapshot_url_allowlist: [https://a.example.com/]\n');
    const { config } = load({ cwd, env: { QDRANT__SERVICE__SNAPSHOT_URL_ALLOWLIST: '' } });
    assert.deepEqual(config.service.snapshot_url_allowlist, []);
  });

  void it('coerces null and empty to null for nullable keys', () => {
    const cwd = tempCwd();
    writeFile(cwd, 'config/config.yaml', 'storage:\n  temp_path: /tmp/q\n  max_collections: 5\nservice:\n  grpc_port: 1\n');
    const { config } = load({
      cwd,
      env: {
        QDRANT__STORAGE__TEMP_PATH: 'null',
        QDRANT__STORAGE__MAX_COLLECTIONS: '',
        QDRANT__SERVICE__GRPC_PORT: 'NULL',
        QDRANT__TLS__CERT_TTL: 'null',
      },
    });
    assert.equal(config.storage.temp_path, null);
    assert.equal(config.storage.max_collections, null);
    assert.equal(config.service.grpc_port, null);
    assert.equal(config.tls.cert_ttl, null);
  });

  void it('sets a nullable integer from a number', () => {
    const { config } = loadEnv({ QDRANT__STORAGE__HNSW_INDEX__PAYLOAD_M: '24' });
    assert.equal(config.storage.hnsw_index.payload_m, 24);
  });

  void it('sets nested keys three levels deep', () => {
    const { config } = loadEnv({
      QDRANT__STORAGE__HNSW_INDEX__M: '32',
      QDRANT__LOGGER__ON_DISK__ENABLED: 'true',
      QDRANT__STORAGE__COLLECTION__VECTORS__ON_DISK: 'true',
    });
    assert.equal(config.storage.hnsw_index.m, 32);
    assert.equal(config.logger.on_disk.enabled, true);
    assert.equal(config.storage.collection.vectors.on_disk, true);
  });

  void it('sets top-level keys and stores log_level upper-case', () => {
    const { config } = loadEnv({ QDRANT__LOG_LEVEL: 'debug' });
    assert.equal(config.log_level, 'DEBUG');
  });

  void it('sets strings verbatim, including the api key', () => {
    const { config } = loadEnv({
      QDRANT__STORAGE__STORAGE_PATH: '/data',
      QDRANT__SERVICE__API_KEY: 'k'.repeat(40),
    });
    assert.equal(config.storage.storage_path, '/data');
    assert.equal(config.service.api_key, 'k'.repeat(40));
  });

  void it('matches enums case-insensitively and stores the canonical spelling', () => {
    const { config } = loadEnv({ QDRANT__AUDIT__ROTATION: 'HOURLY', QDRANT__STORAGE__NODE_TYPE: 'listener' });
    assert.equal(config.audit.rotation, 'hourly');
    assert.equal(config.storage.node_type, 'Listener');
  });

  void it('creates a nullable section from one of its keys', () => {
    const { config } = loadEnv({ QDRANT__STORAGE__SNAPSHOTS_CONFIG__S3_CONFIG__BUCKET: 'snaps' });
    assert.equal(config.storage.snapshots_config.s3_config?.bucket, 'snaps');
    assert.equal(config.storage.snapshots_config.s3_config?.region, null);
  });

  void it('accepts a whole section as JSON, refined by deeper variables', () => {
    const { config } = loadEnv({
      QDRANT__STORAGE__HNSW_INDEX: '{"m": 8, "ef_construct": 64}',
      QDRANT__STORAGE__HNSW_INDEX__M: '12',
    });
    assert.equal(config.storage.hnsw_index.m, 12);
    assert.equal(config.storage.hnsw_index.ef_construct, 64);
  });

  void it('parses the quantization default as JSON', () => {
    const { config } = loadEnv({
      QDRANT__STORAGE__COLLECTION__QUANTIZATION: '{"scalar": {"type": "int8", "quantile": 0.99}}',
    });
    assert.deepEqual(config.storage.collection.quantization, { scalar: { type: 'int8', quantile: 0.99 } });
  });

  void it('accepts Qdrant\'s full_scan_threshold_kb alias', () => {
    const { config } = loadEnv({ QDRANT__STORAGE__HNSW_INDEX__FULL_SCAN_THRESHOLD_KB: '2000' });
    assert.equal(config.storage.hnsw_index.full_scan_threshold, 2000);
  });

  void it('matches the QDRANT__ prefix case-insensitively and ignores other variables', () => {
    const { config, warnings } = loadEnv({
      qdrant__service__http_port: '7100',
      QDRANT_URL: 'http://x',
      HOME: '/root',
      PATH: '/bin',
    });
    assert.equal(config.service.http_port, 7100);
    assert.deepEqual(warnings, []);
  });

  void it('warns about unknown keys, naming the key path and the variable', () => {
    const { config, warnings } = loadEnv({
      QDRANT__SERVICE__HTTP_PROT: '1',
      QDRANT__SERVICE__HTTP_PORT__X: '1',
      QDRANT__NOPE: '1',
    });
    assert.equal(config.service.http_port, 6333);
    assert.deepEqual(warnings.sort(), [
      'unknown config key nope (from environment variable QDRANT__NOPE); ignored',
      'unknown config key service.http_port.x (from environment variable QDRANT__SERVICE__HTTP_PORT__X); ignored',
      'unknown config key service.http_prot (from environment variable QDRANT__SERVICE__HTTP_PROT); ignored; did you mean service.http_port?',
    ]);
  });

  void it('overrides every file layer', () => {
    const cwd = tempCwd();
    writeFile(cwd, 'config/local.yaml', 'service:\n  http_port: 1\n');
    const file = writeFile(cwd, 'x.yaml', 'service:\n  http_port: 2\n');
    const { config } = load({ cwd, configPath: file, env: { QDRANT__SERVICE__HTTP_PORT: '3' } });
    assert.equal(config.service.http_port, 3);
  });

  void it('rejects bad values, naming the key and the variable', () => {
    const cases: [Record<string, string>, string][] = [
      [{ QDRANT__SERVICE__HTTP_PORT: 'abc' }, 'service.http_port: expected an integer between 0 and 65535, got "abc" (from environment variable QDRANT__SERVICE__HTTP_PORT)'],
      [{ QDRANT__SERVICE__HTTP_PORT: '7000.5' }, 'service.http_port: expected an integer between 0 and 65535, got "7000.5" (from environment variable QDRANT__SERVICE__HTTP_PORT)'],
      [{ QDRANT__SERVICE__ENABLE_TLS: 'maybe' }, 'service.enable_tls: expected a boolean (true or false), got "maybe" (from environment variable QDRANT__SERVICE__ENABLE_TLS)'],
      [{ QDRANT__STORAGE__OPTIMIZERS__DELETED_THRESHOLD: '1.5' }, 'storage.optimizers.deleted_threshold: expected a number between 0 and 1, got "1.5" (from environment variable QDRANT__STORAGE__OPTIMIZERS__DELETED_THRESHOLD)'],
      [{ QDRANT__SERVICE__HTTP_PORT: '' }, 'service.http_port: expected an integer between 0 and 65535, got "" (from environment variable QDRANT__SERVICE__HTTP_PORT)'],
      [{ QDRANT__SERVICE__HTTP_PORT: 'null' }, 'service.http_port: expected an integer between 0 and 65535, got "null" (from environment variable QDRANT__SERVICE__HTTP_PORT)'],
      [{ QDRANT__SERVICE__ALLOWED_CLIENT_IPS: '10.0.0.1,not-an-ip' }, 'service.allowed_client_ips: expected a list of IP addresses or CIDR ranges, got "10.0.0.1,not-an-ip" (from environment variable QDRANT__SERVICE__ALLOWED_CLIENT_IPS)'],
      [{ QDRANT__STORAGE__HNSW_INDEX: 'm=3' }, 'storage.hnsw_index: expected a JSON object, got "m=3" (from environment variable QDRANT__STORAGE__HNSW_INDEX)'],
      [{ QDRANT__STORAGE__HNSW_INDEX: 'null' }, 'storage.hnsw_index: expected a mapping, got null (from environment variable QDRANT__STORAGE__HNSW_INDEX)'],
    ];
    for (const [env, message] of cases) {
      assert.throws(() => loadEnv(env), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.message, message);
        return true;
      });
    }
  });
});
