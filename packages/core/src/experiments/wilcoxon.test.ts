import { describe, expect, it } from 'vitest';
import { wilcoxonSignedRank } from './statistics.js';

describe('wilcoxonSignedRank', () => {
  // p-values from scipy 1.17.1: scipy.stats.wilcoxon(d, zero_method='wilcox', correction=False) (method
  // 'exact' for the first two, which have no ties; 'approx' for the third, which has ties and a zero).
  it.each([
    { d: [1.5, -2.0, 3.25, 4.0, -0.5, 6.0, 7.5, 8.0], p: 0.0546875, method: 'exact', n: 8 },
    { d: [-3, -5, -2, -4, -1, -6, -7, -8, -9, -10, -11, 12], p: 0.0341796875, method: 'exact', n: 12 },
    { d: [-3, -3, -2, 0, -1, -2, 4, -5, -2, -3, -1, -2, -6, -4, -2, -3, 1, -2, -3, -4], p: 0.0018171394496362477, method: 'asymptotic', n: 19 },
  ])('matches scipy on $d', ({ d, p, method, n }) => {
    const r = wilcoxonSignedRank(d)!;
    expect(r.p).toBeCloseTo(p, 12);
    expect(r.method).toBe(method);
    expect(r.n).toBe(n);
  });

  it('W+ is the rank sum of the positive differences', () => expect(wilcoxonSignedRank([1.5, -2.0, 3.25, 4.0, -0.5, 6.0, 7.5, 8.0])!.wPlus).toBe(32));
  it('no difference at all is p = 1; no pairs is null', () => {
    expect(wilcoxonSignedRank([0, 0, 0])!.p).toBe(1);
    expect(wilcoxonSignedRank([])).toBeNull();
  });
});
