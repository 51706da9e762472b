#!/usr/bin/env node
/**
 * Process entry: `quiver [options]` runs the server, `quiver <command> …` runs an administrative command
 * (see `quiver --help` and `src/cli/program.ts`).
 */
import { runCli } from './cli/program.js';
import { PROCESS_IO } from './cli/io.js';

const argv = process.argv.slice(2);
const stacktrace = argv.includes('--stacktrace');

function describe(e: unknown): string {
  return e instanceof Error ? (stacktrace ? (e.stack ?? e.message) : e.message) : String(e);
}

// A request must never take the server down: a stray rejection (a library's side promise) is logged, not fatal.
process.on('unhandledRejection', (reason: unknown) => {
  process.stderr.write(`quiver: unhandled rejection (ignored): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
});

runCli(argv, PROCESS_IO).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (e: unknown) => {
    process.stderr.write(`error: ${describe(e)}${stacktrace ? '' : ' (run with --stacktrace for details)'}\n`);
    process.exit(1);
  },
);
