/** Collections with every kind of data a snapshot must carry, for the snapshot integration tests. */
import { mulberry32 as rng } from '../../../src/index/random.js';
/** How a fixture talks to a server: `app.request` of an in-process app, or fetch against a child. */
export type Request = (method: string, url: string, body?: unknown) => Promise<{ status: number; body: any; text?: string }>;


/** Named dense (Cosine, Euclid), multivector and sparse vectors; payloads; keyword and integer payload indexes. */
export async function makeRichCollection(request: Request, name: string, count = 60, seed = 7): Promise<void> {
  const random = rng(seed);
  const ok = async (method: string, url: string, body?: unknown): Promise<void> => {
    const r = await request(method, url, body);
    if (r.status !== 200) throw new Error(`${method} ${url}: ${r.status} ${r.text ?? JSON.stringify(r.body)}`);
  };
  await ok('PUT', `/collections/${name}`, {
    vectors: { a: { size: 4, distance: 'Cosine' }, b: { size: 3, distance: 'Euclid' }, m: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } },
    sparse_vectors: { s: {} },
    hnsw_config: { m: 8, ef_construct: 32 },
  });
  const cities = ['Berlin', 'Paris', 'Tokyo'];
  const points = Array.from({ length: count }, (_, i) => ({
    id: i % 3 === 0 ? `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` : i,
    vector: {
      a: [random(), random(), random(), random() + 0.01],
      ...(i % 2 === 0 ? { b: [random() * 10, random() * 10, random() * 10] } : {}),
      ...(i % 5 === 0 ? { m: [[random(), random()], [random(), random()]] } : {}),
      ...(i % 4 === 0 ? { s: { indices: [i, i + 7], values: [random(), random()] } } : {}),
    },
    payload: i % 7 === 0 ? null : { city: cities[i % 3], n: i, nested: { tags: [`t${i % 4}`], price: Math.round(random() * 1000) / 10 } },
  }));
  await ok('PUT', `/collections/${name}/points?wait=true`, { points });
  await ok('PUT', `/collections/${name}/index?wait=true`, { field_name: 'city', field_schema: 'keyword' });
  await ok('PUT', `/collections/${name}/index?wait=true`, { field_name: 'n', field_schema: 'integer' });
  // A later write, so points carry different versions.
  await ok('POST', `/collections/${name}/points/payload?wait=true`, { payload: { touched: true }, points: [1, 2] });
}

/** Custom sharding with two shard keys. */
export async function makeKeyedCollection(request: Request, name: string): Promise<void> {
  const ok = async (method: string, url: string, body?: unknown): Promise<void> => {
    const r = await request(method, url, body);
    if (r.status !== 200) throw new Error(`${method} ${url}: ${r.status} ${r.text ?? JSON.stringify(r.body)}`);
  };
  await ok('PUT', `/collections/${name}`, { vectors: { size: 2, distance: 'Dot' }, sharding_method: 'custom' });
  await ok('PUT', `/collections/${name}/shards`, { shard_key: 'k1' });
  await ok('PUT', `/collections/${name}/shards`, { shard_key: 7 });
  await ok('PUT', `/collections/${name}/points?wait=true`, { shard_key: 'k1', points: [{ id: 1, vector: [1, 0], payload: { k: 1 } }] });
  await ok('PUT', `/collections/${name}/points?wait=true`, { shard_key: 7, points: [{ id: 2, vector: [0, 1], payload: { k: 7 } }] });
}

export const RICH_QUERIES = [
  { query: [0.1, 0.2, 0.3, 0.4], using: 'a', limit: 5, with_payload: true, with_vector: true },
  { query: [1, 2, 3], using: 'b', limit: 3, filter: { must: [{ key: 'city', match: { value: 'Paris' } }] } },
  { query: [0.4, 0.1, 0.2, 0.9], using: 'a', limit: 4, filter: { must: [{ key: 'n', range: { gte: 10, lt: 40 } }] } },
];
