import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/config/schema.js';
import { load, tempCwd, writeFile } from './helpers.js';

const QDRANT_REFERENCE = new URL('../../../spec/qdrant-config-reference.yaml', import.meta.url).pathname;

/** Every layer sets log_level and one key of its own, so each test can see who won. */
function writeAllLayers(cwd: string): string {
  writeFile(cwd, 'config/config.yaml', 'log_level: TRACE\nservice:\n  http_port: 1001\n  max_request_size_mb: 1\n');
  writeFile(cwd, 'config/production.yaml', 'log_level: DEBUG\nservice:\n  http_port: 1002\n  grpc_port: 2\n');
  writeFile(cwd, 'config/local.yaml', 'log_level: WARN\nservice:\n  http_port: 1003\n  max_workers: 3\n');
  return writeFile(cwd, 'custom/quiver.yaml', 'log_level: ERROR\nservice:\n  http_port: 1004\n');
}

void describe('config layering', () => {
  void it('reads config/config.yaml over the defaults', () => {
    const cwd = tempCwd();
    writeFile(cwd, 'config/config.yaml', 'service:\n  http_port: 7000\n');
    const { config } = load({ cwd });
    assert.equal(config.service.http_port, 7000);
    assert.equal(config.service.host, '127.0.0.1'); // untouched sibling keeps its default
  });

  void it('applies config, $RUN_MODE, local, --config-path, env and overrides in that order', () => {
    const cwd = tempCwd();
    const custom = writeAllLayers(cwd);
    const env = { RUN_MODE: 'production' };

    let { config } = load({ cwd, env });
    assert.equal(config.log_level, 'WARN');
    assert.equal(config.service.http_port, 1003);
    assert.equal(config.service.max_request_size_mb, 1); // from config.yaml
    assert.equal(config.service.grpc_port, 2); // from production.yaml
    assert.equal(config.service.max_workers, 3); // from local.yaml

    ({ config } = load({ cwd, env, configPath: custom }));
    assert.equal(config.log_level, 'ERROR');
    assert.equal(config.service.http_port, 1004);

    ({ config } = load({ cwd, env: { ...env, QDRANT__SERVICE__HTTP_PORT: '1005' }, configPath: custom }));
    assert.equal(config.service.http_port, 1005);
    assert.equal(config.log_level, 'ERROR');

    ({ config } = load({
      cwd,
      env: { ...env, QDRANT__SERVICE__HTTP_PORT: '1005' },
      configPath: custom,
      overrides: { service: { http_port: 1006 } },
    }));
    assert.equal(config.service.http_port, 1006);
  });

  void it('uses RUN_MODE from env, defaulting to development as Qdrant does', () => {
    const cwd = tempCwd();
    writeFile(cwd, 'config/development.yaml', 'service:\n  http_port: 2001\n');
    writeFile(cwd, 'config/staging.yaml', 'service:\n  http_port: 2002\n');
    assert.equal(load({ cwd }).config.service.http_port, 2001);
    assert.equal(load({ cwd, env: { RUN_MODE: 'staging' } }).config.service.http_port, 2002);
    assert.equal(load({ cwd, env: { RUN_MODE: 'absent' } }).config.service.http_port, 6333);
  });

  void it('rejects a RUN_MODE that is a path', () => {
    assert.throws(() => load({ cwd: tempCwd(), env: { RUN_MODE: '../etc/x' } }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^RUN_MODE: /);
      return true;
    });
  });

  void it('merges sections key by key and replaces lists whole', () => {
    const cwd = tempCwd();
    writeFile(cwd, 'config/config.yaml', [
      'storage:',
      '  hnsw_index:',
      '    m: 32',
      'service:',
      '  allowed_client_ips: [10.0.0.1, 10.0.0.2]',
    ].join('\n'));
    writeFile(cwd, 'config/local.yaml', [
      'storage:',
      '  hnsw_index:',
      '    ef_construct: 200',
      'service:',
      '  allowed_client_ips: [10.0.0.3]',
    ].join('\n'));
    const { config } = load({ cwd });
    assert.equal(config.storage.hnsw_index.m, 32);
    assert.equal(config.storage.hnsw_index.ef_construct, 200);
    assert.deepEqual(config.service.allowed_client_ips, ['10.0.0.3']);
  });

  void it('accepts .yml files', () => {
    const cwd = tempCwd();
    writeFile(cwd, 'config/local.yml', 'service:\n  http_port: 3001\n');
    assert.equal(load({ cwd }).config.service.http_port, 3001);
  });

  void it('skips missing layer files, including a missing config directory', () => {
    const cwd = tempCwd();
    assert.equal(load({ cwd }).config.service.http_port, 6333);
    writeFile(cwd, 'config', 'not a directory');
    assert.equal(load({ cwd }).config.service.http_port, 6333);
  });

  void it('accepts empty files, comment-only files and sections whose keys are all commented out', () => {
    const cwd = tempCwd();
    writeFile(cwd, 'config/config.yaml', '');
    writeFile(cwd, 'config/development.yaml', '# nothing here\n');
    writeFile(cwd, 'config/local.yaml', 'audit:\n  # enabled: true\nservice:\n  http_port: 3002\n');
    const { config, warnings } = load({ cwd });
    assert.equal(config.service.http_port, 3002);
    assert.equal(config.audit.enabled, false);
    assert.deepEqual(warnings, []);
  });

  void it('fails on an existing layer file that cannot be read', () => {
    const cwd = tempCwd();
    mkdirSync(join(cwd, 'config', 'local.yaml'), { recursive: true });
    assert.throws(() => load({ cwd }), {
      name: 'ConfigError',
      message: `config file ${join(cwd, 'config', 'local.yaml')}: cannot read (EISDIR)`,
    });
  });

  void it('fails on invalid YAML, naming the file, line and column', () => {
    const cwd = tempCwd();
    const file = writeFile(cwd, 'config/config.yaml', 'service:\n  http_port: [1, 2\n');
    assert.throws(() => load({ cwd }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, new RegExp(`^config file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: invalid YAML: `));
      return true;
    });
  });

  void it('fails on duplicate keys, pointing at the second one', () => {
    const cwd = tempCwd();
    const file = writeFile(cwd, 'config/config.yaml', 'log_level: INFO\nlog_level: DEBUG\n');
    assert.throws(() => load({ cwd }), { name: 'ConfigError', message: new RegExp(`^config file .*config\\.yaml:2:1: invalid YAML`) });
    assert.ok(file.endsWith('config.yaml'));
  });

  void it('fails when a file is not a mapping', () => {
    const cwd = tempCwd();
    const file = writeFile(cwd, 'config/config.yaml', '- a\n- b\n');
    assert.throws(() => load({ cwd }), {
      message: `config file ${file}: expected a mapping at the top level, got ["a","b"]`,
    });
  });

  void it('fails when --config-path does not exist', () => {
    const cwd = tempCwd();
    assert.throws(() => load({ cwd, configPath: 'missing.yaml' }), {
      name: 'ConfigError',
      message: `config file ${join(cwd, 'missing.yaml')}: cannot read (ENOENT)`,
    });
    assert.throws(() => load({ cwd, configPath: '' }), { name: 'ConfigError', message: /^--config-path: / });
  });

  void it('resolves a relative --config-path against cwd', () => {
    const cwd = tempCwd();
    writeFile(cwd, 'etc/q.yaml', 'service:\n  http_port: 4001\n');
    assert.equal(load({ cwd, configPath: 'etc/q.yaml' }).config.service.http_port, 4001);
    assert.equal(load({ cwd, configPath: join(cwd, 'etc/q.yaml') }).config.service.http_port, 4001);
  });

  void it('sets and clears a nullable section', () => {
    const cwd = tempCwd();
    writeFile(cwd, 'config/config.yaml', 'storage:\n  optimizers_overwrite:\n    flush_interval_sec: 9\n');
    let { config } = load({ cwd });
    assert.deepEqual(config.storage.optimizers_overwrite, {
      deleted_threshold: null, vacuum_min_vector_number: null, default_segment_number: null,
      max_segment_size_kb: null, indexing_threshold_kb: null, flush_interval_sec: 9, max_optimization_threads: null,
    });
    writeFile(cwd, 'config/local.yaml', 'storage:\n  optimizers_overwrite: null\n');
    ({ config } = load({ cwd }));
    assert.equal(config.storage.optimizers_overwrite, null);
  });

  void it('reads Qdrant\'s full_scan_threshold_kb as full_scan_threshold', () => {
    const cwd = tempCwd();
    writeFile(cwd, 'config/config.yaml', 'storage:\n  hnsw_index:\n    full_scan_threshold_kb: 500\n');
    const { config, warnings } = load({ cwd });
    assert.equal(config.storage.hnsw_index.full_scan_threshold, 500);
    assert.deepEqual(warnings, []);
  });

  void it('loads the Qdrant reference config without warnings', () => {
    const cwd = tempCwd();
    const { config, warnings } = load({ cwd, configPath: QDRANT_REFERENCE });
    assert.deepEqual(warnings, []);
    assert.equal(config.service.host, '0.0.0.0'); // the file says so
    assert.equal(config.tls.cert, join(cwd, 'tls', 'cert.pem'));
    assert.equal(config.storage.hnsw_index.full_scan_threshold, 10000);
  });
});
