import { AppError, badInput } from '../../errors.js';
import { SNOWBALL_LANGUAGES } from './stemmer.js';

/** Qdrant `PayloadSchemaType`. */
export type PayloadSchemaType = 'keyword' | 'integer' | 'float' | 'geo' | 'text' | 'bool' | 'datetime' | 'uuid';

export const PAYLOAD_SCHEMA_TYPES: readonly PayloadSchemaType[] = Object.freeze([
  'keyword',
  'integer',
  'float',
  'geo',
  'text',
  'bool',
  'datetime',
  'uuid',
]);

export type TokenizerType = 'prefix' | 'whitespace' | 'word' | 'multilingual';

/** Stopwords: a language name or `{languages?, custom?}` (Qdrant `StopwordsInterface`). */
export type StopwordsParams = string | { readonly languages?: readonly string[]; readonly custom?: readonly string[] };

/**
 * Index parameters exactly as Qdrant echoes them in `payload_schema[field].params`
 * (snake_case wire names; optional keys omitted when not given, except where Qdrant always
 * writes them: `tokenizer` for text, `lookup`/`range`/`is_principal` for integer and
 * `is_principal` for float and datetime, which Qdrant serializes as `null` when unset).
 */
export type PayloadSchemaParams = Readonly<Record<string, unknown>> & { readonly type: PayloadSchemaType };

/** A validated `field_schema`: the type, and the params object when one was given. */
export interface FieldSchema {
  readonly type: PayloadSchemaType;
  /** null when the schema was a bare type name (Qdrant then reports no `params`). */
  readonly params: PayloadSchemaParams | null;
}

/** Text index options resolved with Qdrant's defaults. */
export interface TextIndexOptions {
  readonly tokenizer: TokenizerType;
  readonly minTokenLen: number | null;
  readonly maxTokenLen: number | null;
  readonly lowercase: boolean;
  readonly asciiFolding: boolean;
  readonly phraseMatching: boolean;
  readonly stopwords: StopwordsParams | null;
  /** The Snowball stemmer's language, or null for no stemming. */
  readonly stemmer: string | null;
}

const TOKENIZERS: readonly TokenizerType[] = ['prefix', 'whitespace', 'word', 'multilingual'];

const LANGUAGES = new Set([
  'arabic', 'azerbaijani', 'basque', 'bengali', 'catalan', 'chinese', 'danish', 'dutch', 'english',
  'finnish', 'french', 'german', 'greek', 'hebrew', 'hinglish', 'hungarian', 'indonesian', 'italian',
  'japanese', 'kazakh', 'nepali', 'norwegian', 'portuguese', 'romanian', 'russian', 'slovene', 'spanish',
  'swedish', 'tajik', 'turkish',
]);

/** Short aliases Qdrant accepts for stopword languages. */
const LANGUAGE_ALIASES: Readonly<Record<string, string>> = {
  ar: 'arabic', az: 'azerbaijani', eu: 'basque', bn: 'bengali', ca: 'catalan', zh: 'chinese', da: 'danish',
  nl: 'dutch', en: 'english', fi: 'finnish', fr: 'french', de: 'german', el: 'greek', he: 'hebrew',
  'hi-en': 'hinglish', hu: 'hungarian', id: 'indonesian', it: 'italian', jp: 'japanese', kk: 'kazakh',
  ne: 'nepali', no: 'norwegian', pt: 'portuguese', ro: 'romanian', ru: 'russian', sl: 'slovene', es: 'spanish',
  sv: 'swedish', tg: 'tajik', tr: 'turkish',
};

/** Stopword languages Quiver ships lists for; others are refused instead of silently ignored. */
export const SUPPORTED_STOPWORD_LANGUAGES: ReadonlySet<string> = new Set(['english']);

/** Keys each params type accepts (besides `type`), from the 1.19 OpenAPI schemas. */
const ALLOWED_KEYS: Readonly<Record<PayloadSchemaType, readonly string[]>> = {
  keyword: ['is_tenant', 'on_disk', 'memory', 'enable_hnsw', 'prefix'],
  integer: ['lookup', 'range', 'is_principal', 'on_disk', 'memory', 'enable_hnsw'],
  float: ['is_principal', 'on_disk', 'memory', 'enable_hnsw'],
  geo: ['on_disk', 'memory', 'enable_hnsw'],
  text: [
    'tokenizer', 'min_token_len', 'max_token_len', 'lowercase', 'ascii_folding', 'phrase_matching',
    'stopwords', 'on_disk', 'memory', 'stemmer', 'enable_hnsw',
  ],
  bool: ['on_disk', 'memory', 'enable_hnsw'],
  datetime: ['is_principal', 'on_disk', 'memory', 'enable_hnsw'],
  uuid: ['is_tenant', 'on_disk', 'memory', 'enable_hnsw'],
};

