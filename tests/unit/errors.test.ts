/**
 * Pins the error registry (as Fastify's errors test pins its codes): codes are distinct, each is thrown
 * somewhere, no throw site repeats a template's text instead of naming its code, and every kind has a status on
 * both transports, chosen only by `toHttpError` / `toGrpcStatus`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { AppError, ERRORS, GrpcStatus, isPlainText, KIND_STATUS, type ErrorCode, type ErrorKind } from '../../src/errors.js';
import { toHttpError } from '../../src/api/rest/to-http-error.js';
import { toGrpcStatus } from '../../src/api/grpc/to-grpc-status.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');
const REGISTRY = join(SRC, 'errors.ts');
const CODES = Object.keys(ERRORS) as ErrorCode[];
const KINDS = Object.keys(KIND_STATUS) as ErrorKind[];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every string literal of a file's values (comments and types excluded), with template literals' fixed parts. */
function stringLiterals(path: string): string[] {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isLiteralTypeNode(node)) return; // a type (`'AUTH_MISSING' | …`) names a code but throws nothing
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) out.push(node.text);
    else if (ts.isTemplateExpression(node)) out.push(node.head.text, ...node.templateSpans.map((s) => s.literal.text));
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

const FILES = sourceFiles(SRC).filter((f) => f !== REGISTRY);
const LITERALS = new Map(FILES.map((f) => [relative(ROOT, f), stringLiterals(f)]));

describe('error registry', () => {
  it('has distinct codes: one code per kind and message', () => {
    for (const code of CODES) assert.match(code, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/, code);
    const seen = new Map<string, ErrorCode>();
    for (const code of CODES) {
      const e = ERRORS[code];
      const key = `${e.kind}\u0000${e.message}\u0000${String(isPlainText(code))}`;
      assert.equal(seen.get(key), undefined, `${code} duplicates ${seen.get(key)}`);
      seen.set(key, code);
    }
  });

  it('has no unused code: each is named somewhere in src/', () => {
    const named = new Set([...LITERALS.values()].flat());
    const unused = CODES.filter((c) => !named.has(c));
    assert.deepEqual(unused, [], `codes never thrown: ${unused.join(', ')}`);
  });

  it('has no throw site repeating a template instead of naming its code', () => {
    // A template's text, or its fixed part before the first placeholder when that part is not a generic prefix.
    const texts = new Map<string, ErrorCode>();
    for (const code of CODES) {
      const message = ERRORS[code].message;
      const [fixed = ''] = message.split(/%[sd]/);
      if (message !== '%s') texts.set(message, code);
      if (fixed.length >= 12 && fixed !== message) texts.set(fixed, code);
    }
    const repeats: string[] = [];
    for (const [file, literals] of LITERALS) {
      for (const l of literals) if (texts.has(l)) repeats.push(`${file}: ${JSON.stringify(l)} is ${texts.get(l)}`);
    }
    assert.deepEqual(repeats, []);
  });

  it('formats arguments into the template', () => {
    assert.equal(new AppError('VECTOR_DIMENSION_MISMATCH', [3, 4]).message, 'Wrong input: Vector dimension error: expected dim: 3, got 4');
    assert.equal(new AppError('COLLECTION_NOT_FOUND', ['c']).message, "Collection `c` doesn't exist!");
  });

  it('uses every kind, and only real gRPC codes and HTTP error statuses', () => {
    assert.deepEqual(KINDS.filter((k) => !CODES.some((c) => ERRORS[c].kind === k)), []);
    const grpcCodes = new Set<number>(Object.values(GrpcStatus));
    for (const k of KINDS) {
      const { http, grpc } = KIND_STATUS[k];
      assert.ok(http >= 400 && http < 600, `${k}: ${http}`);
      assert.ok(grpcCodes.has(grpc) && grpc !== (GrpcStatus.OK as number), `${k}: ${grpc}`);
    }
  });
});

