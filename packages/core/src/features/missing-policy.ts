import type { MetricsSample } from '../schema.js';

/**
 * The missing-value policy every feature set shares (documented in docs/FEATURES.md):
 *
 * - Latency (p50/p95/p99) is null when the service had no requests in the rate window. It becomes 0 ms:
 *   no request waited, and request_rate_rps = 0 beside it tells the model why. This is the one place a
 *   "no data" becomes a number, and it is counted as imputed.
 * - A null latency *with* requests (request_rate_rps > 0: the histogram series was missing or empty while
 *   the counter moved) is not "no request waited": it is a missing value, and carries the service's last
 *   observed latency forward like the other metrics (0 before any), counted as imputed.
 * - Any other metric is null when its series was missing from the poll. It carries the last observed
 *   value of the same service in the same run forward; before any observation it is 0. Both are counted.
 *
 * `ObservedMetrics` is that resolved view of a sample; feature sets compute from it, never from raw nulls.
 */
export interface ObservedMetrics {
  rps: number;
  errorPct: number;
  p50: number;
  p95: number;
  p99: number;
  cpu: number;
  memoryMb: number;
  /** 1 when the poll carried latency data (the service served requests), else 0. */
  hasLatency: number;
  imputed: number;
}

export interface CarryForward {
  rps: number | null;
  errorPct: number | null;
  cpu: number | null;
  memoryMb: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export const emptyCarryForward = (): CarryForward => ({ rps: null, errorPct: null, cpu: null, memoryMb: null, p50: null, p95: null, p99: null });

export function resolveMissing(s: MetricsSample, last: CarryForward): ObservedMetrics {
  let imputed = 0;
  const carry = (v: number | null, key: keyof CarryForward): number => {
    if (v !== null) {
      last[key] = v;
      return v;
    }
    imputed++;
    return last[key] ?? 0;
  };
  const servedRequests = s.requestRateRps !== null && s.requestRateRps > 0;
  const latency = (v: number | null, key: 'p50' | 'p95' | 'p99'): number => {
    if (v !== null) {
      last[key] = v;
      return v;
    }
    imputed++;
    return servedRequests ? (last[key] ?? 0) : 0;
  };
  const rps = carry(s.requestRateRps, 'rps');
  const errorPct = carry(s.errorRatePct, 'errorPct');
  const cpu = carry(s.cpuUsagePct, 'cpu');
  const memoryMb = carry(s.memoryUsageMb, 'memoryMb');
  return {
    rps,
    errorPct,
    p50: latency(s.p50LatencyMs, 'p50'),
    p95: latency(s.p95LatencyMs, 'p95'),
    p99: latency(s.p99LatencyMs, 'p99'),
    cpu,
    memoryMb,
    hasLatency: s.p95LatencyMs === null ? 0 : 1,
    imputed,
  };
}
