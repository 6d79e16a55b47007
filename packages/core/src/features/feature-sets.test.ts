import { describe, expect, it } from 'vitest';
import type { MetricsSample } from '../schema.js';
import { FeatureExtractor } from './feature-extractor.js';
import { featureSet, FEATURE_SET_IDS } from './registry.js';
import { seedV1 } from './sets/seed-v1.js';
import { slope, trendV1 } from './sets/trend-v1.js';
import { trendV2 } from './sets/trend-v2.js';
import { trendV3 } from './sets/trend-v3.js';
import { trendV4 } from './sets/trend-v4.js';

let t = Date.UTC(2026, 3, 8, 22, 0, 0);
function sample(service: string, m: Partial<MetricsSample>): MetricsSample {
  t += 30_000;
  return {
    timestamp: new Date(t).toISOString(),
    timeMs: t,
    service,
    requestRateRps: 2,
    errorRatePct: 0,
    p50LatencyMs: 5,
    p95LatencyMs: 20,
    p99LatencyMs: 30,
    cpuUsagePct: 10,
    memoryUsageMb: 100,
    slaViolated: null,
    ...m,
  };
}
const f = (v: Float32Array, names: readonly string[], name: string) => v[names.indexOf(name)];

describe('seed-v1', () => {
  it('has the prototype’s 10 features in its order', () => {
    expect(seedV1.names).toEqual([
      'request_rate_rps', 'error_rate_pct', 'p50_latency_ms', 'p95_latency_ms', 'p99_latency_ms',
      'cpu_usage_pct', 'memory_usage_mb', 'delta_rps', 'delta_p95_latency_ms', 'delta_cpu_usage_pct',
    ]);
  });

  it('computes deltas against the previous poll of the same service, 0 on the first', () => {
    const x = new FeatureExtractor(seedV1, 'r');
    const a1 = x.extract(sample('a', { requestRateRps: 2, p95LatencyMs: 20, cpuUsagePct: 10 })).values as Float32Array;
    x.extract(sample('b', { requestRateRps: 100, p95LatencyMs: 90, cpuUsagePct: 90 }));
    const a2 = x.extract(sample('a', { requestRateRps: 5, p95LatencyMs: 26, cpuUsagePct: 7 })).values as Float32Array;
    expect([f(a1, seedV1.names, 'delta_rps'), f(a1, seedV1.names, 'delta_p95_latency_ms')]).toEqual([0, 0]);
    expect(f(a2, seedV1.names, 'delta_rps')).toBe(3);
    expect(f(a2, seedV1.names, 'delta_p95_latency_ms')).toBe(6);
    expect(f(a2, seedV1.names, 'delta_cpu_usage_pct')).toBe(-3);
  });

  it('applies the missing-value policy and counts what it filled', () => {
    const x = new FeatureExtractor(seedV1, 'r');
    x.extract(sample('a', { cpuUsagePct: 12, memoryUsageMb: 300 }));
    const idle = x.extract(sample('a', { requestRateRps: 0, p50LatencyMs: null, p95LatencyMs: null, p99LatencyMs: null, cpuUsagePct: null, memoryUsageMb: null })).values as Float32Array;
    expect(f(idle, seedV1.names, 'p95_latency_ms')).toBe(0); // no requests: no request waited
    expect(f(idle, seedV1.names, 'cpu_usage_pct')).toBe(12); // missing series: last observed value carried forward
    expect(f(idle, seedV1.names, 'memory_usage_mb')).toBe(300);
    expect(x.imputedInputs).toBe(5);
  });

  it('refuses a poll that is not after the previous poll of the same service', () => {
    const x = new FeatureExtractor(seedV1, 'run-1');
    const s = sample('a', {});
    x.extract(s);
    expect(() => x.extract({ ...s })).toThrow(/run run-1: service 'a' has a poll at .* that is not after its previous poll/);
  });
});

