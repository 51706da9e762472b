import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { COMPAT_KEYS, compatWarnings } from '../../../src/config/compat-keys.js';
import { CONFIG_SCHEMA } from '../../../src/config/schema.js';
import type { AnyNode } from '../../../src/config/spec.js';
import { loadEnv } from './helpers.js';

function schemaNode(path: string): AnyNode | undefined {
  let node: AnyNode | undefined = CONFIG_SCHEMA;
  for (const part of path.split('.')) node = node?.kind === 'section' ? node.fields[part] : undefined;
  return node;
}

void describe('compatibility-only config keys', () => {
  void it('names only keys that exist in the schema, each with a reason', () => {
    for (const [path, why] of Object.entries(COMPAT_KEYS)) {
      assert.ok(schemaNode(path) !== undefined, `${path} is not a config key`);
      assert.ok(why.length > 10, path);
    }
  });

  void it('warns about none of them with the defaults', () => {
    assert.deepEqual(compatWarnings(loadEnv({}).config), []);
  });

  void it('warns once for each compatibility key set to a non-default value, naming key, value and reason', () => {
    const { config } = loadEnv({ QDRANT__SERVICE__MAX_WORKERS: '3', QDRANT__STORAGE__PERFORMANCE__MAX_SEARCH_THREADS: '4', QDRANT__SERVICE__HTTP_PORT: '7000', QDRANT__SERVICE__GRPC_PORT: '7334' });
    assert.deepEqual(compatWarnings(config), [
      'config: service.max_workers is set to 3 but has no effect (requests are served on the event loop; searches go to the storage.performance.max_search_threads workers)',
    ]);
  });

  void it('counts tls.ca_cert as inert while client certificates are not verified', () => {
    const ca = loadEnv({ QDRANT__TLS__CA_CERT: '/x/ca.pem' }).config;
    assert.equal(compatWarnings(ca).length, 1);
  });
});
