import type { FeatureSet } from '../feature-set.js';
import { emptyCarryForward, resolveMissing, type CarryForward } from '../missing-policy.js';

/** Polls in the short window (2 minutes at the recordings' 30 s interval) and in the long one (4 minutes). */
const SHORT = 4;
const LONG = 8;
const MS_PER_MINUTE = 60_000;

interface Poll {
  timeMs: number;
  rps: number;
  p95: number;
  p99: number;
  cpu: number;
}

interface TrendV3State {
  last: CarryForward;
  /** The last LONG polls of this service's current stretch of polls, oldest first. */
  polls: Poll[];
}

/**
 * Least-squares slope of `y` against time, per minute, over `polls` (0 with fewer than two). Time, not
 * the poll's index, is the x axis: a poll that came late or early changes the slope as it should.
 */
export function slopePerMinute(polls: readonly Poll[], y: (p: Poll) => number): number {
  const n = polls.length;
  if (n < 2) return 0;
  let mx = 0;
  let my = 0;
  for (const p of polls) {
    mx += p.timeMs;
    my += y(p);
  }
  mx /= n;
  my /= n;
  let num = 0;
  let den = 0;
  for (const p of polls) {
    const dx = (p.timeMs - mx) / MS_PER_MINUTE;
    num += dx * (y(p) - my);
    den += dx * dx;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * The poll's metrics and their recent course, measured against time. What it adds to trend-v1:
 *
 * - Changes and slopes are per minute of the polls' own timestamps, not per poll, so a late poll or a
 *   recording at another interval does not change their meaning.
 * - `history_polls`: polls of this service since its series (re)started, capped at 8. It is 1 on the
 *   first poll of a run and on the first poll after a missing one (the FeatureExtractor starts the series
 *   afresh there), so the model sees when its windows and changes rest on little or no history.
 * - `latency_unknown`: the service had requests but no latency data. The missing-value policy carries
 *   the last observed latency forward for it (never 0 ms); this flag says the value is a carried guess.
 *   `has_latency` is 1 only for a poll with its own latency data.
 * - The recent maximum of p95 over 2 and 4 minutes, its minimum and mean over 2 (how long a stretch of
 *   high latency has lasted), p99's recent maximum, and the rate against its 4-minute mean (a rise in
 *   load before latency follows).
 * - No `memory_usage_mb`: a service's resident memory is nearly constant and different for every
 *   service, a fingerprint of *which* service a row is rather than of its load (see trend-v2).
 */
export const trendV3: FeatureSet<TrendV3State> = {
  id: 'trend-v3',
  description: 'per-poll metrics without memory, per-minute changes and slopes, history length, unknown-latency flag, recent p95 max/min/mean and p99 max, rate vs its 4-minute mean',
  names: [
    'request_rate_rps',
    'error_rate_pct',
    'p50_latency_ms',
    'p95_latency_ms',
    'p99_latency_ms',
    'cpu_usage_pct',
    'has_latency',
    'latency_unknown',
    'history_polls',
    'rps_change_per_min',
    'p95_change_per_min',
    'cpu_change_per_min',
    'p95_prev_ms',
    'p95_mean_4',
    'p95_min_4',
    'p95_max_4',
    'p95_max_8',
    'p99_max_4',
    'rps_slope_per_min_4',
    'p95_slope_per_min_4',
    'cpu_slope_per_min_4',
    'rps_vs_mean_8',
  ],
  initialState: () => ({ last: emptyCarryForward(), polls: [] }),
  compute(sample, state, out, o) {
    const m = resolveMissing(sample, state.last);
    const polls = state.polls;
    const prev = polls.length > 0 ? polls[polls.length - 1] : null;
    const now: Poll = { timeMs: sample.timeMs, rps: m.rps, p95: m.p95, p99: m.p99, cpu: m.cpu };
    polls.push(now);
    if (polls.length > LONG) polls.shift();
    const short = polls.slice(-SHORT);

    let p95Sum = 0;
    let p95Min = Infinity;
    let p95Max = -Infinity;
    let p99Max = -Infinity;
    for (const p of short) {
      p95Sum += p.p95;
      if (p.p95 < p95Min) p95Min = p.p95;
      if (p.p95 > p95Max) p95Max = p.p95;
      if (p.p99 > p99Max) p99Max = p.p99;
    }
    let p95MaxLong = -Infinity;
    let rpsSum = 0;
    for (const p of polls) {
      if (p.p95 > p95MaxLong) p95MaxLong = p.p95;
      rpsSum += p.rps;
    }
    const rpsMean = rpsSum / polls.length;
    // Per minute since the previous poll of this stretch (0 on its first poll).
    const minutes = prev ? (now.timeMs - prev.timeMs) / MS_PER_MINUTE : 0;
    const change = (a: number, b: number) => (prev && minutes > 0 ? (a - b) / minutes : 0);

    out[o] = m.rps;
    out[o + 1] = m.errorPct;
    out[o + 2] = m.p50;
    out[o + 3] = m.p95;
    out[o + 4] = m.p99;
    out[o + 5] = m.cpu;
    out[o + 6] = m.hasLatency;
    // The case the missing-value policy carries latency forward for: requests, but no latency data.
    out[o + 7] = m.hasLatency === 0 && sample.requestRateRps !== null && sample.requestRateRps > 0 ? 1 : 0;
    out[o + 8] = polls.length;
    out[o + 9] = prev ? change(now.rps, prev.rps) : 0;
    out[o + 10] = prev ? change(now.p95, prev.p95) : 0;
    out[o + 11] = prev ? change(now.cpu, prev.cpu) : 0;
    out[o + 12] = prev ? prev.p95 : m.p95;
    out[o + 13] = p95Sum / short.length;
    out[o + 14] = p95Min;
    out[o + 15] = p95Max;
    out[o + 16] = p95MaxLong;
    out[o + 17] = p99Max;
    out[o + 18] = slopePerMinute(short, (p) => p.rps);
    out[o + 19] = slopePerMinute(short, (p) => p.p95);
    out[o + 20] = slopePerMinute(short, (p) => p.cpu);
    out[o + 21] = rpsMean > 0 ? m.rps / rpsMean : 1;
    return m.imputed;
  },
};
