/**
 * Types of Qdrant's wire bodies, from the official client's OpenAPI-generated `Schemas` (the same
 * document `schemas/openapi.gen.json` is built from). Bodies reach the parsers after the request
 * validator has checked them against that schema, so a handler may view `ctx.body` as its `Wire<…>`.
 * Type-only: nothing of the client is loaded at run time.
 */
import type { Schemas } from '@qdrant/js-client-rest';

export type Wire<K extends keyof Schemas> = Schemas[K];

