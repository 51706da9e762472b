/** Kills a child process at random points of a format migration (see `migrate-child.ts`). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const CHILD = join(import.meta.dirname, 'migrate-child.ts');
const TSX = import.meta.resolve('tsx');

/**
 * Runs the child once on `args`, killed with SIGKILL `killAt` ms after its go-ahead (never, when undefined).
 * @returns whether it finished the migration, and how long that took (0 when killed first)
 */
async function runChild(args: readonly string[], killAt: number | undefined): Promise<{ finished: boolean; ms: number }> {
  const child = spawn(process.execPath, ['--import', TSX, CHILD, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let ms = 0;
  let start = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve) =>
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
      if (ms === 0 && out.includes('opened')) ms = performance.now() - start;
    }),
  );
  await ready;
  start = performance.now();
  child.stdin.write('go\n');
  const timer = killAt === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAt);
  await exited;
  clearTimeout(timer);
  return { finished: out.includes('opened'), ms };
}

/**
 * Times the migration twice uninterrupted, then runs it `rounds` times killed at a random moment of 1.5 times that
 * window. `reset` restores the unmigrated state before each run; `check` inspects the state after it.
 * @returns one `<ms>:<finished|killed>` per round, for the test's diagnostics
 */
export async function killDuringMigration(
  args: readonly string[],
  rounds: number,
  reset: () => Promise<void> | void,
  check: (finished: boolean) => Promise<void> | void,
): Promise<string[]> {
  const times: number[] = [];
  for (let i = 0; i < 2; i++) {
    await reset();
    const r = await runChild(args, undefined);
    if (!r.finished) throw new Error('the migration child did not finish when left alone');
    await check(true);
    times.push(r.ms);
  }
  const window = Math.max(...times) * 1.5;
  const outcomes: string[] = [];
  for (let round = 0; round < rounds; round++) {
    await reset();
    const killAt = Math.random() * window;
    const r = await runChild(args, killAt);
    outcomes.push(`${killAt.toFixed(0)}ms:${r.finished ? 'finished' : 'killed'}`);
    await check(r.finished);
  }
  return outcomes;
}
