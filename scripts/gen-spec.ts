/**
 * Generates src/api/rest/schemas/openapi.gen.json from Qdrant's OpenAPI documents.
 *
 *   node --import tsx scripts/gen-spec.ts [path-to-spec] [--legacy path-to-older-spec] [--check]
 *
 * The contract is the union of two vendored documents (see spec/README.md): spec/qdrant-openapi-1.19.json,
 * plus the operations of spec/qdrant-openapi-1.18.json that 1.19 dropped from its document but still serves
 * (search / recommend / discover and their batch and groups forms). A legacy operation brings the component
 * schemas it needs that the newer document lacks (SearchRequest, RecommendRequest, …); every schema both
 * documents have is taken from the newer one, which is what the 1.19 server deserialises.
 * `--check` writes nothing and exits 1 when the committed file differs from what would be generated.
 *
 * OpenAPI 3.0 schemas are a dialect of JSON Schema; this turns them into plain draft-07 schemas
 * that ajv 8 understands without OpenAPI support:
 *   - `nullable: true` + `type: X`            → `type: [X, "null"]` (an `enum` also gains `null`)
 *   - a bare `{ "nullable": true }`            → `{ "type": "null" }` (Qdrant uses it as an anyOf member)
 *   - `nullable` on `$ref`/`anyOf`/`oneOf`/`allOf`/`not` → `anyOf: [<schema>, { "type": "null" }]`
 *     (an `anyOf` simply gains a null branch)
 *   - boolean `exclusiveMinimum`/`exclusiveMaximum` (3.0 style) → numeric (draft-06+ style)
 *   - `$ref: #/components/schemas/X`           → `#/definitions/X`
 *   - `description`, `example`, `deprecated` … are dropped; `default` is kept; each definition gets
 *     `title: <name>` so validation errors can name the type they came from.
 *   - serde aliases the server accepts (SERDE_ALIASES: `top` for `limit` in searches, `with_vectors`)
 *     are added as properties, so requests written the other way round are not rejected.
 * Any keyword the converter does not know fails the generation instead of being passed through
 * silently, so a new spec cannot drift in unnoticed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isObject, type JsonRecord } from '../src/json.js';

export type JsonObject = JsonRecord;
export type JsonSchema = JsonObject | boolean;

export interface ParamSpec {
  schema: JsonSchema;
  required: boolean;
}

export interface OperationSpec {
  method: string;
  path: string;
  /** The application/json request body schema, or null when the operation takes no JSON body. */
  body: JsonSchema | null;
  /** Qdrant's handlers use actix `Json<T>`, so a JSON body is required unless the spec says otherwise. */
  bodyRequired: boolean;
  query: Record<string, ParamSpec>;
  pathParams: string[];
  /** The full application/json schema of the 200 response (the `{result, status, time}` envelope). */
  response: JsonSchema | null;
  /** The same for 202 Accepted (asynchronous snapshot operations), or null. */
  response202: JsonSchema | null;
}

export interface GeneratedSpec {
  $comment: string;
  version: string;
  definitions: Record<string, JsonSchema>;
  operations: Record<string, OperationSpec>;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_SPEC_PATH = resolve(REPO_ROOT, 'spec/qdrant-openapi-1.19.json');
export const LEGACY_SPEC_PATH = resolve(REPO_ROOT, 'spec/qdrant-openapi-1.18.json');
export const OUTPUT_PATH = resolve(REPO_ROOT, 'src/api/rest/schemas/openapi.gen.json');

const COMPONENT_REF = '#/components/schemas/';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

/** Keywords whose value is a map of name → schema. */
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'definitions']);
/** Keywords whose value is a schema (or, for `items`, possibly an array of schemas). */
const SCHEMA_KEYWORDS = new Set(['additionalProperties', 'items', 'additionalItems', 'not', 'propertyNames', 'contains']);
/** Keywords whose value is an array of schemas. */
const SCHEMA_ARRAY_KEYWORDS = new Set(['anyOf', 'oneOf', 'allOf']);
/** Keywords copied verbatim. */
const VALUE_KEYWORDS = new Set([
  'type', 'format', 'required', 'enum', 'const', 'default', 'title',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'pattern',
  'minItems', 'maxItems',
  'minProperties', 'maxProperties',
]);
/**
 * OpenAPI-only or documentation keywords, dropped. `nullable` is handled separately. `uniqueItems` marks
 * fields Qdrant deserialises into sets (e.g. `match.any`), which merge duplicates instead of refusing them.
 */
