import type { LoadPattern, PatternOptions } from '../load-pattern.js';
import { levelsShape, PiecewiseLinearPattern, segmentsFromShape, type ShapePoint } from './piecewise-linear.js';

/**
 * Flat levels of equal length with instant jumps between them. The GKE step recordings go
 * about 35 % → 70 % → 35 % → 100 % of their peak (front-end 50, 100, 55, 145 rps), each for a quarter of the run.
 */
export interface StepParams {
  /** Fractions of the peak, in order. */
  levels: number[];
}

export const STEP_DEFAULTS: StepParams = { levels: [0.35, 0.7, 0.35, 1] };

export function stepShape(p: StepParams = STEP_DEFAULTS): ShapePoint[] {
  if (p.levels.length === 0 || p.levels.some((l) => !(l >= 0 && l <= 1))) throw new Error(`step: levels must be fractions of the peak in [0, 1], got ${JSON.stringify(p.levels)}`);
  const n = p.levels.length;
  return levelsShape(p.levels.map((level, i) => ({ from: i / n, to: (i + 1) / n, level })));
}

export function stepPattern(o: PatternOptions, p: StepParams = STEP_DEFAULTS): LoadPattern {
  return new PiecewiseLinearPattern('step', o.durationMs, o.peakRps, { levels: [...p.levels] }, segmentsFromShape(stepShape(p), o.durationMs, o.peakRps));
}
