import { describe, expect, it } from 'vitest';
import { LAB_BUCKET_BOUNDS, RequestBins } from './request-bins.js';

describe('RequestBins', () => {
  it('counts a request in the second it ended, under the first bucket its latency fits (le is ≤)', () => {
    const bins = new RequestBins(10);
    bins.observe(1_500, 5, 200); // exactly 5 ms: the 0.005 bucket
    bins.observe(1_999, 5.0001, 200); // just above: the 0.01 bucket
    bins.observe(2_000, 20_000, 503); // beyond every finite bound, and a 5xx; second 2
    const w = bins.window(1_000, 2_000);
    expect(w.cumulative[0]).toBe(1);
    expect(w.cumulative[1]).toBe(2);
    expect(w.cumulative[LAB_BUCKET_BOUNDS.length - 1]).toBe(2);
    expect(w.errors).toBe(0);
    const all = bins.window(0, 10_000);
    expect(all.cumulative[LAB_BUCKET_BOUNDS.length - 2]).toBe(2); // ≤ 10 s: not the 20 s one
    expect(all.cumulative[LAB_BUCKET_BOUNDS.length - 1]).toBe(3);
    expect(all.errors).toBe(1);
  });

  it('drops what ends outside the bins and clips windows to them', () => {
    const bins = new RequestBins(2);
    bins.observe(2_000, 1, 200);
    bins.observe(-1, 1, 200);
    expect(bins.window(-5_000, 50_000).cumulative.at(-1)).toBe(0);
  });

  it('refuses a size that is not a whole number of seconds', () => expect(() => new RequestBins(0.5)).toThrow(/whole number/));
});
