import { describe, expect, it } from 'vitest';
import { histogramQuantile } from './histogram-quantile.js';

const B = [0.005, 0.01, 0.025, 0.05, Infinity];

describe('histogramQuantile (PromQL histogram_quantile on one histogram)', () => {
  it.each([
    // Every observation in the first bucket: interpolated from 0, the recordings' 2.5/4.75/4.95 ms artefact.
    { q: 0.5, counts: [100, 100, 100, 100, 100], want: 0.0025 },
    { q: 0.95, counts: [100, 100, 100, 100, 100], want: 0.00475 },
    { q: 0.99, counts: [100, 100, 100, 100, 100], want: 0.00495 },
    // 90 below 10 ms, 10 in (25, 50] ms: the 95th is halfway into that bucket.
    { q: 0.95, counts: [0, 90, 90, 100, 100], want: 0.025 + 0.025 * 0.5 },
    // A rank exactly at a bucket's upper count stays in that bucket.
    { q: 0.9, counts: [0, 90, 90, 100, 100], want: 0.01 },
    // A rank in +Inf gives the highest finite bound.
    { q: 0.99, counts: [0, 0, 0, 50, 100], want: 0.05 },
  ])('q=$q of $counts is $want', ({ q, counts, want }) => {
    expect(histogramQuantile(q, B, counts)).toBeCloseTo(want, 12);
  });

  it.each([
    ['no observations', B, [0, 0, 0, 0, 0]],
    ['no +Inf bucket', [0.005, 0.01], [1, 2]],
    ['a single bucket', [Infinity], [3]],
  ])('is null (Prometheus: NaN) with %s', (_, bounds, counts) => {
    expect(histogramQuantile(0.95, bounds as number[], counts as number[])).toBeNull();
  });

  it('rejects a quantile outside [0, 1]', () => expect(() => histogramQuantile(1.5, B, [1, 1, 1, 1, 1])).toThrow(/quantile/));
});
