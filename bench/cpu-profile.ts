/**
 * V8 CPU profiles (`--cpu-prof`) of a child server, split into stages by the frames on each sample's stack
 * (`bench/stage-profile.ts` for searches, `bench/ingest-profile.ts` for writes).
 */
import { join } from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
export interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A stage: its name and whether a stack frame (function name, script url) belongs to it. */
export type Stage = [string, (fn: string, url: string) => boolean];

/** The main thread's profile in `dir` (the one that served HTTP; workers and the tsx loader write their own). */
export function mainThreadProfile(dir: string): Profile {
  const profiles = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Profile);
  const main = profiles.find((p) => p.nodes.some((n) => n.callFrame.url.includes('node_modules/fastify/')));
  if (main === undefined) throw new Error('no CPU profile written');
  return main;
}

/**
 * µs of samples per stage between `from` and `to` (µs of CLOCK_MONOTONIC, as `process.hrtime`), plus `idle`,
 * `garbage collection` and `fallback` (no frame matched). `decide` picks which matching frame wins: the outermost
 * (a search called from a presenter is still "search") or the innermost (the code that did the work).
 */
export function classify(p: Profile, from: number, to: number, stages: readonly Stage[], fallback: string, decide: 'outermost' | 'innermost'): Map<string, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const out = new Map<string, number>([...stages.map(([s]) => [s, 0] as [string, number]), [fallback, 0], ['garbage collection', 0], ['idle', 0]]);
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    const dt = p.timeDeltas[i + 1] ?? 0;
    if (t < from || t > to) continue;
    let id: number | undefined = p.samples[i] ?? -1;
    const leaf = byId.get(id)!.callFrame.functionName;
    const special = leaf === '(idle)' ? 'idle' : leaf === '(garbage collector)' ? 'garbage collection' : undefined;
    let stage = special ?? fallback;
    if (special === undefined) {
      search: while (id !== undefined) {
        const f = byId.get(id)!.callFrame;
        for (const [s, m] of stages) {
          if (!m(f.functionName, f.url)) continue;
          stage = s;
          if (decide === 'innermost') break search;
        }
        id = parent.get(id);
      }
    }
    out.set(stage, out.get(stage)! + dt);
  }
  return out;
}

/** The `top` functions by self time between `from` and `to`, as `[name (file), µs]`. */
export function selfTimes(p: Profile, from: number, to: number, top: number): Array<[string, number]> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    const f = byId.get(p.samples[i] ?? -1)!.callFrame;
    const name = `${f.functionName || '(anonymous)'} (${f.url.replace(/^.*\/(node_modules\/[^/]+|src)\//, '$1/')})`;
    out.set(name, (out.get(name) ?? 0) + (p.timeDeltas[i + 1] ?? 0));
  }
  return [...out].sort((a, b) => b[1] - a[1]).slice(0, top);
}
