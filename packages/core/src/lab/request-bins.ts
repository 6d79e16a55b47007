import { REQUEST_DURATION_BUCKETS } from '../sim/topology.js';

/** The histogram's bounds in seconds, +Inf last: what `le` a latency counts under. */
export const LAB_BUCKET_BOUNDS: readonly number[] = [...REQUEST_DURATION_BUCKETS, Infinity];
const WIDTH = LAB_BUCKET_BOUNDS.length + 1; // the buckets, then the 5xx count

/**
 * What one service's `request_duration_seconds` histogram counted, per second of virtual time: each
 * observation lands in the second it ended in (as the real histogram counts a request when it answers),
 * in its own bucket (not cumulative) and, for a 5xx, in the error count. A window's cumulative buckets
 * are then a sum over its seconds: the `increase()` of the histogram's series over that window, exactly,
 * without Prometheus's extrapolation (the lab samples the counters at every second, so there is nothing
 * to extrapolate).
 */
export class RequestBins {
  private readonly bins: Float64Array;
  readonly seconds: number;

  constructor(seconds: number) {
    if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`request bins need a whole number of seconds ≥ 1, got ${seconds}`);
    this.seconds = seconds;
    this.bins = new Float64Array(seconds * WIDTH);
  }

  /** One request that ended at endMs (ms of virtual time) after latencyMs, with its status. Beyond the last second: dropped. */
  observe(endMs: number, latencyMs: number, status: number): void {
    const second = Math.floor(endMs / 1000);
    if (second < 0 || second >= this.seconds) return;
    const latencyS = latencyMs / 1000;
    let b = 0;
    while (b < REQUEST_DURATION_BUCKETS.length && latencyS > REQUEST_DURATION_BUCKETS[b]) b++;
    const o = second * WIDTH;
    this.bins[o + b] += 1;
    if (status >= 500) this.bins[o + WIDTH - 1] += 1;
  }

  /**
   * Requests that ended in [fromMs, toMs) (whole seconds): cumulative bucket counts in LAB_BUCKET_BOUNDS
   * order (the last is the request count) and the 5xx count.
   */
  window(fromMs: number, toMs: number): { cumulative: Float64Array; errors: number } {
    const from = Math.max(0, Math.floor(fromMs / 1000));
    const to = Math.min(this.seconds, Math.floor(toMs / 1000));
    const own = new Float64Array(WIDTH);
    for (let s = from; s < to; s++) {
      const o = s * WIDTH;
      for (let i = 0; i < WIDTH; i++) own[i] += this.bins[o + i];
    }
    const cumulative = new Float64Array(WIDTH - 1);
    let sum = 0;
    for (let i = 0; i < WIDTH - 1; i++) cumulative[i] = sum += own[i];
    return { cumulative, errors: own[WIDTH - 1] };
  }
}
