/**
 * PromQL's histogram_quantile on one histogram: the q-quantile of the observations counted in
 * cumulative buckets (`counts[i]` observations ≤ `bounds[i]`; the last bound is +Inf). Linear
 * interpolation inside the bucket the rank falls in, the lowest bucket starting at 0; a rank in the
 * +Inf bucket gives the highest finite bound; no observations (or no +Inf bucket) give null, where
 * Prometheus says NaN. The one implementation of the rule: the emulator's direct poller and `sockml lab`
 * compute their quantiles with it, as Prometheus computes collect's.
 */
export function histogramQuantile(q: number, bounds: readonly number[], counts: ArrayLike<number>): number | null {
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile must be in [0, 1], got ${q}`);
  const n = bounds.length;
  if (n < 2 || bounds[n - 1] !== Infinity || counts.length < n) return null;
  const total = counts[n - 1];
  if (!(total > 0)) return null;
  const rank = q * total;
  for (let i = 0; i < n; i++) {
    if (counts[i] >= rank) {
      if (i === n - 1) return bounds[n - 2];
      const lower = i === 0 ? 0 : bounds[i - 1];
      const below = i === 0 ? 0 : counts[i - 1];
      const inBucket = counts[i] - below;
      return inBucket > 0 ? lower + ((bounds[i] - lower) * (rank - below)) / inBucket : bounds[i];
    }
  }
  return null;
}
