/**
 * Reading V8 CPU profiles (`node --cpu-prof`) of a child server: the profile of the thread that served the
 * requests, and its samples between two instants split into stages by a classifier of each sample's stack.
 */
import { join } from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';

export interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The profile in `dir` one of whose frames has a url containing `marker` (the thread that served). */
export function servingProfile(dir: string, marker: string): Profile {
  const profiles = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Profile);
  const found = profiles.find((p) => p.nodes.some((n) => n.callFrame.url.includes(marker)));
  if (found === undefined) throw new Error(`no CPU profile with ${marker} in ${dir}`);
  return found;
}

/**
 * µs of samples between `from` and `to` (µs of CLOCK_MONOTONIC, as `process.hrtime`) per stage: `stage` gets each
 * sample's stack, leaf first. Samples whose leaf is `(idle)` count as `idle`.
 */
export function samplesByStage(p: Profile, from: number, to: number, stage: (stack: readonly CallFrame[]) => string): Map<string, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const out = new Map<string, number>();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    const dt = p.timeDeltas[i + 1] ?? 0;
    if (t < from || t > to) continue;
    const stack: CallFrame[] = [];
    for (let id: number | undefined = p.samples[i] ?? -1; id !== undefined; id = parent.get(id)) stack.push(byId.get(id)!.callFrame);
    const s = stack[0]?.functionName === '(idle)' ? 'idle' : stage(stack);
    out.set(s, (out.get(s) ?? 0) + dt);
  }
  return out;
}

/** A stage: its name and whether a stack frame (function name, script url) belongs to it. */
export type Stage = [string, (fn: string, url: string) => boolean];

/** The main thread's profile in `dir` (the one that served HTTP; workers and the tsx loader write their own). */
export function mainThreadProfile(dir: string): Profile {
  return servingProfile(dir, 'node_modules/fastify/');
}

/**
 * µs of samples per stage between `from` and `to`, plus `idle`, `garbage collection` and `fallback` (no frame
 * matched), in that order after `stages`. `decide` picks which matching frame wins: the outermost (a search called
 * from a presenter is still "search") or the innermost (the code that did the work).
 */
export function classify(p: Profile, from: number, to: number, stages: readonly Stage[], fallback: string, decide: 'outermost' | 'innermost'): Map<string, number> {
  const stageOf = (stack: readonly CallFrame[]): string => {
    if (stack[0]?.functionName === '(garbage collector)') return 'garbage collection';
    let found = fallback;
    for (const f of stack) {
      for (const [s, m] of stages) {
        if (!m(f.functionName, f.url)) continue;
        if (decide === 'innermost') return s;
        found = s;
      }
    }
    return found;
  };
  const found = samplesByStage(p, from, to, stageOf);
  return new Map([...stages.map(([s]) => s), fallback, 'garbage collection', 'idle'].map((s) => [s, found.get(s) ?? 0]));
}

/** The `top` functions by self time between `from` and `to`, as `[name (file), µs]`. */
export function selfTimes(p: Profile, from: number, to: number, top: number): Array<[string, number]> {
  const out = samplesByStage(p, from, to, (stack) => {
    const f = stack[0]!;
    return `${f.functionName || '(anonymous)'} (${f.url.replace(/^.*\/(node_modules\/[^/]+|src)\//, '$1/')})`;
  });
  out.delete('idle');
  return [...out].sort((a, b) => b[1] - a[1]).slice(0, top);
}
