/**
 * Bounded load run for CI: the soak's workload (bench/soak.ts) — 64 HTTP connections and 8 gRPC clients, mixed
 * reads and writes with API keys, every JWT access kind and the read-only key, audit log on — for
 * QUIVER_LOAD_SECONDS (default 10).
 * Every request must succeed and the audit log must verify. `npm run soak` runs the same for 10 minutes and
 * also checks that resident memory stays flat after the warm-up.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatReport, runLoad } from '../../bench/soak.js';

const SECONDS = Number(process.env['QUIVER_LOAD_SECONDS'] ?? 10);

describe('load', () => {
  it(`serves 64 HTTP connections and 8 gRPC clients of mixed authenticated reads and writes for ${SECONDS} s without an error`, { timeout: 120_000 + SECONDS * 2000 }, async (t) => {
    const report = await runLoad({ durationSec: SECONDS, connections: 64, grpcClients: 8, warmupSec: Math.floor(SECONDS / 2) });
    for (const line of formatReport({ ...report, command: `QUIVER_LOAD_SECONDS=${SECONDS} node --import tsx --test tests/load/load.test.ts` })) t.diagnostic(line);
    assert.deepEqual(report.failures, [], 'failed requests');
    assert.equal(report.errors, 0, 'connection errors');
    assert.equal(report.timeouts, 0, 'timeouts');
    assert.equal(report.non2xx, 0, 'non-2xx answers');
    assert.ok(report.requests > 0, 'no request was made');
    assert.equal(report.grpc.failed, 0, 'failed gRPC calls');
    assert.ok(report.grpc.requests > 0, 'no gRPC call was made');
    assert.equal(Object.keys(report.byKind).filter((k) => k.startsWith('grpc ')).length, 9, 'every gRPC request kind ran');
    assert.ok(report.auditOk, 'the audit log does not verify');
  });
});
