/**
 * Worker-thread side of the search pool (`search-pool.ts`): attaches to shared indexes (vectors, graph,
 * membership, queue) and runs graph searches and exact subset scans under the write gate's sequence lock,
 * answering each with the epoch it observed, or why it could not (then the event loop runs it itself).
 */
import { parentPort } from 'node:worker_threads';
import { readStable } from '../write-gate.js';
import { HnswIndex, type SharedIndexLayout } from './hnsw-index.js';
import type { PoolReply, PoolRequest } from './search-protocol.js';

/** Attached indexes kept per worker (least recently used dropped first, with the memory they hold). */
const MAX_VIEWS = 16;

interface View {
  readonly index: HnswIndex;
  readonly layout: SharedIndexLayout;
}

const views = new Map<number, View>();

function viewFor(req: PoolRequest): View | undefined {
  if (req.attach !== undefined) {
    views.delete(req.index);
    views.set(req.index, { index: HnswIndex.attach(req.attach.layout, req.attach.scratch), layout: req.attach.layout });
    while (views.size > MAX_VIEWS) views.delete(views.keys().next().value as number);
  }
  const v = views.get(req.index);
  if (v !== undefined && req.attach === undefined) {
    views.delete(req.index);
    views.set(req.index, v);
  }
  return v;
}

function run(req: PoolRequest): PoolReply {
  const view = viewFor(req);
  if (view === undefined) return { id: req.id, ok: false, reason: 'layout' };
  const { index, layout } = view;
  const q = req.query;
  const r = readStable(
    layout.gate,
    () =>
      req.subset !== undefined
        ? index.searchSubset(q, req.k, req.subset, { indexedOnly: req.indexedOnly })
        : index.search(q, req.k, { ef: req.ef, exact: req.exact, indexedOnly: req.indexedOnly }),
    { epoch: req.epoch, layoutCurrent: () => index.layoutVersion === layout.layout },
  );
  if (!r.ok) return { id: req.id, ok: false, reason: r.reason };
  const hits = r.value;
  const offsets = new Int32Array(hits.length);
  const scores = new Float64Array(hits.length);
  for (let i = 0; i < hits.length; i++) {
    offsets[i] = hits[i]!.offset;
    scores[i] = hits[i]!.score;
  }
  return { id: req.id, ok: true, epoch: r.epoch, offsets, scores };
}

if (parentPort !== null) {
  const port = parentPort;
  port.on('message', (req: PoolRequest) => {
    let reply: PoolReply;
    try {
      reply = run(req);
    } catch (err) {
      reply = { id: req.id, ok: false, reason: 'busy', error: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(reply);
  });
  port.postMessage('ready');
}
