/**
 * Index benchmarks: build, in-process search (recall/QPS sweep), filtered search, exact scan and
 * memory, Quiver next to hnswlib-node on the same data in the same run.
 *
 *   node --import tsx bench/run.ts                      # the full run: 100k × {128, 768}, 1k queries
 *   node --import tsx bench/run.ts --n=20000 --dims=128 --queries=200 --reps=2
 *   BENCH_PARTS=search,filtered node --import tsx bench/run.ts   # reuse cached builds
 *
 * Builds run in child processes (clean build time and peak RSS) and are cached in `--cache-dir`
 * (default .tmp/bench) with the ground truth; the markdown report goes to stdout (and `--out`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import hnswlib from './hnswlib.js';
import { HnswIndex } from '../src/index/hnsw/hnsw-index.js';
import type { BuildJob, BuildResult } from './build-child.js';
import { loadConfig, type BenchConfig } from './config.js';
import { datasetKey, groundTruth, makeQueries, makeStore, type DatasetSpec } from './data.js';
import { exactRun, type ExactResult } from './exact.js';
import { allowList, filteredRun, type FilteredPoint, type FilteredResult } from './filtered.js';
import { fmt } from './measure.js';
import { atRecall, sweep, type SweepResult } from './search-sweep.js';

interface DimReport {
  spec: DatasetSpec;
  builds: BuildResult[];
  sweep?: SweepResult;
  filtered: FilteredResult[];
  exact?: ExactResult;
}

const log = (msg: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

function build(job: BuildJob, cfg: BenchConfig): BuildResult {
  const meta = `${job.out}.json`;
  if (!cfg.parts.includes('build') && existsSync(job.out) && existsSync(meta)) {
    const cached = JSON.parse(readFileSync(meta, 'utf8')) as Partial<BuildResult> & BuildResult;
    return { ...cached, buildCpuMs: cached.buildCpuMs ?? cached.buildMs, threads: cached.threads ?? 1 };
  }
  log(`building ${job.lib} ${job.spec.n}×${job.spec.dim}`);
  const child = fileURLToPath(new URL('./build-child.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, JSON.stringify(job)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`build of ${job.lib} failed (exit ${r.status})`);
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  const result = JSON.parse(line) as BuildResult;
  writeFileSync(meta, JSON.stringify(result));
  log(`built ${job.lib} in ${fmt.s(result.buildMs)}`);
  return result;
}

function runDim(cfg: BenchConfig, dim: number): DimReport {
  const spec: DatasetSpec = { n: cfg.n, dim, clusters: cfg.clusters, queries: cfg.queries, seed: cfg.seed };
  mkdirSync(cfg.cacheDir, { recursive: true });
  const key = `${datasetKey(spec)}-m${cfg.m}-efc${cfg.efConstruct}`;
  const out = (lib: string): string => join(cfg.cacheDir, `${lib}-${key}.bin`);
  const libs: BuildJob['lib'][] = ['hnswlib', 'quiver'];
  if (cfg.threads > 0) libs.push('quiver-threads');
  const builds = libs.map((lib) =>
    build({ lib, spec, m: cfg.m, efConstruct: cfg.efConstruct, threads: cfg.threads, out: out(lib) }, cfg),
  );
  const report: DimReport = { spec, builds, filtered: [] };
  const wantsQueries = ['search', 'filtered', 'exact'].some((p) => cfg.parts.includes(p));
  if (!wantsQueries) return report;

  log(`generating ${spec.n}×${dim} and ground truth`);
  const store = makeStore(spec);
  const queries = makeQueries(spec);
  const truth = groundTruth(spec, store, queries, cfg.k, cfg.cacheDir);
  const image = readFileSync(out('quiver'));
  const ours = HnswIndex.load(image, store);
  const oursJs = HnswIndex.load(image, store, { kernel: 'js' });
  const theirs = new hnswlib.HierarchicalNSW('cosine', dim);
  theirs.readIndexSync(out('hnswlib'));

  if (cfg.parts.includes('search')) {
    log('search sweep');
    report.sweep = sweep(ours, oursJs, theirs, queries, truth, cfg.k, cfg.efs, cfg.reps);
  }
  if (cfg.parts.includes('filtered')) {
    for (const sel of cfg.selectivities) {
      log(`filtered ${sel}`);
      const { allowed, ids } = allowList(spec.n, sel, cfg.seed);
      const accept = (o: number): boolean => allowed[o] === 1;
      const ft = groundTruth(spec, store, queries, cfg.k, cfg.cacheDir, `sel${sel}`, accept);
      const efs = [32, 64, 128, 256, 512];
      report.filtered.push(filteredRun(ours, theirs, queries, ft, cfg.k, sel, allowed, ids, efs, Math.max(1, cfg.reps - 1)));
    }
  }
  if (cfg.parts.includes('exact')) {
    log('exact scan');
    report.exact = exactRun(store, queries, cfg.k, cfg.reps);
  }
  return report;
}

function firstAt(points: FilteredPoint[], target: number): FilteredPoint | undefined {
  return points.find((p) => p.recall >= target);
}

function markdown(cfg: BenchConfig, reports: DimReport[]): string {
  const L: string[] = [];
  const cpu = cpus();
  L.push(`Run ${new Date().toISOString()} · node ${process.version} · ${cpu.length} × ${cpu[0]?.model ?? '?'} · ${fmt.mb(totalmem())} RAM`);
  L.push(`Command: \`node --import tsx bench/run.ts ${process.argv.slice(2).join(' ')}\``);
  L.push(
    `Config: n=${cfg.n}, queries=${cfg.queries}, clusters=${cfg.clusters}, k=${cfg.k}, Cosine, m=${cfg.m}, ef_construct=${cfg.efConstruct}, best of ${cfg.reps} passes`,
  );
  for (const r of reports) {
    const { spec } = r;
    L.push('', `### ${spec.n.toLocaleString('en')} × ${spec.dim}`, '');
    const h = r.builds.find((b) => b.lib === 'hnswlib');
    L.push('| index | threads | build CPU time | vs hnswlib | build wall time | vs hnswlib | peak RSS | RSS − baseline | vectors + graph | RSS−base / (vectors+graph) |');
    L.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const b of r.builds) {
      const own = b.peakRss - b.baselineRss;
      const raw = b.vectorBytes + b.graphBytes;
      L.push(
        `| ${b.lib} | ${b.threads} | ${fmt.s(b.buildCpuMs)} | ${fmt.ratio(b.buildCpuMs, h?.buildCpuMs)} | ${fmt.s(b.buildMs)} | ${fmt.ratio(b.buildMs, h?.buildMs)} | ${fmt.mb(b.peakRss)} | ${fmt.mb(own)} | ${fmt.mb(b.vectorBytes)} + ${fmt.mb(b.graphBytes)} | ${(own / raw).toFixed(2)} |`,
      );
    }
    if (r.sweep !== undefined) {
      const s = r.sweep;
      L.push('', '| ef | Quiver recall@10 | Quiver QPS (WASM) | Quiver QPS (pure TS) | WASM/TS | hnswlib recall@10 | hnswlib QPS | Quiver/hnswlib (same ef) |');
      L.push('|---|---|---|---|---|---|---|---|');
      s.quiver.forEach((q, i) => {
        const j = s.quiverJs[i];
        const t = s.hnswlib[i]!;
        L.push(
          `| ${q.ef} | ${fmt.recall(q.recall)} | ${fmt.qps(q.qps)} | ${fmt.qps(j?.qps)} | ${fmt.ratio(q.qps, j?.qps)} | ${fmt.recall(t.recall)} | ${fmt.qps(t.qps)} | ${fmt.ratio(q.qps, t.qps)} |`,
        );
      });
      L.push('', '| target recall@10 | Quiver ef → QPS | hnswlib ef → QPS | Quiver / hnswlib |', '|---|---|---|---|');
      for (const target of [0.95, 0.99]) {
        const a = atRecall(s.quiver, target);
        const b = atRecall(s.hnswlib, target);
        L.push(
          `| ≥ ${target} | ${a === undefined ? 'not reached' : `${a.ef} → ${fmt.qps(a.qps)}`} | ${b === undefined ? 'not reached' : `${b.ef} → ${fmt.qps(b.qps)}`} | ${fmt.ratio(a?.qps, b?.qps)} |`,
        );
      }
    }
    if (r.filtered.length > 0) {
      L.push('', 'Filtered (accept callback over a Uint8Array of allowed offsets; ground truth = exact scan with the same filter). Graph rows: smallest swept ef reaching recall ≥ 0.98 (else the best recall seen).', '');
      L.push('| selectivity | allowed | Quiver graph ef / recall / QPS | hnswlib ef / recall / QPS | Quiver/hnswlib | exact subset scan recall / QPS | planner (cardinality hint) path / recall / QPS |');
      L.push('|---|---|---|---|---|---|---|');
      for (const f of r.filtered) {
        const pick = (ps: FilteredPoint[]): FilteredPoint | undefined => firstAt(ps, 0.98) ?? [...ps].sort((x, y) => y.recall - x.recall)[0];
        const a = pick(f.quiverGraph);
        const b = pick(f.hnswlib);
        const cell = (p: FilteredPoint | undefined): string => (p === undefined ? 'n/a' : `${p.ef} / ${fmt.recall(p.recall)} / ${fmt.qps(p.qps)}`);
        L.push(
          `| ${(f.selectivity * 100).toFixed(0)}% | ${f.allowedCount} | ${cell(a)} | ${cell(b)} | ${fmt.ratio(a?.qps, b?.qps)} | ${fmt.recall(f.quiverSubset.recall)} / ${fmt.qps(f.quiverSubset.qps)} | ${f.quiverPlanned.path} / ${fmt.recall(f.quiverPlanned.recall)} / ${fmt.qps(f.quiverPlanned.qps)} |`,
        );
      }
    }
    if (r.exact !== undefined) {
      const e = r.exact;
      L.push('', '| exact scan | QPS (WASM) | QPS (pure TS) | read bandwidth (1 thread) | bandwidth-bound QPS | WASM / bound |', '|---|---|---|---|---|---|');
      L.push(
        `| ${e.queries} queries | ${fmt.qps(e.qps)} | ${fmt.qps(e.qpsJs)} | ${(e.bandwidth / 1e9).toFixed(1)} GB/s | ${fmt.qps(e.boundQps)} | ${((100 * e.qps) / e.boundQps).toFixed(0)}% |`,
      );
    }
  }
  return L.join('\n');
}

const cfg = loadConfig();
const reports = cfg.dims.map((dim) => runDim(cfg, dim));
const md = markdown(cfg, reports);
process.stdout.write(`${md}\n`);
writeFileSync(join(cfg.cacheDir, `results-${Date.now()}.json`), JSON.stringify({ cfg, reports }, null, 1));
if (cfg.out !== undefined) writeFileSync(cfg.out, `${md}\n`);
