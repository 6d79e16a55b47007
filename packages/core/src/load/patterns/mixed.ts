import type { LoadPattern, PatternOptions } from '../load-pattern.js';
import { constantShape } from './constant.js';
import { PiecewiseLinearPattern, segmentsFromShape, type ShapePoint } from './piecewise-linear.js';
import { rampShape } from './ramp.js';
import { spikeShape } from './spike.js';
import { stepShape } from './step.js';

/**
 * Cycles through the four single patterns, each in its default shape squeezed into an equal share of the
 * run, as the 4-hour recordings cycle through constant, ramp, spike and step.
 */
export interface MixedParams {
  cycle: ('constant' | 'ramp' | 'spike' | 'step')[];
  /** How many times the cycle repeats within the run. */
  cycles: number;
}

export const MIXED_DEFAULTS: MixedParams = { cycle: ['constant', 'ramp', 'spike', 'step'], cycles: 1 };

const SHAPES = { constant: constantShape, ramp: () => rampShape(), spike: () => spikeShape(), step: () => stepShape() };

export function mixedShape(p: MixedParams = MIXED_DEFAULTS): ShapePoint[] {
  if (p.cycle.length === 0 || !(Number.isInteger(p.cycles) && p.cycles >= 1)) throw new Error(`mixed: need a non-empty cycle and cycles ≥ 1, got ${JSON.stringify(p)}`);
  const parts = Array.from({ length: p.cycles }, () => p.cycle).flat();
  const points: ShapePoint[] = [];
  parts.forEach((name, k) => {
    for (const pt of SHAPES[name]()) points.push({ at: k === parts.length - 1 && pt.at === 1 ? 1 : (k + pt.at) / parts.length, level: pt.level });
  });
  return points;
}

export function mixedPattern(o: PatternOptions, p: MixedParams = MIXED_DEFAULTS): LoadPattern {
  return new PiecewiseLinearPattern('mixed', o.durationMs, o.peakRps, { cycle: [...p.cycle], cycles: p.cycles }, segmentsFromShape(mixedShape(p), o.durationMs, o.peakRps));
}
