/** Counts turns of the event loop (a setImmediate chain) until stopped. */
export function startTicker(): { stop(): number; readonly ticks: number } {
  let ticks = 0;
  let running = true;
  const tick = (): void => {
    ticks++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop: () => {
      running = false;
      return ticks;
    },
    get ticks() {
      return ticks;
    },
  };
}
