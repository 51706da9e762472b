import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError as LoadConfigError } from '../../../src/config/load.js';
import { ConfigError, DEFAULT_CONFIG } from '../../../src/config/schema.js';
import { load, tempCwd } from './helpers.js';

void describe('config defaults', () => {
  void it('returns the built-in defaults, with paths resolved against cwd, when there is no file or env', () => {
    const cwd = tempCwd();
    const { config, warnings } = load({ cwd });
    assert.deepEqual(warnings, []);
    assert.deepEqual(config, {
      ...DEFAULT_CONFIG,
      storage: {
        ...DEFAULT_CONFIG.storage,
        storage_path: join(cwd, 'storage'),
        snapshots_path: join(cwd, 'snapshots'),
      },
      audit: { ...DEFAULT_CONFIG.audit, dir: join(cwd, 'storage', 'audit') },
    });
  });

  void it('has Qdrant defaults where Quiver agrees with Qdrant', () => {
    const { service, storage, tls, cluster } = DEFAULT_CONFIG;
    assert.equal(DEFAULT_CONFIG.log_level, 'INFO');
    assert.equal(DEFAULT_CONFIG.telemetry_disabled, false);
    assert.equal(service.http_port, 6333);
    assert.equal(service.grpc_port, 6334);
    assert.equal(service.max_request_size_mb, 32);
    assert.equal(service.enable_cors, true);
    assert.equal(service.enable_tls, false);
    assert.equal(service.verify_https_client_certificate, false);
    assert.equal(service.jwt_rbac, false);
    assert.equal(service.api_key, null);
    assert.equal(service.alt_api_key, null);
    assert.equal(service.read_only_api_key, null);
    assert.equal(storage.storage_path, './storage');
    assert.equal(storage.snapshots_path, './snapshots');
    assert.equal(storage.temp_path, null);
    assert.deepEqual(storage.wal, { wal_capacity_mb: 32, wal_segments_ahead: 0 });
    assert.deepEqual(storage.hnsw_index, {
      m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false,
      memory: null, payload_m: null,
    });
    assert.equal(tls.cert_ttl, 3600);
    assert.equal(cluster.enabled, false);
  });

  void it('has the secure Quiver defaults', () => {
    const { service, audit } = DEFAULT_CONFIG;
    assert.equal(service.host, '127.0.0.1');
    assert.equal(service.enable_snapshot_url_recovery, false);
    assert.equal(service.allow_insecure, false);
    assert.equal(service.api_keys_file, null);
    assert.deepEqual(service.allowed_client_ips, []);
    assert.equal(service.cors_allowed_origins, null);
    assert.deepEqual(service.snapshot_url_allowlist, []);
    assert.equal(service.shutdown_timeout_sec, 30);
    assert.deepEqual(audit, {
      enabled: false, dir: './storage/audit', rotation: 'daily', max_log_files: 7, trust_forwarded_headers: false,
      fail_closed: false, sink: 'file', hmac_key: null, hmac_key_file: null,
    });
  });

  void it('accepts its own defaults as input (every default passes its validator)', () => {
    const cwd = tempCwd();
    const plain = load({ cwd });
    const again = load({ cwd, overrides: structuredClone(DEFAULT_CONFIG) as never });
    assert.deepEqual(again.warnings, []);
    assert.deepEqual(again.config, plain.config);
  });

  void it('freezes DEFAULT_CONFIG deeply', () => {
    assert.ok(Object.isFrozen(DEFAULT_CONFIG));
    assert.ok(Object.isFrozen(DEFAULT_CONFIG.storage.hnsw_index));
    assert.ok(Object.isFrozen(DEFAULT_CONFIG.service.allowed_client_ips));
  });

  void it('returns a deeply frozen config: mutation throws', () => {
    const { config } = load({ cwd: tempCwd(), env: { QDRANT__SERVICE__ALLOWED_CLIENT_IPS: '10.0.0.1' } });
    assert.ok(Object.isFrozen(config));
    assert.throws(() => {
      (config.service as { http_port: number }).http_port = 1;
    }, TypeError);
    assert.throws(() => {
      (config.storage.hnsw_index as { m: number }).m = 1;
    }, TypeError);
    assert.throws(() => {
      (config.service.allowed_client_ips as string[]).push('10.0.0.2');
    }, TypeError);
  });

  void it('does not share state between loads or with DEFAULT_CONFIG', () => {
    const cwd = tempCwd();
    const first = load({ cwd, env: { QDRANT__STORAGE__HNSW_INDEX__M: '48' } });
    const second = load({ cwd });
    assert.equal(first.config.storage.hnsw_index.m, 48);
    assert.equal(second.config.storage.hnsw_index.m, 16);
    assert.equal(DEFAULT_CONFIG.storage.hnsw_index.m, 16);
  });

  void it('exports one ConfigError class from schema.ts and load.ts', () => {
    assert.equal(ConfigError, LoadConfigError);
    const error = new ConfigError('service.http_port', 'bad');
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'ConfigError');
    assert.equal(error.key, 'service.http_port');
    assert.equal(error.message, 'service.http_port: bad');
  });
});
