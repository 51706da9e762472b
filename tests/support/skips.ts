/**
 * Skips that cannot hide. A test that needs something of the machine (root for tmpfs mounts and privilege drops,
 * WebAssembly SIMD) may skip on a developer machine, with its reason; where the suite is required to be complete
 * — `CI` is set (CI runs as root), or `QUIVER_REQUIRE_ROOT_TESTS=1` — the same skip is a failure instead.
 * `QUIVER_REQUIRE_ROOT_TESTS=0` turns the requirement off even in CI.
 */
import assert from 'node:assert/strict';

export function skipsAreFailures(env: NodeJS.ProcessEnv = process.env): boolean {
  const flag = env['QUIVER_REQUIRE_ROOT_TESTS'];
  if (flag !== undefined && flag !== '') return flag !== '0' && flag.toLowerCase() !== 'false';
  const ci = env['CI'];
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * Options for `describe`/`it`: `{ skip: reason }` when the test cannot run here and skipping is allowed;
 * otherwise `{}` (then call `assertCanRun` first thing, so a required test that cannot run fails loudly).
 */
export function skipUnlessRequired(reason: string | false | undefined | null): { skip?: string } {
  if (typeof reason !== 'string' || skipsAreFailures()) return {};
  return { skip: reason };
}

/** Fails when the test cannot run here although the suite is required to be complete (otherwise does nothing). */
export function assertCanRun(reason: string | false | undefined | null): void {
  if (typeof reason === 'string' && skipsAreFailures()) assert.fail(`this test cannot run here (${reason}), and skips are failures (CI or QUIVER_REQUIRE_ROOT_TESTS=1)`);
}