describe('trend-v1', () => {
  it('extends seed-v1 and adds rolling context', () => {
    expect(trendV1.names.slice(0, 10)).toEqual(seedV1.names);
    const x = new FeatureExtractor(trendV1, 'r');
    const p95s = [10, 20, 40, 30, 60];
    let last!: Float32Array;
    for (const p of p95s) last = x.extract(sample('a', { p95LatencyMs: p, requestRateRps: p / 10 })).values as Float32Array;
    const n = trendV1.names;
    // window = last 4 polls: 20, 40, 30, 60
    expect(f(last, n, 'p95_prev_ms')).toBe(30);
    expect(f(last, n, 'p95_mean_4')).toBe(37.5);
    expect(f(last, n, 'p95_max_4')).toBe(60);
    expect(f(last, n, 'p95_slope_4')).toBeCloseTo(11, 5); // least squares of 20,40,30,60 at x=0..3
    expect(f(last, n, 'rps_slope_4')).toBeCloseTo(1.1, 5);
    expect(f(last, n, 'has_latency')).toBe(1);
  });

  it('slope is the least-squares slope', () => {
    expect(slope([])).toBe(0);
    expect(slope([5])).toBe(0);
    expect(slope([1, 3])).toBe(2);
    expect(slope([2, 2, 2, 2])).toBe(0);
  });
});

describe('trend-v2', () => {
  it('is trend-v1 without memory_usage_mb, value for value', () => {
    expect(trendV2.names).toEqual(trendV1.names.filter((n) => n !== 'memory_usage_mb'));
    const a = new FeatureExtractor(trendV1, 'r');
    const b = new FeatureExtractor(trendV2, 'r');
    for (const p of [10, null, 50, 30]) {
      const s = sample('a', { p95LatencyMs: p, memoryUsageMb: 300 });
      const v1 = a.extract(s).values as Float32Array;
      const v2 = b.extract(s).values as Float32Array;
      expect(Array.from(v2)).toEqual(trendV2.names.map((n) => v1[trendV1.names.indexOf(n)]));
    }
  });
});