describe('toHttpError', () => {
  const start = process.hrtime.bigint();

  it('answers every code with its kind\'s status: JSON envelope, or text for authentication failures', () => {
    for (const code of CODES) {
      const answer = toHttpError(new AppError(code, ['x']), start);
      assert.equal(answer.status, KIND_STATUS[ERRORS[code].kind].http, code);
      assert.equal(answer.unexpected, false);
      if (isPlainText(code)) {
        assert.equal(answer.contentType, 'text/plain; charset=utf-8');
        assert.equal(answer.body, ERRORS[code].message);
      } else {
        assert.equal(answer.contentType, 'application/json');
        assert.equal(typeof answer.body, 'object');
        assert.equal((answer.body as { status: { error: string } }).status.error, new AppError(code, ['x']).message);
      }
    }
  });

  it('pins the statuses clients see', () => {
    const status = (code: ErrorCode): number => toHttpError(new AppError(code, ['x']), start).status;
    assert.deepEqual(
      (['BAD_INPUT', 'AUTH_MISSING', 'FORBIDDEN', 'JWT_EXPIRED', 'NOT_FOUND', 'COLLECTION_EXISTS', 'PAYLOAD_TOO_LARGE', 'SERVICE_ERROR', 'UNAVAILABLE', 'INSUFFICIENT_STORAGE'] as const).map(status),
      [400, 401, 403, 403, 404, 409, 413, 500, 503, 507],
    );
  });

  it('turns Fastify\'s errors into Qdrant\'s texts and anything else into a logged 500', () => {
    const tooLarge = toHttpError(Object.assign(new Error('big'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }), start);
    assert.equal(tooLarge.status, 413);
    assert.deepEqual((tooLarge.body as { status: unknown }).status, { error: 'Payload too large: the request body exceeds service.max_request_size_mb' });
    const empty = toHttpError(Object.assign(new Error('empty'), { code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 }), start);
    assert.deepEqual([empty.status, (empty.body as { status: unknown }).status], [400, { error: 'Format error in JSON body: EOF while parsing a value' }]);
    const bug = toHttpError(new TypeError('secret detail'), start);
    assert.equal(bug.status, 500);
    assert.equal(bug.unexpected, true);
    assert.deepEqual((bug.body as { status: unknown }).status, { error: 'Service internal error: an unexpected error occurred; see the server log' });
  });
});

describe('toGrpcStatus', () => {
  it('maps kinds as Qdrant maps StorageError to tonic codes', () => {
    const code = (c: ErrorCode): number => toGrpcStatus(new AppError(c, ['x'])).code;
    assert.equal(code('BAD_INPUT'), GrpcStatus.INVALID_ARGUMENT);
    assert.equal(code('COLLECTION_NOT_FOUND'), GrpcStatus.NOT_FOUND);
    assert.equal(code('COLLECTION_EXISTS'), GrpcStatus.ALREADY_EXISTS);
    assert.equal(code('FORBIDDEN'), GrpcStatus.PERMISSION_DENIED);
    assert.equal(code('JWT_EXPIRED'), GrpcStatus.PERMISSION_DENIED);
    assert.equal(code('AUTH_MISSING'), GrpcStatus.UNAUTHENTICATED);
    assert.equal(code('SERVICE_ERROR'), GrpcStatus.INTERNAL);
    assert.equal(code('UNAVAILABLE'), GrpcStatus.UNAVAILABLE);
    assert.equal(code('PAYLOAD_TOO_LARGE'), GrpcStatus.RESOURCE_EXHAUSTED);
    assert.equal(code('INSUFFICIENT_STORAGE'), GrpcStatus.RESOURCE_EXHAUSTED);
  });

  it('answers every code, with the same text as REST', () => {
    for (const c of CODES) {
      const s = toGrpcStatus(new AppError(c, ['x']));
      assert.equal(s.code, KIND_STATUS[ERRORS[c].kind].grpc, c);
      assert.equal(s.details, new AppError(c, ['x']).message);
      assert.equal(s.unexpected, false);
    }
  });

  it('answers anything else INTERNAL without its details', () => {
    const s = toGrpcStatus(new Error('secret detail'));
    assert.deepEqual([s.code, s.details, s.unexpected], [GrpcStatus.INTERNAL, 'Service internal error: an unexpected error occurred; see the server log', true]);
  });
});
