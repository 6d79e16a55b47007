import type { LoadPattern, PatternOptions } from '../load-pattern.js';
import { PiecewiseLinearPattern, segmentsFromShape, type ShapePoint } from './piecewise-linear.js';

/**
 * Up from 0 to the peak, hold, back down to 0. The GKE ramp recordings climb for about half the run,
 * hold about a fifth and fall over the rest (front-end 3 → 80 rps over ten polls, four polls at 80, six down).
 */
export interface RampParams {
  /** End of the climb, fraction of the run. */
  upUntil: number;
  /** End of the hold at the peak, fraction of the run. */
  holdUntil: number;
}

export const RAMP_DEFAULTS: RampParams = { upUntil: 0.5, holdUntil: 0.7 };

export function rampShape(p: RampParams = RAMP_DEFAULTS): ShapePoint[] {
  if (!(0 < p.upUntil && p.upUntil <= p.holdUntil && p.holdUntil <= 1)) throw new Error(`ramp: need 0 < upUntil ≤ holdUntil ≤ 1, got ${JSON.stringify(p)}`);
  return [
    { at: 0, level: 0 },
    { at: p.upUntil, level: 1 },
    { at: p.holdUntil, level: 1 },
    { at: 1, level: 0 },
  ];
}

export function rampPattern(o: PatternOptions, p: RampParams = RAMP_DEFAULTS): LoadPattern {
  return new PiecewiseLinearPattern('ramp', o.durationMs, o.peakRps, { ...p }, segmentsFromShape(rampShape(p), o.durationMs, o.peakRps));
}
