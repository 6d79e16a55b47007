import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency-histogram.js';
import { seededRandom } from '../random.js';

describe('LatencyHistogram', () => {
  it.each([
    { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], q: 0.5, want: 5 },
    { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], q: 0.95, want: 10 },
    { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], q: 0, want: 1 },
    { values: [0.05, 0.1], q: 1, want: 0.1 }, // below 128 µs: exact
    { values: [250], q: 0.99, want: 250 }, // capped by the largest value seen
  ])('quantile $q of $values ≈ $want', ({ values, q, want }) => {
    const h = new LatencyHistogram();
    for (const v of values) h.record(v);
    expect(Math.abs(h.quantile(q) - want) / want).toBeLessThanOrEqual(1 / 64);
  });

  it('stays within 1/64 of the exact quantile on a long-tailed sample, never below it', () => {
    const random = seededRandom(7);
    const h = new LatencyHistogram();
    const values: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      // log-normal-ish latencies from 0.1 ms to seconds
      const v = Math.exp(random() * 10 - 2.3);
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.95, 0.99, 0.999]) {
      const exact = values[Math.ceil(q * values.length) - 1];
      const got = h.quantile(q);
      expect(got).toBeGreaterThanOrEqual(exact - 0.0005); // µs rounding
      expect((got - exact) / exact).toBeLessThanOrEqual(1 / 64);
    }
    expect(h.stats().count).toBe(50_000);
  });

  it('merges', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 1; i <= 100; i++) (i % 2 ? a : b).record(i);
    a.add(b);
    expect(a.count).toBe(100);
    expect(a.quantile(0.99)).toBeCloseTo(99, -0.5);
    expect(a.stats().maxMs).toBe(100);
  });

  it('is NaN when empty and clamps huge values', () => {
    const h = new LatencyHistogram();
    expect(h.quantile(0.5)).toBeNaN();
    h.record(1e9);
    expect(h.quantile(0.5)).toBeGreaterThan(2_000_000);
  });
});
