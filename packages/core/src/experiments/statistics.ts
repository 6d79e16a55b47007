/**
 * The small statistics the experiment analysis needs, written out so that every number in a report can
 * be traced to code in this repository: Mann–Whitney U and a percentile bootstrap (seeded by random.ts).
 */
import { seededRandom } from '../random.js';


export const mean = (xs: readonly number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Linear-interpolation quantile (numpy's default, "type 7"), q in [0, 1]. */
export function quantile(xs: readonly number[], q: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

export const median = (xs: readonly number[]) => quantile(xs, 0.5);

/**
 * erfc to ~1e-15 relative: the all-positive-terms series erf(x) = 2/√π·e^(−x²)·Σ (2x²)^n·x/(1·3·…·(2n+1))
 * below 2 (no cancellation), the continued fraction above it (where it converges in a few dozen steps).
 * The common 7-digit approximations are not enough to compare p-values with scipy's in the tests.
 */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated bottom-up.
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** P(Z > z) for a standard normal Z. */
export const normalSf = (z: number) => 0.5 * erfc(z / Math.SQRT2);

export interface MannWhitneyResult {
  /** U of the first sample: the number of (x, y) pairs with x > y, ties counting one half. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  method: 'exact' | 'asymptotic';
  n1: number;
  n2: number;
}

const nearlyEqual = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/**
 * Midranks (1-based) of the pooled values and the tie-group sizes. Values within 1e-9 (relative) are
 * ties: rates such as 3/14 come out of different averaging orders as 0.2142857142857143 or
 * 0.21428571428571427, and ranking that float noise would change U (it did, on the seed runs).
 */
function rankWithTies(values: readonly number[]): { ranks: number[]; tieSizes: number[] } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  const tieSizes: number[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && nearlyEqual(order[j + 1][0], order[i][0])) j++;
    const mid = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k][1]] = mid;
    tieSizes.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, tieSizes };
}

/**
 * P(U ≥ u) under H0 for samples of sizes m and n without ties, from the recurrence on the probability
 * that the largest pooled value belongs to the first sample (adds n to U) or to the second (adds 0):
 * P_{m,n}(u) = m/(m+n)·P_{m−1,n}(u−n) + n/(m+n)·P_{m,n−1}(u). Probabilities, not counts, so that large
 * binomials never appear.
 */
function exactUpperTail(m: number, n: number, u: number): number {
  // prev[j] holds the distribution for sizes (i−1, j); built up row by row in i.
  let prev: Float64Array[] = [];
  for (let j = 0; j <= n; j++) prev.push(Float64Array.of(1)); // m = 0: U = 0 surely
  for (let i = 1; i <= m; i++) {
    const cur: Float64Array[] = [Float64Array.of(1)]; // n = 0: U = 0 surely
    for (let j = 1; j <= n; j++) {
      const d = new Float64Array(i * j + 1);
      const a = prev[j]; // (i−1, j), shifted by j
      const b = cur[j - 1]; // (i, j−1)
      const wa = i / (i + j);
      const wb = j / (i + j);
      for (let k = 0; k < a.length; k++) d[k + j] += wa * a[k];
      for (let k = 0; k < b.length; k++) d[k] += wb * b[k];
      cur.push(d);
    }
    prev = cur;
  }
  const dist = prev[n];
  let tail = 0;
  for (let k = Math.ceil(u - 1e-9); k < dist.length; k++) tail += dist[k];
  return tail;
}

/**
 * Two-sided Mann–Whitney U test, following scipy.stats.mannwhitneyu(method='auto') so the numbers can
 * be checked against it: the exact null distribution when there are no ties and one sample has at
 * most 8 values; otherwise the normal approximation with the tie-corrected variance and a 0.5
 * continuity correction, z = (max(U1, U2) − n1·n2/2 − 0.5)/σ. When every value is tied (σ = 0) there
 * is no evidence of a difference and p = 1 (scipy returns NaN there). Empty samples give null.
 */