const DROPPED_KEYWORDS = new Set([
  'description', 'example', 'examples', 'deprecated', 'nullable', 'readOnly', 'writeOnly', 'externalDocs', 'xml', 'uniqueItems',
]);
/** Keywords that say nothing about which values are valid. */
const ANNOTATION_KEYWORDS = new Set(['default', 'title']);
const COMBINATOR_KEYWORDS = ['$ref', 'anyOf', 'oneOf', 'allOf', 'not'];

/**
 * serde aliases Qdrant's server accepts but its generated spec cannot express, as
 * [definition ('*' = every definition with the field), field, alias]. The alias gets the field's
 * schema; a required field becomes "one of the two is required".
 */
export const SERDE_ALIASES: ReadonlyArray<readonly [definition: string, field: string, alias: string]> = [
  ['SearchRequest', 'limit', 'top'], // SearchRequestInternal: #[serde(alias = "top")] limit
  ['*', 'with_vector', 'with_vectors'], // request structs: #[serde(default, alias = "with_vectors")] with_vector
];

/**
 * Constraints of Qdrant's `validator` attributes that its generated document leaves out, as
 * [definition, field, extra keywords]. They fail with 422 (validation), not 400 (format).
 */
export const VALIDATOR_CONSTRAINTS: ReadonlyArray<readonly [definition: string, field: string, keywords: JsonObject]> = [
  ['VectorParams', 'size', { maximum: 65536 }], // #[validate(range(min = 1, max = 65536))] size
];

