/**
 * The REST surface as data: one row per route with its operation name, which is the key of its
 * access-table row, the audit `method` and Qdrant's OpenAPI operationId. A row is typed by its operation: the
 * handler receives the pass `authorize()` mints for that operation's scope (`PassFor<O>`), so a collection
 * route holds a `CollectionPass`, a global route a `GlobalPass`, a listing a `ListPass`, with no run-time cast.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from './deps.js';
import type { PassFor } from '../../auth/authorize.js';
import type { OperationName, OperationOfScope } from '../../auth/access-table.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler of operation `O` receives. */
export interface HandlerContext<O extends OperationName = OperationName> {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, unknown>>;
  readonly body: Record<string, unknown>;
  readonly pass: PassFor<O>;
  readonly deps: AppDeps;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

/** The context of any collection-scoped operation (its pass is a `CollectionPass`). */
export type CollectionContext = HandlerContext<OperationOfScope<'collection'>>;

/** A raw reply bypasses the `{result, status, time}` envelope (root, health checks, metrics). */
export class RawReply {
  constructor(
    readonly body: string | Buffer | object,
    readonly contentType: string,
    readonly status = 200,
  ) {}
}

export type Handler<O extends OperationName> = (ctx: HandlerContext<O>) => unknown;

/** One route of operation `O`. */
export interface TypedRoute<O extends OperationName> {
  readonly method: HttpMethod;
  /** OpenAPI-style path: `/collections/{collection_name}/points`. */
  readonly path: string;
  readonly operation: O;
  readonly handler: Handler<O>;
  /**
   * Decide access in `onRequest`, before the body is read (snapshot upload / recover: a refused caller
   * must not get a single byte buffered or written). Only for operations whose rule ignores the body.
   */
  readonly authorizeBeforeBody: boolean;
}

/**
 * A route of some operation. `use` hands the typed row to a function generic in the operation, so the
 * operation, the pass `authorize()` returns for it and the handler's pass stay one type.
 */
export interface RouteRow {
  readonly method: HttpMethod;
  readonly path: string;
  readonly operation: OperationName;
  use<R>(f: <O extends OperationName>(route: TypedRoute<O>) => R): R;
}

export function route<O extends OperationName>(method: HttpMethod, path: string, operation: O, handler: Handler<O>, options: { authorizeBeforeBody?: boolean } = {}): RouteRow {
  const typed: TypedRoute<O> = { method, path, operation, handler, authorizeBeforeBody: options.authorizeBeforeBody === true };
  return { method, path, operation, use: (f) => f(typed) };
}
