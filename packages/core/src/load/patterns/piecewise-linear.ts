import type { LoadPattern, PatternName, RateSegment } from '../load-pattern.js';

/** A point of a shape in units of the run: `at` a fraction of the duration, `level` a fraction of the peak. */
export interface ShapePoint {
  at: number;
  level: number;
}

/**
 * The one LoadPattern implementation: every pattern is a piecewise-linear curve, which k6 can express
 * exactly and whose integral and inverse have closed forms (the arrival schedule needs both).
 */
export class PiecewiseLinearPattern implements LoadPattern {
  readonly segments: readonly RateSegment[];
  /** starts[i] = start of segments[i]; cumulative[i] = arrivals before it. */
  private readonly starts: number[] = [];
  private readonly cumulative: number[] = [];

  constructor(
    readonly name: PatternName,
    readonly durationMs: number,
    readonly peakRps: number,
    readonly params: Readonly<Record<string, unknown>>,
    segments: RateSegment[],
  ) {
    if (!(durationMs > 0)) throw new Error(`a load pattern needs a positive duration, got ${durationMs} ms`);
    const total = segments.reduce((s, x) => s + x.durationMs, 0);
    if (total !== durationMs) throw new Error(`${name}: segments cover ${total} ms, not ${durationMs} ms`);
    let at = 0;
    let count = 0;
    for (const s of segments) {
      if (s.durationMs < 0 || s.fromRps < 0 || s.toRps < 0) throw new Error(`${name}: negative segment ${JSON.stringify(s)}`);
      this.starts.push(at);
      this.cumulative.push(count);
      at += s.durationMs;
      count += ((s.fromRps + s.toRps) / 2) * (s.durationMs / 1000);
    }
    this.segments = segments;
  }

  rate(tMs: number): number {
    if (!(tMs >= 0 && tMs < this.durationMs)) return 0;
    const i = this.segmentAt(tMs);
    const s = this.segments[i];
    return s.fromRps + ((s.toRps - s.fromRps) * (tMs - this.starts[i])) / s.durationMs;
  }

  expected(tMs: number): number {
    const t = Math.min(Math.max(tMs, 0), this.durationMs);
    if (t === this.durationMs) {
      const last = this.segments.length - 1;
      return this.cumulative[last] + segmentArrivals(this.segments[last], this.segments[last].durationMs);
    }
    const i = this.segmentAt(t);
    return this.cumulative[i] + segmentArrivals(this.segments[i], t - this.starts[i]);
  }

  /** The segment holding tMs (the last of equal starts, so a zero-length jump segment is never chosen). */
  segmentAt(tMs: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= tMs) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Segment i's start time and the arrivals before it (for the arrival schedule). */
  segmentStart(i: number): { atMs: number; arrivalsBefore: number } {
    return { atMs: this.starts[i], arrivalsBefore: this.cumulative[i] };
  }
}

/** Arrivals of a segment in its first `intoMs` ms. */
export function segmentArrivals(s: RateSegment, intoMs: number): number {
  if (s.durationMs === 0) return 0;
  const sec = intoMs / 1000;
  const slope = (s.toRps - s.fromRps) / (s.durationMs / 1000);
  return s.fromRps * sec + (slope * sec * sec) / 2;
}

/**
 * Turns shape points into segments. Times round to whole ms and levels to whole rps (see
 * LoadPattern.segments); two points at the same `at` make an instant jump.
 */
export function segmentsFromShape(points: readonly ShapePoint[], durationMs: number, peakRps: number): RateSegment[] {
  if (points.length < 2 || points[0].at !== 0 || points[points.length - 1].at !== 1) throw new Error('a shape runs from at=0 to at=1');
  const segments: RateSegment[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (b.at < a.at) throw new Error(`shape points out of order at ${b.at}`);
    const durationMsI = Math.round(b.at * durationMs) - Math.round(a.at * durationMs);
    const fromRps = Math.round(a.level * peakRps);
    const toRps = Math.round(b.level * peakRps);
    // A jump is a zero-length segment only when it changes the rate; otherwise it carries nothing.
    if (durationMsI === 0 && fromRps === toRps) continue;
    segments.push({ durationMs: durationMsI, fromRps, toRps });
  }
  return segments;
}

/** A shape of flat levels, each held for its share of the run, with instant jumps between them. */
export function levelsShape(levels: readonly { from: number; to: number; level: number }[]): ShapePoint[] {
  const points: ShapePoint[] = [];
  for (const l of levels) points.push({ at: l.from, level: l.level }, { at: l.to, level: l.level });
  return points;
}
