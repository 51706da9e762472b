/**
 * The validator of `storage.collection.quantization`, Qdrant's `QuantizationConfig` (one of `scalar`, `product`,
 * `binary`). From the environment it is given as JSON:
 * `QDRANT__STORAGE__COLLECTION__QUANTIZATION='{"scalar":{"type":"int8"}}'`.
 */
import { INVALID, isMapping, leaf } from './spec.js';
import type { Invalid, LeafSpec } from './spec.js';

/** Qdrant's default quantization for new collections (wire names, as in `openapi.json`). */
export type QuantizationConfig =
  | { scalar: { type: 'int8'; quantile?: number; always_ram?: boolean } }
  | { product: { compression: 'x4' | 'x8' | 'x16' | 'x32' | 'x64'; always_ram?: boolean } }
  | {
      binary: {
        always_ram?: boolean;
        encoding?: 'one_bit' | 'two_bits' | 'one_and_half_bits';
        query_encoding?: 'default' | 'binary' | 'scalar4bits' | 'scalar8bits';
      };
    };

const COMPRESSIONS = ['x4', 'x8', 'x16', 'x32', 'x64'] as const;
const ENCODINGS = ['one_bit', 'two_bits', 'one_and_half_bits'] as const;
const QUERY_ENCODINGS = ['default', 'binary', 'scalar4bits', 'scalar8bits'] as const;

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[]): boolean {
  return Object.keys(value).every((key) => allowed.includes(key));
}

function optionalBool(value: unknown): boolean | undefined | Invalid {
  return value === undefined || typeof value === 'boolean' ? value : INVALID;
}

function optionalOf<const V extends string>(value: unknown, values: readonly V[]): V | undefined | Invalid {
  if (value === undefined) return undefined;
  return values.find((v) => v === value) ?? INVALID;
}

function parseQuantization(raw: unknown): QuantizationConfig | Invalid {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      return INVALID;
    }
  }
  if (!isMapping(value) || Object.keys(value).length !== 1) return INVALID;
  const { scalar, product, binary } = value;
  if (isMapping(scalar) && onlyKeys(scalar, ['type', 'quantile', 'always_ram'])) {
    const alwaysRam = optionalBool(scalar['always_ram']);
    const quantile = scalar['quantile'];
    if (scalar['type'] !== 'int8' || alwaysRam === INVALID) return INVALID;
    if (quantile !== undefined && (typeof quantile !== 'number' || !(quantile >= 0.5 && quantile <= 1))) return INVALID;
    return {
      scalar: {
        type: 'int8',
        ...(quantile === undefined ? {} : { quantile }),
        ...(alwaysRam === undefined ? {} : { always_ram: alwaysRam }),
      },
    };
  }
  if (isMapping(product) && onlyKeys(product, ['compression', 'always_ram'])) {
    const compression = optionalOf(product['compression'], COMPRESSIONS);
    const alwaysRam = optionalBool(product['always_ram']);
    if (compression === undefined || compression === INVALID || alwaysRam === INVALID) return INVALID;
    return { product: { compression, ...(alwaysRam === undefined ? {} : { always_ram: alwaysRam }) } };
  }
  if (isMapping(binary) && onlyKeys(binary, ['always_ram', 'encoding', 'query_encoding'])) {
    const alwaysRam = optionalBool(binary['always_ram']);
    const encoding = optionalOf(binary['encoding'], ENCODINGS);
    const queryEncoding = optionalOf(binary['query_encoding'], QUERY_ENCODINGS);
    if (alwaysRam === INVALID || encoding === INVALID || queryEncoding === INVALID) return INVALID;
    return {
      binary: {
        ...(alwaysRam === undefined ? {} : { always_ram: alwaysRam }),
        ...(encoding === undefined ? {} : { encoding }),
        ...(queryEncoding === undefined ? {} : { query_encoding: queryEncoding }),
      },
    };
  }
  return INVALID;
}

/** Leaf validator for a quantization config (not nullable by itself; wrap in `nullable`). */
export function quantization(): LeafSpec<QuantizationConfig> {
  return leaf(
    'a quantization config: {"scalar": {"type": "int8", "quantile"?: 0.5..1, "always_ram"?: bool}}, '
      + '{"product": {"compression": "x4".."x64", "always_ram"?: bool}} or '
      + '{"binary": {"always_ram"?: bool, "encoding"?: …, "query_encoding"?: …}}',
    (value) => parseQuantization(value),
  );
}
