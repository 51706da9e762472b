/** Polling on observable state, instead of sleeping and hoping: the one wait helper for tests. */

/**
 * Calls `probe` until it returns something other than `undefined` or `false`, and returns that.
 * @throws after `timeoutMs` (a generous bound for a loaded machine, never the expected duration), naming `what`.
 */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
