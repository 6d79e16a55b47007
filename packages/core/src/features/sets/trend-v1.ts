import type { FeatureSet } from '../feature-set.js';
import { seedV1, type SeedState } from './seed-v1.js';

/** Polls in the rolling window (2 minutes at the recordings' 30 s interval). */
const WINDOW = 4;

interface TrendState {
  seed: SeedState;
  /** The last WINDOW resolved values of this service, oldest first. */
  rps: number[];
  p95: number[];
  cpu: number[];
}

/** Least-squares slope per poll of `ys` at x = 0..n-1 (0 for fewer than two points). */
export function slope(ys: readonly number[]): number {
  const n = ys.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  let my = 0;
  for (const y of ys) my += y;
  my /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (i - mx) * (ys[i] - my);
    den += (i - mx) * (i - mx);
  }
  return num / den;
}

const push = (buf: number[], v: number) => {
  buf.push(v);
  if (buf.length > WINDOW) buf.shift();
};

/**
 * seed-v1 plus short-term context: whether the poll had latency data, the p95 of the previous poll,
 * and over the last 4 polls (this one included) the p95 mean and max and the slopes of rate, p95 and
 * CPU. Trends are what can announce a violation before p95 itself crosses the SLO.
 */
export const trendV1: FeatureSet<TrendState> = {
  id: 'trend-v1',
  description: 'seed-v1 + has_latency, previous p95, and 4-poll p95 mean/max and rate/p95/CPU slopes',
  names: [...seedV1.names, 'has_latency', 'p95_prev_ms', 'p95_mean_4', 'p95_max_4', 'rps_slope_4', 'p95_slope_4', 'cpu_slope_4'],
  initialState: () => ({ seed: seedV1.initialState(), rps: [], p95: [], cpu: [] }),
  compute(sample, state, out, o) {
    const imputed = seedV1.compute(sample, state.seed, out, o);
    // The seed columns hold the values resolved under the missing-value policy: read them back.
    const rps = out[o];
    const p95 = out[o + 3];
    const cpu = out[o + 5];
    const prevP95 = state.p95.length > 0 ? state.p95[state.p95.length - 1] : p95;
    push(state.rps, rps);
    push(state.p95, p95);
    push(state.cpu, cpu);
    let sum = 0;
    let max = -Infinity;
    for (const v of state.p95) {
      sum += v;
      if (v > max) max = v;
    }
    const k = seedV1.names.length;
    out[o + k] = sample.p95LatencyMs === null ? 0 : 1;
    out[o + k + 1] = prevP95;
    out[o + k + 2] = sum / state.p95.length;
    out[o + k + 3] = max;
    out[o + k + 4] = slope(state.rps);
    out[o + k + 5] = slope(state.p95);
    out[o + k + 6] = slope(state.cpu);
    return imputed;
  },
};
