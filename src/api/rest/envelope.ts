/** Qdrant's response envelopes: `{result, status: "ok", time}` and `{status: {error}, time}`. */

export function elapsedSeconds(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

export function okEnvelope(result: unknown, startNs: bigint): { result: unknown; status: 'ok'; time: number } {
  return { result, status: 'ok', time: elapsedSeconds(startNs) };
}

export function errorEnvelope(message: string, startNs: bigint): { status: { error: string }; time: number } {
  return { status: { error: message }, time: elapsedSeconds(startNs) };
}
