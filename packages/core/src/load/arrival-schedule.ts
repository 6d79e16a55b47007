import type { LoadPattern } from './load-pattern.js';
import { PiecewiseLinearPattern, segmentArrivals } from './patterns/piecewise-linear.js';

/**
 * The open model's arrival times: arrival k (k = 0, 1, …) is due at the first moment the pattern's
 * integral reaches k, for every k below the run's total. So the count of arrivals up to any t is the
 * integral rounded up, as with k6's ramping-arrival-rate, and the run as a whole offers ⌈∫rate⌉ requests.
 * Deterministic and pure: the engine asks for times and decides itself when "now" is.
 */
export class ArrivalSchedule {
  private segment = 0;
  private k = 0;
  private readonly total: number;
  private readonly pattern: PiecewiseLinearPattern;

  constructor(pattern: LoadPattern) {
    if (!(pattern instanceof PiecewiseLinearPattern)) throw new Error('ArrivalSchedule needs a piecewise-linear pattern (all built-in patterns are)');
    this.pattern = pattern;
    this.total = pattern.expected(pattern.durationMs);
  }

  /** How many arrivals the whole run has. */
  get size(): number {
    return Math.ceil(this.total - 1e-9);
  }

  /** Arrivals handed out so far. */
  get issued(): number {
    return this.k;
  }

  /** The next arrival's due time in ms from the start, or undefined when the run has no more. */
  next(): number | undefined {
    if (this.k >= this.size) return undefined;
    const segments = this.pattern.segments;
    for (;;) {
      const { atMs, arrivalsBefore } = this.pattern.segmentStart(this.segment);
      const s = segments[this.segment];
      const inSegment = segmentArrivals(s, s.durationMs);
      const x = this.k - arrivalsBefore;
      if (x < inSegment || this.segment === segments.length - 1) {
        this.k++;
        return Math.min(atMs + solveArrivalTime(s.fromRps, s.toRps, s.durationMs, x), this.pattern.durationMs - 1e-6);
      }
      this.segment++;
    }
  }

  /**
   * Passes over every arrival due at or before tMs without computing their times, and returns how many
   * that was: an engine that cannot start them (in-flight cap reached, or a rate beyond what it can send
   * in one tick) counts them as dropped in O(1), at any rate. Arrival k is due once the integral reaches
   * k, so ⌊∫₀ᵗ rate⌋ + 1 arrivals are due by t.
   */
  skipThrough(tMs: number): number {
    const dueBy = tMs >= this.pattern.durationMs ? this.size : Math.min(this.size, Math.floor(this.pattern.expected(Math.max(0, tMs)) + 1e-9) + 1);
    const n = Math.max(0, dueBy - this.k);
    this.k += n;
    return n;
  }

  /** All remaining arrival times (for tests and small runs; the engine pulls them one by one). */
  drain(): number[] {
    const out: number[] = [];
    for (let t = this.next(); t !== undefined; t = this.next()) out.push(t);
    return out;
  }
}

/** ms into a segment at which its integral reaches x arrivals: r0·τ + a·τ² = x, solved in its stable form. */
function solveArrivalTime(fromRps: number, toRps: number, durationMs: number, x: number): number {
  if (x <= 0) return 0;
  const a = (toRps - fromRps) / (durationMs / 1000) / 2;
  const disc = Math.max(0, fromRps * fromRps + 4 * a * x);
  const denominator = fromRps + Math.sqrt(disc);
  return denominator > 0 ? ((2 * x) / denominator) * 1000 : durationMs;
}
