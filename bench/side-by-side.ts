/**
 * Throughput of several clients measured side by side: each runs `concurrency` callers in a loop for a window;
 * after a one-second warm-up of each, windows alternate (A, B, C, C, B, A, …) so that drift in the machine's load
 * falls on all alike. Besides operations, the CPU each server process used (all threads, and its main thread —
 * the event loop — alone, from /proc) and the client process's CPU are added up per client.
 */
import { readFileSync } from 'node:fs';

export interface Tally {
  ops: number;
  /** Server process CPU seconds (all threads). */
  serverCpu: number;
  /** Server main thread CPU seconds. */
  mainThread: number;
  /** This (client) process's CPU seconds. */
  clientCpu: number;
}

/** One client: the operation its callers repeat, and the process id of the server it talks to. */
export interface Contender {
  readonly op: () => Promise<void>;
  readonly serverPid: number;
}

export interface SideBySideOptions {
  readonly concurrency: number;
  /** Measured seconds per contender, split over `windows` windows. */
  readonly seconds: number;
  readonly windows: number;
}

/** CPU seconds (user + system) used so far, from a /proc stat file (0 where there is none). */
function cpuSeconds(statFile: string): number {
  try {
    const fields = readFileSync(statFile, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14, 15) in clock ticks
  } catch {
    return 0;
  }
}

const tally = (): Tally => ({ ops: 0, serverCpu: 0, mainThread: 0, clientCpu: 0 });

/** Runs `c` with `concurrency` callers for `seconds`; adds the operations completed and the CPU used to `t`. */
async function run(c: Contender, concurrency: number, seconds: number, t: Tally): Promise<void> {
  const processStat = `/proc/${c.serverPid}/stat`;
  const mainStat = `/proc/${c.serverPid}/task/${c.serverPid}/stat`;
  const end = Date.now() + seconds * 1000;
  const cpu = cpuSeconds(processStat);
  const main = cpuSeconds(mainStat);
  const client = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await c.op();
        t.ops++;
      }
    }),
  );
  t.serverCpu += cpuSeconds(processStat) - cpu;
  t.mainThread += cpuSeconds(mainStat) - main;
  const used = process.cpuUsage(client);
  t.clientCpu += (used.user + used.system) / 1e6;
}

/** The tallies of `contenders`, in their order. */
export async function sideBySide(contenders: readonly Contender[], o: SideBySideOptions): Promise<Tally[]> {
  for (const c of contenders) await run(c, o.concurrency, 1, tally());
  const window = o.seconds / o.windows;
  const tallies = contenders.map(tally);
  for (let w = 0; w < o.windows; w++) {
    const order = contenders.map((_, i) => (w % 2 === 0 ? i : contenders.length - 1 - i));
    for (const i of order) await run(contenders[i]!, o.concurrency, window, tallies[i]!);
  }
  return tallies;
}