export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitneyResult | null {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return null;
  const { ranks, tieSizes } = rankWithTies([...x, ...y]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i];
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const uMax = Math.max(u1, u2);
  const hasTies = tieSizes.some((t) => t > 1);
  if (!hasTies && (n1 <= 8 || n2 <= 8)) {
    return { u: u1, p: Math.min(1, 2 * exactUpperTail(n1, n2, uMax)), method: 'exact', n1, n2 };
  }
  const n = n1 + n2;
  const tieTerm = tieSizes.reduce((s, t) => s + (t * t * t - t), 0) / (n * (n - 1));
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm));
  if (!(sigma > 0)) return { u: u1, p: 1, method: 'asymptotic', n1, n2 };
  const z = (uMax - (n1 * n2) / 2 - 0.5) / sigma;
  return { u: u1, p: Math.min(1, 2 * normalSf(z)), method: 'asymptotic', n1, n2 };
}

export interface BootstrapInterval {
  /** mean(x) − mean(y) on the data as observed. */
  estimate: number;
  low: number;
  high: number;
  level: number;
  resamples: number;
  seed: number;
}

/**
 * Percentile bootstrap interval of mean(x) − mean(y): each resample draws x and y separately with
 * replacement (the two conditions are independent groups of runs), and the interval is the
 * ((1−level)/2, (1+level)/2) quantiles of the resampled differences. Null when a group is empty.
 */
export function bootstrapMeanDifference(
  x: readonly number[],
  y: readonly number[],
  { resamples = 10_000, level = 0.95, seed = 20260413 }: { resamples?: number; level?: number; seed?: number } = {},
): BootstrapInterval | null {
  if (x.length === 0 || y.length === 0) return null;
  const rand = seededRandom(seed);
  const resampledMean = (xs: readonly number[]) => {
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += xs[Math.floor(rand() * xs.length)];
    return s / xs.length;
  };
  const diffs = new Array<number>(resamples);
  for (let b = 0; b < resamples; b++) diffs[b] = resampledMean(x) - resampledMean(y);
  return {
    estimate: mean(x)! - mean(y)!,
    low: quantile(diffs, (1 - level) / 2)!,
    high: quantile(diffs, (1 + level) / 2)!,
    level,
    resamples,
    seed,
  };
}

export interface WilcoxonResult {
  /** Sum of the ranks of the positive differences. */
  wPlus: number;
  p: number;
  method: 'exact' | 'asymptotic';
  /** Pairs with a non-zero difference (zero differences are dropped, scipy's default 'wilcox'). */
  n: number;
}

/**
 * Two-sided Wilcoxon signed-rank test on paired differences, as scipy.stats.wilcoxon (zero_method
 * 'wilcox', correction off): zero differences are dropped; the exact null distribution of W+ when no
 * two |differences| tie and at most 50 pairs remain, otherwise the normal approximation with the
 * tie-corrected variance. No non-zero difference gives p = 1; no pairs at all, null.
 */
export function wilcoxonSignedRank(differences: readonly number[]): WilcoxonResult | null {
  if (differences.length === 0) return null;
  const d = differences.filter((x) => !nearlyEqual(x, 0));
  const n = d.length;
  if (n === 0) return { wPlus: 0, p: 1, method: 'exact', n: 0 };
  const { ranks, tieSizes } = rankWithTies(d.map(Math.abs));
  let wPlus = 0;
  for (let i = 0; i < n; i++) if (d[i] > 0) wPlus += ranks[i];
  const total = (n * (n + 1)) / 2;
  const hasTies = tieSizes.some((t) => t > 1);
  if (!hasTies && n <= 50) {
    // counts[s]: subsets of {1..n} whose ranks sum to s; every sign pattern is equally likely under H0.
    const counts = new Float64Array(total + 1);
    counts[0] = 1;
    for (let r = 1; r <= n; r++) for (let s = total; s >= r; s--) counts[s] += counts[s - r];
    const all = 2 ** n;
    const extreme = Math.max(wPlus, total - wPlus);
    let tail = 0;
    for (let s = Math.ceil(extreme - 1e-9); s <= total; s++) tail += counts[s];
    return { wPlus, p: Math.min(1, (2 * tail) / all), method: 'exact', n };
  }
  const tieTerm = tieSizes.reduce((s, t) => s + (t * t * t - t), 0) / 48;
  const sigma = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm);
  if (!(sigma > 0)) return { wPlus, p: 1, method: 'asymptotic', n };
  const z = (wPlus - total / 2) / sigma;
  return { wPlus, p: Math.min(1, 2 * normalSf(Math.abs(z))), method: 'asymptotic', n };
}
