/**
 * Snapshot routes (Qdrant's paths and response shapes): collection, shard (the single local shard 0) and full
 * snapshots — create, list, download, delete — and recovery from a location or an upload. Restoring a full
 * snapshot at runtime (`PUT /snapshots/recover`, `POST /snapshots/upload`, manage only) is Quiver's own.
 *
 * `wait=false` answers 202 `{"status": "accepted", "time": …}` and finishes in the background. Recovery checks the
 * location (and reads an upload) before answering, so refusals are never lost in the background. Upload and
 * recover routes decide access before the body is read (`authorizeBeforeBody`): a refused caller gets its 401/403
 * with nothing buffered or written.
 */
import type { MultipartFile } from '@fastify/multipart';
import { route, RawReply, type RouteRow, type HandlerContext, type CollectionContext } from '../route-table.js';
import { elapsedSeconds } from '../envelope.js';
import { AppError } from '../../../errors.js';
import type { SnapshotDownload, SnapshotScope, SnapshotService, RecoverRequest } from '../../../service/snapshots/service.js';
import type { RecoveryTarget } from '../../../service/snapshots/import.js';
import type { CollectionPass } from '../../../auth/authorize.js';
import { validateCollectionName } from '../../../service/table-of-content.js';
import { recoveryFailedIssue } from '../../../service/issues.js';

/** The recovery operations: global scope, on the collection the path names. */
type RecoverContext = HandlerContext<'recover_from_snapshot' | 'recover_from_uploaded_snapshot' | 'recover_shard_from_snapshot' | 'recover_shard_from_uploaded_snapshot'>;

function service(ctx: HandlerContext): SnapshotService {
  return ctx.deps.snapshots;
}

/** `wait` defaults to true for snapshot operations, as in Qdrant. */
function waits(ctx: HandlerContext): boolean {
  return ctx.query['wait'] !== false;
}

function accepted(ctx: HandlerContext): RawReply {
  return new RawReply({ status: 'accepted', time: elapsedSeconds(ctx.request.startNs) }, 'application/json', 202);
}

/** Runs `work` after the 202; a failure of a recovery becomes an issue (`GET /issues`), which the server logs. */
function inBackground(ctx: HandlerContext, what: string, work: () => Promise<unknown>, recovered?: string): void {
  const log = ctx.request.log;
  work().catch((err: unknown) => {
    if (recovered === undefined) log.error({ err }, `${what} failed`);
    else ctx.deps.issues.add(recoveryFailedIssue(recovered, err));
  });
}

/** The pass of a collection route, after checking that the collection exists (404 otherwise). */
function existingCollection(ctx: CollectionContext): CollectionPass {
  ctx.deps.toc.get(ctx.pass);
  return ctx.pass;
}

/** Quiver serves one local shard per collection, shard 0: any other id is 404. */
function shardIdOf(ctx: HandlerContext, collection: string): number {
  const raw = ctx.params['shard_id'] ?? '';
  if (!/^\d{1,10}$/.test(raw)) throw new AppError('BAD_INPUT', [`Validation error in path parameters: shard_id: \`${raw.slice(0, 40)}\` is not an unsigned integer`]);
  const id = Number(raw);
  if (id !== 0) throw new AppError('NOT_FOUND', [`Not found: Shard ${id} of collection ${collection} does not exist on this node (Quiver holds one local shard, 0)`]);
  return id;
}

function collectionScope(ctx: CollectionContext): SnapshotScope {
  return { kind: 'collection', collection: existingCollection(ctx).collection };
}

function shardScope(ctx: CollectionContext): { scope: SnapshotScope & { kind: 'shard' }; pass: CollectionPass } {
  const pass = existingCollection(ctx);
  return { scope: { kind: 'shard', collection: pass.collection, shardId: shardIdOf(ctx, pass.requested) }, pass };
}

