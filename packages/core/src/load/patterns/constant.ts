import type { LoadPattern, PatternOptions } from '../load-pattern.js';
import { PiecewiseLinearPattern, segmentsFromShape, type ShapePoint } from './piecewise-linear.js';

/** The peak rate for the whole run (the recordings' constant runs hold one level; their first minute is Locust spawning users). */
export function constantShape(): ShapePoint[] {
  return [
    { at: 0, level: 1 },
    { at: 1, level: 1 },
  ];
}

export function constantPattern(o: PatternOptions): LoadPattern {
  return new PiecewiseLinearPattern('constant', o.durationMs, o.peakRps, {}, segmentsFromShape(constantShape(), o.durationMs, o.peakRps));
}