function applyAlias(def: JsonObject, field: string, alias: string, where: string): void {
  const props = def['properties'];
  if (!isObject(props) || !(field in props) || alias in props) throw new Error(`${where}: cannot alias ${field} as ${alias}`);
  props[alias] = clone(props[field]);
  const required = def['required'];
  if (Array.isArray(required) && required.includes(field)) {
    if ('anyOf' in def) throw new Error(`${where}: cannot make ${field}|${alias} required next to an existing anyOf`);
    def['required'] = required.filter((r) => r !== field);
    def['anyOf'] = [{ required: [field] }, { required: [alias] }];
  }
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function convertRef(ref: unknown, where: string): string {
  if (typeof ref !== 'string' || !ref.startsWith(COMPONENT_REF)) {
    throw new Error(`${where}: unsupported $ref ${JSON.stringify(ref)}`);
  }
  return `#/definitions/${ref.slice(COMPONENT_REF.length)}`;
}

function isNullSchema(s: unknown): boolean {
  return isObject(s) && s['type'] === 'null';
}

/** Applies OpenAPI's `nullable: true` to an already converted schema. */
export function makeNullable(schema: JsonObject): JsonObject {
  const annotations: JsonObject = {};
  const rest: JsonObject = {};
  for (const [k, v] of Object.entries(schema)) {
    if (ANNOTATION_KEYWORDS.has(k)) annotations[k] = v;
    else rest[k] = v;
  }
  const keys = Object.keys(rest);
  // A bare `{ "nullable": true }`: Qdrant's generator means "null" by it (an anyOf member of Option<T>).
  if (keys.length === 0) return { type: 'null', ...annotations };

  const hasCombinator = COMBINATOR_KEYWORDS.some((k) => k in rest);
  if (!hasCombinator) {
    if ('type' in rest) {
      const types = Array.isArray(rest['type']) ? [...(rest['type'] as unknown[])] : [rest['type']];
      if (!types.includes('null')) types.push('null');
      rest['type'] = types;
    }
    if (Array.isArray(rest['enum']) && !rest['enum'].includes(null)) rest['enum'] = [...rest['enum'], null];
    if ('const' in rest && rest['const'] !== null) {
      rest['enum'] = [rest['const'], null];
      delete rest['const'];
    }
    return { ...rest, ...annotations };
  }
  if (keys.length === 1 && Array.isArray(rest['anyOf'])) {
    const branches = rest['anyOf'] as unknown[];
    return { anyOf: branches.some(isNullSchema) ? branches : [...branches, { type: 'null' }], ...annotations };
  }
  return { anyOf: [rest, { type: 'null' }], ...annotations };
}

/** Converts one OpenAPI 3.0 schema object into a draft-07 JSON Schema. `where` is for error messages. */
export function convertSchema(schema: unknown, where = '#'): JsonSchema {
  if (typeof schema === 'boolean') return schema;
  if (!isObject(schema)) throw new Error(`${where}: expected a schema object, got ${JSON.stringify(schema)}`);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    const at = `${where}/${key}`;
    if (DROPPED_KEYWORDS.has(key)) continue;
    if (key === '$ref') {
      out[key] = convertRef(value, at);
    } else if (SCHEMA_MAP_KEYWORDS.has(key)) {
      if (!isObject(value)) throw new Error(`${at}: expected an object of schemas`);
      const map: JsonObject = {};
      for (const [name, sub] of Object.entries(value)) map[name] = convertSchema(sub, `${at}/${name}`);
      out[key] = map;
    } else if (SCHEMA_KEYWORDS.has(key)) {
      out[key] = Array.isArray(value)
        ? value.map((sub, i) => convertSchema(sub, `${at}/${i}`))
        : convertSchema(value, at);
    } else if (SCHEMA_ARRAY_KEYWORDS.has(key)) {
      if (!Array.isArray(value)) throw new Error(`${at}: expected an array of schemas`);
      out[key] = value.map((sub, i) => convertSchema(sub, `${at}/${i}`));
    } else if (VALUE_KEYWORDS.has(key)) {
      out[key] = clone(value);
    } else {
      throw new Error(`${at}: unsupported keyword "${key}"`);
    }
  }
  // OpenAPI 3.0 (draft-04 style): `exclusiveMinimum: true` modifies `minimum`.
  for (const [excl, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[excl] === 'boolean') {
      if (out[excl] === true && typeof out[bound] === 'number') {
        out[excl] = out[bound];
        delete out[bound];
      } else {
        delete out[excl];
      }
    }
  }
  return schema['nullable'] === true ? makeNullable(out) : out;
}

function jsonSchemaOf(content: unknown, where: string): JsonSchema | null {
  if (!isObject(content)) return null;
  const json = content['application/json'];
  if (!isObject(json) || !('schema' in json)) return null;
  return convertSchema(json['schema'], `${where}/application~1json/schema`);
}

function specVersion(doc: JsonObject, specPath: string): string {
  const info = isObject(doc['info']) ? doc['info'] : {};
  const version = typeof info['version'] === 'string' ? info['version'] : '';
  const m = /(\d+\.\d+)/.exec(version) ?? /(\d+\.\d+)/.exec(basename(specPath));
  if (!m?.[1]) throw new Error('cannot tell the spec version from info.version or the file name');
  return m[1];
}

function operationIds(paths: JsonObject): Set<string> {
  const ids = new Set<string>();
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (isObject(op) && typeof op['operationId'] === 'string') ids.add(op['operationId']);
    }
  }
  return ids;
}

function collectRefs(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collectRefs(v, into);
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(COMPONENT_REF)) into.add(v.slice(COMPONENT_REF.length));
      else collectRefs(v, into);
    }
  }
}

/**
 * The union of `doc` and the operations of `legacy` that `doc` no longer lists (by operationId), with the
 * component schemas those operations reach that `doc` lacks. Schemas `doc` has win: a legacy request type
 * that refers to `Filter` gets the newer `Filter`. A legacy path that `doc` also has keeps `doc`'s methods.
 */
