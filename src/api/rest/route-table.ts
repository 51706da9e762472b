/**
 * The REST surface as data: one row per route with its operation name, which is the key of its
 * access-table row, the audit `method` and Qdrant's OpenAPI operationId.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from './deps.js';
import type { Pass } from './gate.js';
import type { CollectionPass, GlobalPass } from '../../auth/authorize.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HandlerContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, unknown>>;
  readonly body: Record<string, unknown>;
  readonly pass: Pass;
  readonly deps: AppDeps;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

/** A raw reply bypasses the `{result, status, time}` envelope (root, health checks, metrics). */
export class RawReply {
  constructor(
    readonly body: string | Buffer | object,
    readonly contentType: string,
    readonly status = 200,
  ) {}
}

export type Handler = (ctx: HandlerContext) => unknown;

export interface RouteRow {
  readonly method: HttpMethod;
  /** OpenAPI-style path: `/collections/{collection_name}/points`. */
  readonly path: string;
  readonly operation: string;
  readonly handler: Handler;
  /**
   * Decide access in `onRequest`, before the body is read (snapshot upload / recover: a refused caller
   * must not get a single byte buffered or written). Only for operations whose rule ignores the body.
   */
  readonly authorizeBeforeBody?: boolean;
}

export function route(method: HttpMethod, path: string, operation: string, handler: Handler, options: { authorizeBeforeBody?: boolean } = {}): RouteRow {
  return { method, path, operation, handler, ...options };
}

/**
 * The pass for the route's `{collection_name}`: the one minted for a collection-scoped route, or, for a
 * global route that names a collection (update collection, shard keys), one issued by its global pass.
 */
export function collectionPass(ctx: HandlerContext): CollectionPass {
  if (ctx.pass.kind === 'collection') return ctx.pass;
  const name = ctx.params['collection_name'];
  if (ctx.pass.kind === 'global' && name !== undefined) return ctx.pass.issue(ctx.deps.toc.resolve(name));
  throw new Error(`route expected a collection pass, got ${ctx.pass.kind}`);
}

/** The pass of a global route (scope `global`). */
export function globalPass(ctx: HandlerContext): GlobalPass {
  if (ctx.pass.kind !== 'global') throw new Error(`route expected a global pass, got ${ctx.pass.kind}`);
  return ctx.pass;
}

/** Of `names`, those the caller may see (list routes are filtered for collection-scoped credentials). */
export function visibleNames(ctx: HandlerContext, names: readonly string[]): string[] {
  return ctx.pass.kind === 'list' ? ctx.pass.visible(names) : [...names];
}
