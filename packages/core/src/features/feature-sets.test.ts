import { describe, expect, it } from 'vitest';
import type { MetricsSample } from '../schema.js';
import { FeatureExtractor } from './feature-extractor.js';
import { featureSet, FEATURE_SET_IDS } from './registry.js';
import { seedV1 } from './sets/seed-v1.js';
import { slope, trendV1 } from './sets/trend-v1.js';
import { trendV2 } from './sets/trend-v2.js';

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

describe('feature set registry', () => {
  it('knows each set by id and rejects unknown ids', () => {
    for (const id of FEATURE_SET_IDS) expect(featureSet(id).id).toBe(id);
    expect(() => featureSet('magic-v9')).toThrow(/unknown feature set 'magic-v9' \(known: seed-v1, trend-v1, trend-v2\)/);
  });
});