export function mergeLegacyOperations(doc: unknown, legacy: unknown): JsonObject {
  if (!isObject(doc) || !isObject(doc['paths']) || !isObject(doc['components']) || !isObject(doc['components']['schemas'])) {
    throw new Error('not an OpenAPI document: missing paths or components');
  }
  if (!isObject(legacy) || !isObject(legacy['paths']) || !isObject(legacy['components'])) {
    throw new Error('legacy: not an OpenAPI document: missing paths or components');
  }
  const legacySchemas = isObject(legacy['components']['schemas']) ? legacy['components']['schemas'] : {};
  const out = clone(doc);
  const paths = out['paths'] as JsonObject;
  const schemas = (out['components'] as JsonObject)['schemas'] as JsonObject;
  const known = operationIds(paths);
  const wanted = new Set<string>();
  for (const [path, item] of Object.entries(legacy['paths'])) {
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!isObject(op) || typeof op['operationId'] !== 'string' || known.has(op['operationId'])) continue;
      const target = isObject(paths[path]) ? paths[path] : (paths[path] = {});
      if (method in target) throw new Error(`legacy ${method.toUpperCase()} ${path}: the newer document serves it as another operation`);
      target[method] = clone(op);
      if (Array.isArray(item['parameters']) && !('parameters' in target)) target['parameters'] = clone(item['parameters']);
      collectRefs(op, wanted);
    }
  }
  const pending = [...wanted];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (name in schemas) continue;
    const schema = legacySchemas[name];
    if (schema === undefined) throw new Error(`legacy: unresolvable schema ${name}`);
    schemas[name] = clone(schema);
    const refs = new Set<string>();
    collectRefs(schema, refs);
    pending.push(...refs);
  }
  return out;
}

/** Converts a whole OpenAPI document. `specPath` only feeds the version fallback and `$comment`. */
export function convertSpec(doc: unknown, specPath = DEFAULT_SPEC_PATH, legacyPath?: string): GeneratedSpec {
  if (!isObject(doc) || !isObject(doc['paths']) || !isObject(doc['components'])) {
    throw new Error('not an OpenAPI document: missing paths or components');
  }
  const components = doc['components'];
  const schemas = components['schemas'];
  if (!isObject(schemas)) throw new Error('not an OpenAPI document: missing components.schemas');
  const componentParams = isObject(components['parameters']) ? components['parameters'] : {};

  const definitions: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const converted = convertSchema(schema, `#/components/schemas/${name}`);
    definitions[name] = isObject(converted) ? { title: name, ...converted } : converted;
  }
  for (const [target, field, alias] of SERDE_ALIASES) {
    for (const [name, def] of Object.entries(definitions)) {
      if (target !== '*' && target !== name) continue;
      const props = isObject(def) ? def['properties'] : undefined;
      if (target === '*' && !(isObject(props) && field in props && !(alias in props))) continue;
      if (!isObject(def)) throw new Error(`#/definitions/${name}: not an object schema`);
      applyAlias(def, field, alias, `#/definitions/${name}`);
    }
  }

  for (const [name, field, keywords] of VALIDATOR_CONSTRAINTS) {
    const def = definitions[name];
    if (def === undefined) continue; // a document without the definition (tests, other versions)
    const props = isObject(def) ? def['properties'] : undefined;
    const target = isObject(props) ? props[field] : undefined;
    if (!isObject(target)) throw new Error(`#/definitions/${name}/properties/${field}: no such field for a validator constraint`);
    Object.assign(target, keywords);
  }

  const resolveParam = (p: unknown, where: string): JsonObject => {
    if (isObject(p) && typeof p['$ref'] === 'string') {
      const prefix = '#/components/parameters/';
      const target = p['$ref'].startsWith(prefix) ? componentParams[p['$ref'].slice(prefix.length)] : undefined;
      if (!isObject(target)) throw new Error(`${where}: unresolvable parameter ${p['$ref']}`);
      return target;
    }
    if (!isObject(p)) throw new Error(`${where}: expected a parameter object`);
    return p;
  };

  const operations: Record<string, OperationSpec> = {};
  for (const [path, item] of Object.entries(doc['paths'])) {
    if (!isObject(item)) continue;
    const shared = Array.isArray(item['parameters']) ? item['parameters'] : [];
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const where = `#/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}`;
      const id = op['operationId'];
      if (typeof id !== 'string' || id === '') throw new Error(`${where}: missing operationId`);
      if (id in operations) throw new Error(`${where}: duplicate operationId ${id}`);

      const own = Array.isArray(op['parameters']) ? op['parameters'] : [];
      const params = new Map<string, JsonObject>();
      for (const [i, raw] of [...shared, ...own].entries()) {
        const p = resolveParam(raw, `${where}/parameters/${i}`);
        params.set(`${String(p['in'])}:${String(p['name'])}`, p); // operation-level overrides path-level
      }
      const pathParams: string[] = [];
      const query: Record<string, ParamSpec> = {};
      for (const p of params.values()) {
        const name = String(p['name']);
        if (p['in'] === 'path') pathParams.push(name);
        else if (p['in'] === 'query') {
          query[name] = {
            schema: convertSchema(p['schema'] ?? {}, `${where}/parameters/${name}/schema`),
            required: p['required'] === true,
          };
        }
      }

      const requestBody = isObject(op['requestBody']) ? op['requestBody'] : undefined;
      const body = requestBody ? jsonSchemaOf(requestBody['content'], `${where}/requestBody/content`) : null;
      const responses = isObject(op['responses']) ? op['responses'] : {};
      const responseOf = (code: string): JsonSchema | null => {
        const r = responses[code];
        return isObject(r) ? jsonSchemaOf(r['content'], `${where}/responses/${code}/content`) : null;
      };

      operations[id] = {
        method: method.toUpperCase(),
        path,
        body,
        bodyRequired: body !== null && requestBody?.['required'] !== false,
        query,
        pathParams,
        response: responseOf('200'),
        response202: responseOf('202'),
      };
    }
  }

  return {
    $comment: `GENERATED by scripts/gen-spec.ts from ${basename(specPath)}${
      legacyPath === undefined ? '' : ` + the legacy operations of ${basename(legacyPath)}`} — do not edit`,
    version: specVersion(doc, specPath),
    definitions,
    operations,
  };
}

