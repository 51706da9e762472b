/**
 * deploy/kubernetes/*.yaml: every object is valid against the Kubernetes API schemas (kubernetes-models validates
 * with the upstream OpenAPI definitions, offline), and the example keeps what Quiver and Qdrant's Helm chart rely
 * on: probes on / and /readyz, the config at /qdrant/config/production.yaml, a config Quiver loads without warnings.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { StatefulSet } from 'kubernetes-models/apps/v1';
import { loadConfig } from '../../src/config/load.js';
import { checkStartup } from '../../src/auth/startup-checks.js';
import { tempDir, removeDir } from '../support/app.js';
import { mkdirSync, writeFileSync } from 'node:fs';

const DEPLOY = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));
const MODELS: Record<string, new (data: any) => { validate(): void }> = { 'v1/ConfigMap': ConfigMap, 'v1/Service': Service, 'apps/v1/StatefulSet': StatefulSet };

function objects(): any[] {
  return readdirSync(DEPLOY)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(DEPLOY, f), 'utf8')).map((d) => d.toJS()));
}

describe('Kubernetes example (deploy/kubernetes)', () => {
  it('validates every object against the Kubernetes schemas', () => {
    const all = objects();
    assert.ok(all.length >= 3);
    for (const o of all) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      assert.ok(Model !== undefined, `no schema check for ${o.apiVersion}/${o.kind}`);
      new Model(o).validate();
    }
  });

  it('the linter catches a broken object (the check is not vacuous)', () => {
    const set = objects().find((o) => o.kind === 'StatefulSet');
    set.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    assert.throws(() => new StatefulSet(set).validate(), /containerPort must be integer/);
  });

  it('probes as Qdrant\'s Helm chart does, mounts the config where RUN_MODE=production reads it, one replica', () => {
    const set = objects().find((o) => o.kind === 'StatefulSet');
    const [c] = set.spec.template.spec.containers;
    assert.equal(set.spec.replicas, 1);
    assert.deepEqual(c.livenessProbe.httpGet, { path: '/', port: 6333 });
    assert.deepEqual(c.startupProbe.httpGet, { path: '/', port: 6333 });
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 6333 });
    assert.ok(c.volumeMounts.some((m: any) => m.mountPath === '/qdrant/config/production.yaml' && m.subPath === 'production.yaml'));
    assert.ok(c.volumeMounts.some((m: any) => m.mountPath === '/qdrant/storage'));
    assert.equal(c.env.find((e: any) => e.name === 'QDRANT__SERVICE__API_KEY').valueFrom.secretKeyRef.name, 'quiver-api-key');
  });

  it('its production.yaml loads without warnings and starts with the API key from the Secret', () => {
    const map = objects().find((o) => o.kind === 'ConfigMap');
    const dir = tempDir('quiver-k8s-');
    try {
      mkdirSync(join(dir, 'config'));
      writeFileSync(join(dir, 'config', 'production.yaml'), map.data['production.yaml']);
      const warnings: string[] = [];
      const config = loadConfig({ cwd: dir, env: { RUN_MODE: 'production', QDRANT__SERVICE__API_KEY: 'k8s-example-key-0123456789abcdef0123456789' }, warn: (m) => warnings.push(m) });
      assert.deepEqual(warnings, []);
      assert.equal(config.service.metrics_port, 9090);
      assert.equal(config.storage.storage_path, '/qdrant/storage');
      assert.equal(checkStartup(config).fatal, undefined);
    } finally {
      removeDir(dir);
    }
  });
});
