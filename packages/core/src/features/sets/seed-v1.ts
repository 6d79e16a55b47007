import type { FeatureSet } from '../feature-set.js';
import { emptyCarryForward, resolveMissing, type CarryForward } from '../missing-policy.js';

export interface SeedState {
  last: CarryForward;
  prev: { rps: number; p95: number; cpu: number } | null;
}

/**
 * The earlier prototype's 10 features: the poll's metrics and their change since the previous poll
 * of the same service. Deltas are recomputed per run (0 on a service's first poll), never read from
 * the CSV's own delta columns, so a replay and a live run compute them the same way.
 */
export const seedV1: FeatureSet<SeedState> = {
  id: 'seed-v1',
  description: "The prototype's 10 per-poll features: rate, errors, p50/p95/p99, CPU, memory and three deltas",
  names: [
    'request_rate_rps',
    'error_rate_pct',
    'p50_latency_ms',
    'p95_latency_ms',
    'p99_latency_ms',
    'cpu_usage_pct',
    'memory_usage_mb',
    'delta_rps',
    'delta_p95_latency_ms',
    'delta_cpu_usage_pct',
  ],
  initialState: () => ({ last: emptyCarryForward(), prev: null }),
  compute(sample, state, out, o) {
    const m = resolveMissing(sample, state.last);
    const prev = state.prev;
    out[o] = m.rps;
    out[o + 1] = m.errorPct;
    out[o + 2] = m.p50;
    out[o + 3] = m.p95;
    out[o + 4] = m.p99;
    out[o + 5] = m.cpu;
    out[o + 6] = m.memoryMb;
    out[o + 7] = prev ? m.rps - prev.rps : 0;
    out[o + 8] = prev ? m.p95 - prev.p95 : 0;
    out[o + 9] = prev ? m.cpu - prev.cpu : 0;
    state.prev = { rps: m.rps, p95: m.p95, cpu: m.cpu };
    return m.imputed;
  },
};