export function renderSpec(spec: GeneratedSpec): string {
  return `${JSON.stringify(spec, null, 1)}\n`;
}

/** Reads, merges and converts: the text `npm run gen:spec` writes. */
export function generate(specPath = DEFAULT_SPEC_PATH, legacyPath: string | undefined = LEGACY_SPEC_PATH): string {
  const read = (p: string): unknown => JSON.parse(readFileSync(p, 'utf8'));
  const doc = legacyPath === undefined ? read(specPath) : mergeLegacyOperations(read(specPath), read(legacyPath));
  return renderSpec(convertSpec(doc, specPath, legacyPath));
}

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  const legacyAt = argv.indexOf('--legacy');
  const legacyArg = legacyAt >= 0 ? argv[legacyAt + 1] : undefined;
  if (legacyAt >= 0 && legacyArg === undefined) throw new Error('--legacy needs a path');
  const positional = argv.filter((a, i) => !a.startsWith('--') && !(legacyAt >= 0 && i === legacyAt + 1));
  const specPath = resolve(positional[0] ?? DEFAULT_SPEC_PATH);
  const text = generate(specPath, legacyArg === undefined ? LEGACY_SPEC_PATH : resolve(legacyArg));
  if (check) {
    let current = '';
    try {
      current = readFileSync(OUTPUT_PATH, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== text) {
      console.error(`${OUTPUT_PATH} is stale; run: node --import tsx scripts/gen-spec.ts`);
      return 1;
    }
    console.log(`${OUTPUT_PATH} is up to date`);
    return 0;
  }
  writeFileSync(OUTPUT_PATH, text);
  const spec = JSON.parse(text) as GeneratedSpec;
  console.log(
    `wrote ${OUTPUT_PATH}: ${Object.keys(spec.definitions).length} definitions, ` +
    `${Object.keys(spec.operations).length} operations (${(text.length / 1024).toFixed(0)} KiB)`,
  );
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
