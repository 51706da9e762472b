/**
 * Whatever arrives, validation either passes or throws an AppError with a one-line message; it
 * never crashes with anything else.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AppError } from '../../../../src/errors.js';
import { hasBody, SPEC_OPERATIONS, validateBody, validateQuery } from '../../../../src/api/rest/schemas/validator.js';
import { DOCUMENTED_REQUEST_BODIES as VALID_BODIES } from '../../../support/openapi.js';

const BODY_OPS = SPEC_OPERATIONS.filter((id) => hasBody(id));
const RUNS = 400;

/** A format error, or a constraint failure (422) of the same place. */
const CONSTRAINT_OF = { BODY_VALIDATION: 'VALIDATION', QUERY_VALIDATION: 'QUERY_CONSTRAINT' } as const;

function onlyAppErrors(code: 'BODY_VALIDATION' | 'QUERY_VALIDATION', fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof AppError)) throw new Error(`non-AppError escaped: ${String(e)}`, { cause: e });
    assert.ok(e.code === code || e.code === CONSTRAINT_OF[code], e.message);
    assert.ok(!e.message.includes('\n') && e.message.length < 1000, `message: ${e.message}`);
  }
}

/** Every path (as key lists) inside a JSON value, the root included. */
function pathsOf(value: unknown): (string | number)[][] {
  const out: (string | number)[][] = [];
  const stack: [unknown, (string | number)[]][] = [[value, []]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    out.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, [...path, i]]));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) stack.push([x, [...path, k]]);
  }
  return out;
}

function replaceAt(root: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cur = copy;
  for (const key of path.slice(0, -1)) cur = cur[key] as Record<string | number, unknown>;
  cur[path[path.length - 1]!] = replacement;
  return copy;
}

const weird = fc.anything({
  withBoxedValues: true,
  withMap: true,
  withSet: true,
  withObjectString: true,
  withNullPrototype: true,
  withBigInt: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
  withUnicodeString: true,
});

const numbersAndIds = fc.oneof(
  fc.double(),
  fc.integer({ min: -10, max: 10 }),
  fc.constant(-0),
  fc.constant(2 ** 64),
  fc.uuid(),
  fc.string(),
  fc.constant(null),
);

describe('validation fuzz', () => {
  it('random JSON bodies for every operation', () => {
    fc.assert(
      fc.property(fc.constantFrom(...BODY_OPS), fc.jsonValue(), (op, body) => {
        onlyAppErrors('BODY_VALIDATION', () => validateBody(op, body));
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary JavaScript values (boxed, maps, null prototypes, bigint, sparse arrays, -0, NaN)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...BODY_OPS), weird, (op, body) => {
        onlyAppErrors('BODY_VALIDATION', () => validateBody(op, body));
      }),
      { numRuns: RUNS },
    );
  });

  it('documented bodies with one subtree replaced', () => {
    const samples = VALID_BODIES.map(([op, , body]) => ({ op, body, paths: pathsOf(body) }));
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.nat(),
        fc.oneof(fc.jsonValue({ maxDepth: 3 }), numbersAndIds, weird),
        ({ op, body, paths }, pick, replacement) => {
          const mutated = replaceAt(body, paths[pick % paths.length]!, replacement);
          onlyAppErrors('BODY_VALIDATION', () => validateBody(op, mutated));
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('random query strings', () => {
    const value = fc.oneof(fc.string(), fc.constantFrom('true', 'false', '1', '-1', '0', 'strong', 'majority', ''), fc.array(fc.string()), weird);
    const key = fc.oneof(fc.constantFrom('wait', 'ordering', 'timeout', 'consistency', 'force', 'details_level', '__proto__'), fc.string());
    fc.assert(
      fc.property(fc.constantFrom(...SPEC_OPERATIONS), fc.dictionary(key, value), (op, query) => {
        onlyAppErrors('QUERY_VALIDATION', () => validateQuery(op, query));
      }),
      { numRuns: RUNS },
    );
  });
});
