import { describe, expect, it } from 'vitest';
import type { MetricsSample } from '../schema.js';
import { FeatureExtractor } from './feature-extractor.js';
import { seedV1 } from './sets/seed-v1.js';
import { trendV3 } from './sets/trend-v3.js';

const T0 = Date.UTC(2026, 3, 8, 12, 0, 0);
const sample = (atMs: number, rps: number, p95: number, cpu: number): MetricsSample => ({
  timestamp: new Date(T0 + atMs).toISOString(),
  timeMs: T0 + atMs,
  service: 'carts',
  requestRateRps: rps,
  errorRatePct: 0,
  p50LatencyMs: p95 / 2,
  p95LatencyMs: p95,
  p99LatencyMs: p95 * 2,
  cpuUsagePct: cpu,
  memoryUsageMb: 64,
  slaViolated: null,
});
/** seed-v1's three deltas: rps, p95, cpu. */
const deltas = (x: FeatureExtractor, s: MetricsSample) => [...x.extract(s).values.slice(7)];

describe('FeatureExtractor and missing polls', () => {
  // The second poll comes `after` ms after the first; deltas are against the first unless that is a gap.
  it.each([
    { name: 'the next poll (30 s)', after: 30_000, want: [5, 10, 3], gaps: 0 },
    { name: 'a late poll within half an interval (44 s)', after: 44_000, want: [5, 10, 3], gaps: 0 },
    { name: 'exactly 1.5 intervals (45 s) is a missing poll, as for labels', after: 45_000, want: [0, 0, 0], gaps: 1 },
    { name: 'one poll missing (60 s): no delta over two intervals', after: 60_000, want: [0, 0, 0], gaps: 1 },
    { name: 'many polls missing (10 min)', after: 600_000, want: [0, 0, 0], gaps: 1 },
  ])('$name', ({ after, want, gaps }) => {
    const x = new FeatureExtractor(seedV1, 'run', { pollIntervalMs: 30_000 });
    x.extract(sample(0, 10, 20, 5));
    expect(deltas(x, sample(after, 15, 30, 8))).toEqual(want);
    expect(x.gaps).toBe(gaps);
    // After the gap the series goes on from the new poll.
    expect(deltas(x, sample(after + 30_000, 16, 30, 8))).toEqual([1, 0, 0]);
  });

  it('without a poll interval, gaps are not seen (deltas span them)', () => {
    const x = new FeatureExtractor(seedV1, 'run');
    x.extract(sample(0, 10, 20, 5));
    expect(deltas(x, sample(600_000, 15, 30, 8))).toEqual([5, 10, 3]);
    expect(x.gaps).toBe(0);
  });

  it('rejects a poll interval that is not positive', () => {
    expect(() => new FeatureExtractor(seedV1, 'run', { pollIntervalMs: 0 })).toThrow(/poll interval must be > 0/);
  });
});

describe('missing-value policy: latency', () => {
  const noLatency = (atMs: number, rps: number | null): MetricsSample => ({ ...sample(atMs, 0, 0, 5), requestRateRps: rps, p50LatencyMs: null, p95LatencyMs: null, p99LatencyMs: null });
  // [p50, p95, p99] of the second poll, after a first poll with p95 = 40 (p50 20, p99 80).
  it.each([
    { name: 'no requests: 0 ms, no request waited', rps: 0, want: [0, 0, 0] },
    { name: 'requests but no histogram data: the last observed latency, not 0 ms', rps: 12, want: [20, 40, 80] },
    { name: 'rate unknown as well: 0 ms, as before', rps: null, want: [0, 0, 0] },
  ])('$name', ({ rps, want }) => {
    const x = new FeatureExtractor(seedV1, 'run', { pollIntervalMs: 30_000 });
    x.extract(sample(0, 10, 40, 5));
    expect([...x.extract(noLatency(30_000, rps)).values.slice(2, 5)]).toEqual(want);
    expect(x.imputedInputs).toBe(rps === null ? 4 : 3);
  });
});

describe('a feature beyond float32', () => {
  // Every input is a finite float32 (the reader refuses 1e308), but trend-v3's change per minute of a
  // rate that jumps from float32's largest value to 0 is not: it must not reach a model as Infinity.
  const MAX = 3.4e38;
  it('is refused, naming the run, service, time and feature', () => {
    const x = new FeatureExtractor(trendV3, 'run-a', { pollIntervalMs: 30_000 });
    x.extract(sample(0, MAX, 20, 5));
    expect(() => x.extract(sample(30_000, 0, 20, 5))).toThrow(
      /run run-a: service 'carts' at 2026-04-08T12:00:30\.000Z: feature 'rps_change_per_min' of trend-v3 is -Infinity/,
    );
  });
  it('large but finite values pass', () => {
    const x = new FeatureExtractor(trendV3, 'run-a', { pollIntervalMs: 30_000 });
    x.extract(sample(0, 1e30, 20, 5));
    expect([...x.extract(sample(30_000, 0, 20, 5)).values].every(Number.isFinite)).toBe(true);
  });
});
