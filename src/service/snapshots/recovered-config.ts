/**
 * A recovered collection's configuration passes the checks of a create request (`PUT /collections/{name}`): the
 * stored configuration of the manifest is turned back into the create request that would produce it, and that
 * request goes through the create-request validator (the REST layer's schema validator and create-body parser,
 * injected as {@link ConfigValidator}). A snapshot cannot install what a client could not
 * create (`hnsw_config: "oops"`, `shard_number: "many"`).
 */
import { AppError, isAppError } from '../../errors.js';
import type { CollectionConfig, CollectionDefaults } from '../../collection/config.js';
import type { JsonObject } from '../../json.js';

/**
 * Validates a create-collection request body as a create request with these node defaults would be checked;
 * throws an AppError naming the field.
 */
export type ConfigValidator = (createBody: JsonObject, defaults: CollectionDefaults) => void;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The create request (`CreateCollection` body) that yields the stored configuration `config`. */
function createBodyOf(config: CollectionConfig): JsonObject {
  const stored = config as unknown as JsonObject; // copied key by key, as stored
  const params = isObject(stored['params']) ? stored['params'] : {};
  const body: JsonObject = {};
  const copy = (from: JsonObject, key: string, as = key): void => {
    if (from[key] !== undefined) body[as] = from[key];
  };
  for (const key of ['vectors', 'sparse_vectors', 'shard_number', 'sharding_method', 'replication_factor', 'write_consistency_factor', 'on_disk_payload']) copy(params, key);
  for (const key of ['hnsw_config', 'wal_config', 'quantization_config', 'strict_mode_config', 'metadata']) copy(stored, key);
  copy(stored, 'optimizer_config', 'optimizers_config');
  return body;
}

/**
 * @throws AppError(BAD_INPUT) `Bad request: invalid snapshot: collection configuration: …` when a create request
 *   with this configuration would be refused
 */
export function checkRecoveredConfig(config: CollectionConfig, validate: ConfigValidator | undefined): void {
  const body = createBodyOf(config);
  try {
    const defaults: CollectionDefaults = { hnsw_config: config.hnsw_config, optimizer_config: config.optimizer_config, wal_config: config.wal_config ?? {} };
    validate?.(body, defaults);
  } catch (e) {
    if (!isAppError(e)) throw e;
    throw new AppError('BAD_INPUT', [`Bad request: invalid snapshot: collection configuration: ${e.message}`], { cause: e });
  }
}