describe('trend-v3', () => {
  const n = trendV3.names;
  /** Samples of one service at the given offsets in seconds from a fixed start. */
  const at = (offsets: number[], m: (i: number) => Partial<MetricsSample>) =>
    offsets.map((s, i) => ({ ...sample('a', m(i)), timeMs: Date.UTC(2026, 3, 9) + s * 1000, timestamp: new Date(Date.UTC(2026, 3, 9) + s * 1000).toISOString() }));

  it('measures changes and slopes per minute of the polls’ own time, not per poll', () => {
    const x = new FeatureExtractor(trendV3, 'r');
    // A poll 45 s after the previous one (late, not missing): p95 rose 30 ms in 0.75 min.
    let last!: Float32Array;
    for (const s of at([0, 30, 60, 105], (i) => ({ p95LatencyMs: [10, 20, 30, 60][i], requestRateRps: [1, 2, 3, 5][i] }))) last = x.extract(s).values as Float32Array;
    expect(f(last, n, 'p95_change_per_min')).toBeCloseTo(40, 5);
    expect(f(last, n, 'rps_change_per_min')).toBeCloseTo(2 / 0.75, 5);
    // least squares of p95 (10, 20, 30, 60) against t = 0, 0.5, 1, 1.75 min
    const t = [0, 0.5, 1, 1.75];
    const y = [10, 20, 30, 60];
    const mt = t.reduce((a, b) => a + b) / 4;
    const my = y.reduce((a, b) => a + b) / 4;
    const want = t.reduce((a, ti, i) => a + (ti - mt) * (y[i] - my), 0) / t.reduce((a, ti) => a + (ti - mt) ** 2, 0);
    expect(f(last, n, 'p95_slope_per_min_4')).toBeCloseTo(want, 4);
    expect([f(last, n, 'p95_prev_ms'), f(last, n, 'p95_min_4'), f(last, n, 'p95_max_4'), f(last, n, 'p95_mean_4')]).toEqual([30, 10, 60, 30]);
    expect(f(last, n, 'history_polls')).toBe(4);
  });

  it('keeps 8 polls for the long window and 4 for the short one', () => {
    const x = new FeatureExtractor(trendV3, 'r');
    const p95 = [90, 10, 10, 10, 10, 20, 20, 20, 20, 30];
    const rps = [0, 0, 0, 0, 0, 0, 0, 4, 4, 8];
    let last!: Float32Array;
    for (const s of at(p95.map((_, i) => i * 30), (i) => ({ p95LatencyMs: p95[i], p99LatencyMs: p95[i] + 1, requestRateRps: rps[i] }))) last = x.extract(s).values as Float32Array;
    expect(f(last, n, 'p95_max_8')).toBe(30); // 90 left the window two polls ago
    expect(f(last, n, 'p95_max_4')).toBe(30);
    expect(f(last, n, 'p99_max_4')).toBe(31);
    expect(f(last, n, 'history_polls')).toBe(8); // capped
    expect(f(last, n, 'rps_vs_mean_8')).toBeCloseTo(8 / (16 / 8), 5);
  });

  it('sees a missing poll: the series starts afresh, with 1 poll of history', () => {
    const x = new FeatureExtractor(trendV3, 'r', { pollIntervalMs: 30_000 });
    const polls = at([0, 30, 60, 150], (i) => ({ p95LatencyMs: [10, 20, 30, 50][i] }));
    const values = polls.map((s) => x.extract(s).values as Float32Array);
    expect(values.map((v) => f(v, n, 'history_polls'))).toEqual([1, 2, 3, 1]);
    expect(f(values[3], n, 'p95_change_per_min')).toBe(0);
    expect(f(values[3], n, 'p95_prev_ms')).toBe(50);
    expect(f(values[3], n, 'p95_max_8')).toBe(50);
    expect(x.gaps).toBe(1);
  });

  it('marks latency missing with traffic as unknown, carried forward rather than 0 ms', () => {
    const x = new FeatureExtractor(trendV3, 'r');
    x.extract(sample('a', { p95LatencyMs: 40 }));
    const unknown = x.extract(sample('a', { requestRateRps: 3, p50LatencyMs: null, p95LatencyMs: null, p99LatencyMs: null })).values as Float32Array;
    const idle = x.extract(sample('a', { requestRateRps: 0, p50LatencyMs: null, p95LatencyMs: null, p99LatencyMs: null })).values as Float32Array;
    expect([f(unknown, n, 'latency_unknown'), f(unknown, n, 'has_latency'), f(unknown, n, 'p95_latency_ms')]).toEqual([1, 0, 40]);
    expect([f(idle, n, 'latency_unknown'), f(idle, n, 'has_latency'), f(idle, n, 'p95_latency_ms')]).toEqual([0, 0, 0]);
  });

  it('leaves memory out (a per-service fingerprint, see trend-v2)', () => {
    expect(n).not.toContain('memory_usage_mb');
  });
});

describe('trend-v4', () => {
  it('is trend-v3 plus the service one-hot, 0 everywhere for a service it does not know', () => {
    expect(trendV4.names.slice(0, trendV3.names.length)).toEqual(trendV3.names);
    expect(trendV4.names.slice(trendV3.names.length)).toEqual([
      'service_front_end', 'service_carts', 'service_orders', 'service_catalogue', 'service_user', 'service_payment', 'service_shipping',
    ]);
    const a = new FeatureExtractor(trendV3, 'r');
    const b = new FeatureExtractor(trendV4, 'r');
    for (const service of ['front-end', 'queue-master', 'front-end']) {
      const s = sample(service, { p95LatencyMs: 30 });
      const v3 = Array.from(a.extract(s).values as Float32Array);
      const v4 = Array.from(b.extract(s).values as Float32Array);
      expect(v4.slice(0, v3.length)).toEqual(v3);
      expect(v4.slice(v3.length)).toEqual(service === 'front-end' ? [1, 0, 0, 0, 0, 0, 0] : [0, 0, 0, 0, 0, 0, 0]);
    }
  });
});

describe('feature set registry', () => {
  it('knows each set by id and rejects unknown ids', () => {
    for (const id of FEATURE_SET_IDS) expect(featureSet(id).id).toBe(id);
    expect(() => featureSet('magic-v9')).toThrow(/unknown feature set 'magic-v9' \(known: seed-v1, trend-v1, trend-v2, trend-v3, trend-v4\)/);
  });
});