/** Qdrant 1.19 `Memory`: where a component's data is held (payload indexes accept all three). */
export const MEMORY_PLACEMENTS: readonly string[] = ['cold', 'cached', 'pinned'];

/** Keys Qdrant always serializes, as `null` when unset. */
const ALWAYS_SERIALIZED: Readonly<Partial<Record<PayloadSchemaType, readonly string[]>>> = {
  integer: ['lookup', 'range', 'is_principal'],
  float: ['is_principal'],
  datetime: ['is_principal'],
};

function isPayloadSchemaType(v: unknown): v is PayloadSchemaType {
  return typeof v === 'string' && (PAYLOAD_SCHEMA_TYPES as readonly string[]).includes(v);
}

function fail(message: string): never {
  throw badInput(`field_schema: ${message}`);
}

function optionalBool(obj: Readonly<Record<string, unknown>>, key: string): boolean | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') fail(`expected a boolean for ${key}`);
  return v;
}

function optionalUint(obj: Readonly<Record<string, unknown>>, key: string): number | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`expected a non-negative integer for ${key}`);
  return v;
}

/**
 * Validates a `field_schema` (a bare type name or a params object) and normalizes it to what
 * Qdrant stores and echoes.
 * @throws AppError(BAD_INPUT) naming the offending key.
 * @throws AppError(UNSUPPORTED) for text options Quiver does not implement (stopword languages other
 *   than English), rather than indexing differently from Qdrant.
 */
export function parseFieldSchema(input: unknown): FieldSchema {
  if (typeof input === 'string') {
    if (!isPayloadSchemaType(input)) fail(`unknown type "${input}", expected one of ${PAYLOAD_SCHEMA_TYPES.join(', ')}`);
    return Object.freeze({ type: input, params: null });
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    fail('expected a type name or an object with a "type"');
  }
  const obj = input as Readonly<Record<string, unknown>>;
  const type = obj['type'];
  if (!isPayloadSchemaType(type)) fail(`unknown type ${JSON.stringify(type) ?? 'undefined'}, expected one of ${PAYLOAD_SCHEMA_TYPES.join(', ')}`);

  const out: Record<string, unknown> = { type };
  for (const key of ALWAYS_SERIALIZED[type] ?? []) out[key] = null;
  for (const key of ALLOWED_KEYS[type]) {
    if (!Object.hasOwn(obj, key)) continue;
    const v = obj[key];
    switch (key) {
      case 'tokenizer':
        if (v === null || v === undefined) break;
        if (typeof v !== 'string' || !(TOKENIZERS as readonly string[]).includes(v)) {
          fail(`unknown tokenizer ${JSON.stringify(v)}, expected one of ${TOKENIZERS.join(', ')}`);
        }
        out[key] = v;
        break;
      case 'min_token_len':
      case 'max_token_len': {
        const n = optionalUint(obj, key);
        if (n !== null) out[key] = n;
        break;
      }
      case 'stopwords': {
        const s = parseStopwords(v);
        if (s !== null) out[key] = s;
        break;
      }
      case 'stemmer': {
        const stemmer = parseStemmer(v);
        if (stemmer !== null) out[key] = stemmer;
        break;
      }
      case 'memory':
        if (v === null || v === undefined) break;
        if (typeof v !== 'string' || !MEMORY_PLACEMENTS.includes(v)) fail(`unknown variant ${JSON.stringify(v)} for memory, expected one of cold, cached, pinned`);
        out[key] = v;
        break;
      default: {
        const b = optionalBool(obj, key);
        if (b !== null) out[key] = b;
        else if (ALWAYS_SERIALIZED[type]?.includes(key) === true) out[key] = null;
      }
    }
  }
  if (type === 'text' && out['tokenizer'] === undefined) out['tokenizer'] = 'word';
  if (type === 'integer' && out['lookup'] === false && out['range'] === false) {
    // A validator rule of Qdrant's `IntegerIndexParams` (the body parses): 422, validator's own text.
    throw new AppError('VALIDATION', ["field_schema.lookup: Validation error: the 'lookup' and 'range' capabilities can't be both disabled [{}]"]);
  }
  return Object.freeze({ type, params: Object.freeze(out) as PayloadSchemaParams });
}

