/**
 * hnswlib-node, the reference the benchmarks compare against. It is a native addon compiled at install time, so it
 * is not a dependency of Quiver: `bench/package.json` holds it and `npm run bench` installs it (into
 * bench/node_modules) before running. The types below are the part of its API the benchmarks use.
 */
import { createRequire } from 'node:module';

export interface HnswlibSearchResult {
  distances: number[];
  neighbors: number[];
}

export interface HnswlibIndex {
  initIndex(maxElements: number, m?: number, efConstruction?: number, randomSeed?: number): void;
  addPoint(point: number[], label: number): void;
  searchKnn(query: number[], k: number, filter?: (label: number) => boolean): HnswlibSearchResult;
  setEf(ef: number): void;
  readIndexSync(path: string, allowReplaceDeleted?: boolean): void;
  writeIndexSync(path: string): void;
}

interface HnswlibModule {
  HierarchicalNSW: new (space: 'l2' | 'ip' | 'cosine', dim: number) => HnswlibIndex;
}

function load(): HnswlibModule {
  try {
    return createRequire(new URL('./package.json', import.meta.url))('hnswlib-node') as HnswlibModule;
  } catch (e) {
    throw new Error('hnswlib-node is not installed: run `npm run bench:deps` (npm run bench does it)', { cause: e });
  }
}

let loaded: HnswlibModule | undefined;

/** The hnswlib-node module, loaded on first use from bench/node_modules. */
const hnswlib = {
  get HierarchicalNSW(): HnswlibModule['HierarchicalNSW'] {
    loaded ??= load();
    return loaded.HierarchicalNSW;
  },
};
export default hnswlib;
