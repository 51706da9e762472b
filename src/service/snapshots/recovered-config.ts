/**
 * A recovered collection's configuration passes the checks of a create request (`PUT /collections/{name}`): the
 * stored configuration of the manifest is turned back into the create request that would produce it, and that
 * request goes through the create-request validator (the REST layer's schema validator, injected as
 * {@link ConfigValidator}) and {@link buildCollectionConfig}. A snapshot cannot install what a client could not
 * create (`hnsw_config: "oops"`, `shard_number: "many"`).
 */
import { AppError, isAppError } from '../../errors.js';
import { buildCollectionConfig, type CollectionDefaults } from '../../collection/config.js';
import type { JsonObject } from '../../json.js';

/** Validates a create-collection request body; throws an AppError naming the field. */
export type ConfigValidator = (createBody: JsonObject) => void;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The create request (`CreateCollection` body) that yields the stored configuration `config`. */
export function createBodyOf(config: JsonObject): JsonObject {
  const params = isObject(config['params']) ? config['params'] : {};
  const body: JsonObject = {};
  const copy = (from: JsonObject, key: string, as = key): void => {
    if (from[key] !== undefined) body[as] = from[key];
  };
  for (const key of ['vectors', 'sparse_vectors', 'shard_number', 'sharding_method', 'replication_factor', 'write_consistency_factor', 'on_disk_payload']) copy(params, key);
  for (const key of ['hnsw_config', 'wal_config', 'quantization_config', 'strict_mode_config', 'metadata']) copy(config, key);
  copy(config, 'optimizer_config', 'optimizers_config');
  return body;
}

/**
 * @throws AppError(BAD_INPUT) `Bad request: invalid snapshot: collection configuration: …` when a create request
 *   with this configuration would be refused
 */
export function checkRecoveredConfig(config: JsonObject, validate: ConfigValidator | undefined): void {
  const body = createBodyOf(config);
  try {
    validate?.(body);
    const own = (key: string): JsonObject => (isObject(config[key]) ? config[key] : {});
    const defaults = { hnsw_config: own('hnsw_config'), optimizer_config: own('optimizer_config'), wal_config: own('wal_config') } as unknown as CollectionDefaults;
    buildCollectionConfig(body, defaults);
  } catch (e) {
    if (!isAppError(e)) throw e;
    throw new AppError('BAD_INPUT', [`Bad request: invalid snapshot: collection configuration: ${e.message}`], { cause: e });
  }
}