/**
 * `stemmer` (Qdrant 1.19 `StemmingAlgorithm`): `{"type": "snowball", "language": …}` with a language of
 * `SnowballLanguage`, or `{"type": "none"}` (no stemming); echoed as given.
 */
function parseStemmer(v: unknown): Readonly<Record<string, unknown>> | null {
  if (v === null || v === undefined) return null;
  if (!isRecord(v)) fail('expected an object with a type for stemmer');
  const type = v['type'];
  if (type === 'none') return Object.freeze({ type: 'none' });
  if (type !== 'snowball') return fail(`unknown stemmer type ${JSON.stringify(type) ?? 'undefined'}, expected snowball or none`);
  const language = v['language'];
  if (language === undefined || language === null) fail('missing field `language` for stemmer');
  if (typeof language !== 'string' || !SNOWBALL_LANGUAGES.includes(language)) {
    fail(`unknown variant ${JSON.stringify(language)} for stemmer language, expected one of ${SNOWBALL_LANGUAGES.join(', ')}`);
  }
  return Object.freeze({ type: 'snowball', language });
}

function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseStopwords(v: unknown): StopwordsParams | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return checkLanguage(v);
  if (typeof v !== 'object' || Array.isArray(v)) fail('expected a language name or {languages, custom} for stopwords');
  const obj = v as Readonly<Record<string, unknown>>;
  const result: { languages?: string[]; custom?: string[] } = {};
  const languages = obj['languages'];
  if (languages !== undefined && languages !== null) {
    if (!Array.isArray(languages)) fail('expected an array for stopwords.languages');
    result.languages = [...new Set(languages.map((l: unknown) => {
      if (typeof l !== 'string') fail('expected language names in stopwords.languages');
      return checkLanguage(l);
    }))].sort();
  }
  const custom = obj['custom'];
  if (custom !== undefined && custom !== null) {
    if (!Array.isArray(custom)) fail('expected an array for stopwords.custom');
    result.custom = [...new Set(custom.map((w: unknown) => {
      if (typeof w !== 'string') fail('expected strings in stopwords.custom');
      return w;
    }))].sort();
  }
  return Object.freeze(result);
}

function checkLanguage(name: string): string {
  const language = LANGUAGE_ALIASES[name] ?? name;
  if (!LANGUAGES.has(language)) fail(`unknown stopwords language "${name}"`);
  if (!SUPPORTED_STOPWORD_LANGUAGES.has(language)) {
    throw new AppError('UNSUPPORTED', [`stopwords language "${language}"`]);
  }
  return language;
}

/** Text index options with Qdrant's defaults applied (`word` tokenizer, lowercase on). */
export function textIndexOptions(schema: FieldSchema): TextIndexOptions {
  const p: Readonly<Record<string, unknown>> = schema.params ?? {};
  const num = (k: string): number | null => {
    const v = p[k];
    return typeof v === 'number' ? v : null;
  };
  const stop = p['stopwords'];
  return Object.freeze({
    tokenizer: (p['tokenizer'] as TokenizerType | undefined) ?? 'word',
    minTokenLen: num('min_token_len'),
    maxTokenLen: num('max_token_len'),
    lowercase: p['lowercase'] !== false,
    asciiFolding: p['ascii_folding'] === true,
    phraseMatching: p['phrase_matching'] === true,
    stopwords: stop === undefined ? null : (stop as StopwordsParams),
    stemmer: (p['stemmer'] as { language?: string } | undefined)?.language ?? null,
  });
}

/** Two schemas are the same index (re-creating it is a no-op). */
export function sameFieldSchema(a: FieldSchema, b: FieldSchema): boolean {
  if (a.type !== b.type) return false;
  return JSON.stringify(expandParams(a)) === JSON.stringify(expandParams(b));
}

function expandParams(s: FieldSchema): unknown {
  if (s.params !== null) return s.params;
  return parseFieldSchema({ type: s.type }).params;
}