function sendSnapshot(ctx: HandlerContext, d: SnapshotDownload): RawReply {
  const ascii = d.name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  ctx.reply.header('content-length', String(d.size));
  ctx.reply.header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(d.name)}`);
  return new RawReply(d.stream, 'application/octet-stream');
}

function snapshotName(ctx: HandlerContext): string {
  return ctx.params['snapshot_name'] ?? '';
}

function recoverRequest(body: Record<string, unknown>): RecoverRequest {
  const location = body['location'];
  if (typeof location !== 'string') throw new AppError('BAD_INPUT', ['Format error in JSON body: missing field `location`']);
  const checksum = body['checksum'];
  const apiKey = body['api_key'];
  return { location, checksum: typeof checksum === 'string' ? checksum : undefined, apiKey: typeof apiKey === 'string' ? apiKey : undefined };
}

/** The uploaded snapshot: the multipart file field `snapshot`, streamed (never buffered whole). */
async function uploadedSnapshot(ctx: HandlerContext): Promise<AsyncIterable<unknown>> {
  const missing = 'Bad request: expected a multipart/form-data body with the snapshot file in the field `snapshot`';
  if (!ctx.request.isMultipart()) throw new AppError('BAD_INPUT', [missing]);
  let part: MultipartFile | undefined;
  try {
    part = await ctx.request.file();
  } catch (e) {
    throw malformedMultipart(e);
  }
  if (part === undefined) throw new AppError('BAD_INPUT', [missing]);
  if (part.fieldname !== 'snapshot') {
    part.file.resume();
    throw new AppError('BAD_INPUT', [missing]);
  }
  return guardedStream(part.file);
}

function malformedMultipart(e: unknown): AppError {
  return e instanceof AppError ? e : new AppError('BAD_INPUT', [`Bad request: malformed multipart body: ${e instanceof Error ? e.message : String(e)}`]);
}

/** The upload's bytes; a parse error of the multipart framing mid-stream is the client's fault (400), not ours. */
async function* guardedStream(stream: AsyncIterable<unknown>): AsyncIterable<unknown> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (e) {
    throw malformedMultipart(e);
  }
}

async function recoverFromLocation(ctx: RecoverContext, target: RecoveryTarget): Promise<unknown> {
  const pass = ctx.pass;
  const name = ctx.params['collection_name'] ?? '';
  validateCollectionName(name);
  const svc = service(ctx);
  const request = recoverRequest(ctx.body);
  let shard: { collection: string; shardId: number } | undefined;
  if (target === 'shard') {
    const real = ctx.deps.toc.resolve(name);
    ctx.deps.toc.get(pass.issue(real));
    shard = { collection: real, shardId: shardIdOf(ctx, name) };
  }
  // The location is checked and opened before answering, even with wait=false.
  const source = await svc.openLocation(request, shard);
  const run = async (): Promise<void> => {
    const prepared = await svc.prepare(pass, name, source, request.checksum, target);
    await prepared.apply();
  };
  if (!waits(ctx)) {
    inBackground(ctx, 'snapshot recovery', run, name);
    return accepted(ctx);
  }
  await run();
  return true;
}

async function recoverFromUpload(ctx: RecoverContext, target: RecoveryTarget): Promise<unknown> {
  const pass = ctx.pass;
  const name = ctx.params['collection_name'] ?? '';
  validateCollectionName(name);
  if (target === 'shard') {
    const real = ctx.deps.toc.resolve(name);
    ctx.deps.toc.get(pass.issue(real));
    shardIdOf(ctx, name);
  }
  const checksum = typeof ctx.query['checksum'] === 'string' ? ctx.query['checksum'] : undefined;
  // The upload is read and checked (checksum included) before answering, even with wait=false.
  const prepared = await service(ctx).prepare(pass, name, await uploadedSnapshot(ctx), checksum, target);
  if (!waits(ctx)) {
    inBackground(ctx, 'snapshot recovery', () => prepared.apply(), name);
    return accepted(ctx);
  }
  await prepared.apply();
  return true;
}

/**
 * A boolean query flag of a Quiver-only route (no spec declares it, so it arrives as text).
 * @throws AppError(QUERY_VALIDATION) for anything but true/false.
 */
function flag(ctx: HandlerContext, name: string, fallback: boolean): boolean {
  const raw = ctx.query[name];
  if (raw === undefined) return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new AppError('QUERY_VALIDATION', [`${name}: expected true or false`]);
}

/** Restores a full snapshot at runtime (Quiver only): `PUT /snapshots/recover`, from a location or a name. */
async function recoverFullFromLocation(ctx: HandlerContext<'recover_full_snapshot'>): Promise<unknown> {
  const svc = service(ctx);
  const request = recoverRequest(ctx.body);
  const force = flag(ctx, 'force', false);
  const source = await svc.openLocation(request, 'full');
  const run = async (): Promise<string[]> => (await svc.prepareFull(ctx.pass, source, request.checksum, force)).apply();
  if (!flag(ctx, 'wait', true)) {
    inBackground(ctx, 'full snapshot recovery', run, '(all, full snapshot)');
    return accepted(ctx);
  }
  await run();
  return true;
}

/** Restores an uploaded full snapshot at runtime (Quiver only): `POST /snapshots/upload`. */
async function recoverFullFromUpload(ctx: HandlerContext<'recover_full_from_uploaded_snapshot'>): Promise<unknown> {
  const checksum = typeof ctx.query['checksum'] === 'string' ? ctx.query['checksum'] : undefined;
  const force = flag(ctx, 'force', false);
  const wait = flag(ctx, 'wait', true);
  // The upload is read and checked (checksum and name clashes included) before answering, even with wait=false.
  const prepared = await service(ctx).prepareFull(ctx.pass, await uploadedSnapshot(ctx), checksum, force);
  if (!wait) {
    inBackground(ctx, 'full snapshot recovery', () => prepared.apply(), '(all, full snapshot)');
    return accepted(ctx);
  }
  await prepared.apply();
  return true;
}

const BEFORE_BODY = { authorizeBeforeBody: true } as const;

export const snapshotRoutes: RouteRow[] = [
  // ---------------------------------------------------------------- full snapshots
  route('GET', '/snapshots', 'list_full_snapshots', (ctx) => service(ctx).list({ kind: 'full' })),
  route('POST', '/snapshots', 'create_full_snapshot', async (ctx) => {
    const pass = ctx.pass;
    if (!waits(ctx)) {
      inBackground(ctx, 'full snapshot', () => service(ctx).createFull(pass));
      return accepted(ctx);
    }
    return service(ctx).createFull(pass);
  }),
  route('GET', '/snapshots/{snapshot_name}', 'get_full_snapshot', (ctx) => sendSnapshot(ctx, service(ctx).download({ kind: 'full' }, snapshotName(ctx)))),
  route('DELETE', '/snapshots/{snapshot_name}', 'delete_full_snapshot', (ctx) => {
    service(ctx).delete({ kind: 'full' }, snapshotName(ctx));
    return waits(ctx) ? true : accepted(ctx);
  }),
  route('PUT', '/snapshots/recover', 'recover_full_snapshot', recoverFullFromLocation, BEFORE_BODY),
  route('POST', '/snapshots/upload', 'recover_full_from_uploaded_snapshot', recoverFullFromUpload, BEFORE_BODY),

  // ---------------------------------------------------------------- collection snapshots
  route('POST', '/collections/{collection_name}/snapshots/upload', 'recover_from_uploaded_snapshot', (ctx) => recoverFromUpload(ctx, 'collection'), BEFORE_BODY),
  route('PUT', '/collections/{collection_name}/snapshots/recover', 'recover_from_snapshot', (ctx) => recoverFromLocation(ctx, 'collection'), BEFORE_BODY),
  route('GET', '/collections/{collection_name}/snapshots', 'list_snapshots', (ctx) => service(ctx).list(collectionScope(ctx))),
  route('POST', '/collections/{collection_name}/snapshots', 'create_snapshot', async (ctx) => {
    const pass = existingCollection(ctx);
    if (!waits(ctx)) {
      inBackground(ctx, 'collection snapshot', () => service(ctx).create(pass));
      return accepted(ctx);
    }
    return service(ctx).create(pass);
  }),
  route('GET', '/collections/{collection_name}/snapshots/{snapshot_name}', 'get_snapshot', (ctx) => sendSnapshot(ctx, service(ctx).download(collectionScope(ctx), snapshotName(ctx)))),
  route('DELETE', '/collections/{collection_name}/snapshots/{snapshot_name}', 'delete_snapshot', (ctx) => {
    service(ctx).delete(collectionScope(ctx), snapshotName(ctx));
    return waits(ctx) ? true : accepted(ctx);
  }),

  // ---------------------------------------------------------------- shard snapshots (shard 0)
  route('GET', '/collections/{collection_name}/shards/{shard_id}/snapshot', 'stream_shard_snapshot', async (ctx) => {
    const { scope, pass } = shardScope(ctx);
    return sendSnapshot(ctx, await service(ctx).streamShard(pass, scope.shardId));
  }),
  route('POST', '/collections/{collection_name}/shards/{shard_id}/snapshots/upload', 'recover_shard_from_uploaded_snapshot', (ctx) => recoverFromUpload(ctx, 'shard'), BEFORE_BODY),
  route('PUT', '/collections/{collection_name}/shards/{shard_id}/snapshots/recover', 'recover_shard_from_snapshot', (ctx) => recoverFromLocation(ctx, 'shard'), BEFORE_BODY),
  route('GET', '/collections/{collection_name}/shards/{shard_id}/snapshots', 'list_shard_snapshots', (ctx) => service(ctx).list(shardScope(ctx).scope)),
  route('POST', '/collections/{collection_name}/shards/{shard_id}/snapshots', 'create_shard_snapshot', async (ctx) => {
    const { scope, pass } = shardScope(ctx);
    if (!waits(ctx)) {
      inBackground(ctx, 'shard snapshot', () => service(ctx).create(pass, scope.shardId));
      return accepted(ctx);
    }
    return service(ctx).create(pass, scope.shardId);
  }),
  route('GET', '/collections/{collection_name}/shards/{shard_id}/snapshots/{snapshot_name}', 'get_shard_snapshot', (ctx) =>
    sendSnapshot(ctx, service(ctx).download(shardScope(ctx).scope, snapshotName(ctx))),
  ),
  route('DELETE', '/collections/{collection_name}/shards/{shard_id}/snapshots/{snapshot_name}', 'delete_shard_snapshot', (ctx) => {
    service(ctx).delete(shardScope(ctx).scope, snapshotName(ctx));
    return waits(ctx) ? true : accepted(ctx);
  }),
];
