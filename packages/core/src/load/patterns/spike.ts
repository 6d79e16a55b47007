import type { LoadPattern, PatternOptions } from '../load-pattern.js';
import { levelsShape, PiecewiseLinearPattern, segmentsFromShape, type ShapePoint } from './piecewise-linear.js';

/**
 * A low base with short bursts. The GKE spike recordings idle at about 15 % of their peak
 * (front-end 6 rps) with a half-height burst a little before the middle (18 rps for two polls) and a full
 * one at two thirds (40 rps for two polls): bursts of about 7 % of the run each.
 */
export interface SpikeParams {
  /** The base rate, fraction of the peak. */
  base: number;
  /** Each burst: its start and width as fractions of the run, its level as a fraction of the peak. */
  bursts: { at: number; width: number; level: number }[];
}

export const SPIKE_DEFAULTS: SpikeParams = {
  base: 0.15,
  bursts: [
    { at: 0.45, width: 0.07, level: 0.5 },
    { at: 0.67, width: 0.07, level: 1 },
  ],
};

export function spikeShape(p: SpikeParams = SPIKE_DEFAULTS): ShapePoint[] {
  const pieces: { from: number; to: number; level: number }[] = [];
  let at = 0;
  for (const b of p.bursts) {
    if (!(b.at >= at && b.width > 0 && b.at + b.width <= 1)) throw new Error(`spike: bursts must be in order, inside the run and not overlap, got ${JSON.stringify(b)}`);
    if (b.at > at) pieces.push({ from: at, to: b.at, level: p.base });
    pieces.push({ from: b.at, to: b.at + b.width, level: b.level });
    at = b.at + b.width;
  }
  if (at < 1) pieces.push({ from: at, to: 1, level: p.base });
  return levelsShape(pieces);
}

export function spikePattern(o: PatternOptions, p: SpikeParams = SPIKE_DEFAULTS): LoadPattern {
  return new PiecewiseLinearPattern('spike', o.durationMs, o.peakRps, structuredClone(p) as unknown as Record<string, unknown>, segmentsFromShape(spikeShape(p), o.durationMs, o.peakRps));
}
