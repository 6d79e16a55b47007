import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { bootstrapMeanDifference, erfc, mannWhitneyU, median, quantile } from './statistics.js';

describe('erfc', () => {
  // Expected values: scipy.special.erfc(z) (scipy 1.17.1, /work/main/.venv).
  it.each([
    [0.1, 0.8875370839817152],
    [0.5, 0.4795001221869535],
    [1.0, 0.15729920705028516],
    [1.9, 0.007209570764742531],
    [2.0, 0.004677734981047266],
    [2.5, 0.00040695201744495886],
    [4.0, 1.541725790028002e-8],
    [6.0, 2.1519736712498913e-17],
    [-1.0, 1.8427007929497148],
  ])('erfc(%d)', (z, want) => {
    expect(Math.abs(erfc(z) - want) / want).toBeLessThan(1e-12);
  });
});

describe('mannWhitneyU', () => {
  // Expected U and p: `.venv/bin/python -c "from scipy.stats import mannwhitneyu; print(mannwhitneyu(x, y))"`
  // (scipy 1.17.1, default method='auto', two-sided, use_continuity=True), the method scipy picks noted.
  it.each([
    { name: 'exact (no ties, n ≤ 8)', x: [1.1, 2.3, 0.4, 5.6], y: [3.2, 4.4, 6.1, 7.0, 0.9], u: 5, p: 0.2857142857142857, method: 'exact' },
    { name: 'exact, unequal sizes', x: [2.5, 9.1, 7.7], y: [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13], u: 17, p: 0.9450549450549449, method: 'exact' },
    { name: 'ties → normal approximation with tie correction', x: [0, 0, 0.1, 0.2, 0.2, 0.5], y: [0.1, 0.3, 0.3, 0.4, 0.6, 0.6, 0.7], u: 6.5, p: 0.044022195041670056, method: 'asymptotic' },
    {
      name: 'both samples > 8 → normal approximation',
      x: Array.from({ length: 10 }, (_, i) => i * 1.3),
      y: Array.from({ length: 11 }, (_, i) => i * 1.1 + 2.05),
      u: 41,
      p: 0.34178646181502725,
      method: 'asymptotic',
    },
  ])('$name', ({ x, y, u, p, method }) => {
    const r = mannWhitneyU(x, y)!;
    expect(r.u).toBe(u);
    expect(r.p).toBeCloseTo(p, 12);
    expect(r.method).toBe(method);
  });

  it('is symmetric in p and complementary in U', () => {
    const x = [0.3, 0.1, 0.9, 0.4];
    const y = [0.2, 0.8, 0.7, 0.6, 0.5];
    const a = mannWhitneyU(x, y)!;
    const b = mannWhitneyU(y, x)!;
    expect(a.p).toBeCloseTo(b.p, 14);
    expect(a.u + b.u).toBe(20);
  });

  it('treats float noise from averaging as ties (3/14 two ways)', () => {
    const a = 0.2142857142857143;
    const b = 0.21428571428571427;
    expect(a).not.toBe(b);
    const r = mannWhitneyU([a, 0.5, 0.6], [b, 0.1, 0.2])!;
    expect(r.method).toBe('asymptotic'); // a tie was seen, so no exact test
    // x > y pairs: a vs {b, 0.1, 0.2} = ½ + 2, 0.5 and 0.6 beat all three = 6 → U = 8.5 (9 without the tie).
    expect(r.u).toBe(8.5);
  });

  it('all values tied: no evidence, p = 1; empty sample: null', () => {
    expect(mannWhitneyU([0, 0, 0], [0, 0])!.p).toBe(1);
    expect(mannWhitneyU([], [1])).toBeNull();
  });
});

describe('quantile and median', () => {
  it.each([
    // numpy.quantile's default linear interpolation: position (n−1)·q.
    [[1, 2, 3, 4], 0.5, 2.5],
    [[4, 1, 3], 0.5, 3],
    [[0, 10], 0.025, 0.25],
    [[5], 0.9, 5],
  ])('quantile(%j, %d) = %d', (xs, q, want) => expect(quantile(xs, q)).toBeCloseTo(want, 12));
  it('of nothing is null', () => expect(median([])).toBeNull());
});

describe('bootstrapMeanDifference', () => {
  it('is reproducible for a seed and differs across seeds', () => {
    const x = [0.1, 0.3, 0.2, 0.5, 0.25];
    const y = [0.4, 0.35, 0.6, 0.3];
    const a = bootstrapMeanDifference(x, y, { seed: 7, resamples: 2000 })!;
    expect(bootstrapMeanDifference(x, y, { seed: 7, resamples: 2000 })).toEqual(a);
    expect(bootstrapMeanDifference(x, y, { seed: 8, resamples: 2000 })!.low).not.toBe(a.low);
    // mean(x) − mean(y) = 0.27 − 0.4125 = −0.1425
    expect(a.estimate).toBeCloseTo(-0.1425, 12);
    expect(a.low).toBeLessThan(a.estimate);
    expect(a.high).toBeGreaterThan(a.estimate);
    // The resampled means stay within the data's range: [0.1 − 0.6, 0.5 − 0.3].
    expect(a.low).toBeGreaterThanOrEqual(-0.5);
    expect(a.high).toBeLessThanOrEqual(0.2);
  });

  it('constant groups give a zero-width interval at the difference', () => {
    const r = bootstrapMeanDifference([2, 2], [0.5, 0.5, 0.5])!;
    expect([r.estimate, r.low, r.high]).toEqual([1.5, 1.5, 1.5]);
  });

  it('covers the true difference about 95 % of the time on normal data', () => {
    // A coarse calibration check of the percentile method (true difference 0, n = 30 per group).
    const rand = seededRandom(1);
    const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const x = Array.from({ length: 30 }, normal);
      const y = Array.from({ length: 30 }, normal);
      const r = bootstrapMeanDifference(x, y, { seed: t, resamples: 500 })!;
      if (r.low <= 0 && 0 <= r.high) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.88);
    expect(covered / trials).toBeLessThan(0.99);
  });
});

describe('seededRandom', () => {
  it('gives values in [0, 1) with a mean near 1/2', () => {
    const r = seededRandom(42);
    const xs = Array.from({ length: 10_000 }, r);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(xs.reduce((a, b) => a + b) / xs.length - 0.5)).toBeLessThan(0.01);
  });
});
