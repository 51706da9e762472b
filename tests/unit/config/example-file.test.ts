import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { CONFIG_SCHEMA } from '../../../src/config/schema.js';
import type { AnySection } from '../../../src/config/spec.js';
import { load, tempCwd } from './helpers.js';

const EXAMPLE = fileURLToPath(new URL('../../../config/config.yaml', import.meta.url));
const REPO_ROOT = dirname(dirname(EXAMPLE));

/** Every key path of the schema, e.g. `storage.hnsw_index.m`. */
function keyPaths(spec: AnySection, prefix = ''): string[] {
  return Object.entries(spec.fields).flatMap(([key, node]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return node.kind === 'section' ? [path, ...keyPaths(node, path)] : [path];
  });
}

void describe('config/config.yaml (the documented example)', () => {
  void it('equals the built-in defaults and loads without warnings', () => {
    const fromRepo = load({ cwd: REPO_ROOT, configPath: EXAMPLE });
    assert.deepEqual(fromRepo.warnings, []);
    const bare = load({ cwd: tempCwd() }).config;
    // Same values as a directory without any config file, apart from the cwd that paths resolve against.
    assert.deepEqual(
      JSON.parse(JSON.stringify(fromRepo.config).replaceAll(REPO_ROOT, '<cwd>')),
      JSON.parse(JSON.stringify(bare).replaceAll(dirname(bare.storage.storage_path), '<cwd>')),
    );
  });

  void it('mentions every key of the schema', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const schema = CONFIG_SCHEMA as unknown as AnySection;
    const missing = keyPaths(schema).filter((path) => {
      const leafName = path.split('.').at(-1)!;
      const written = leafName === 'full_scan_threshold' ? 'full_scan_threshold_kb' : leafName;
      return !new RegExp(`^\\s*#?\\s*${written}:`, 'm').test(text);
    });
    assert.deepEqual(missing, []);
  });
});
