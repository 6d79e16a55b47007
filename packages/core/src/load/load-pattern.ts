/**
 * A load pattern is a request rate over time, defined once and used by every engine: the builtin engine
 * turns it into an arrival schedule, the k6 engine into ramping-arrival-rate stages. Both read the same
 * segments, so both offer the same load.
 */

/** One straight piece of a rate curve: the rate goes linearly from fromRps to toRps over durationMs. */
export interface RateSegment {
  durationMs: number;
  fromRps: number;
  toRps: number;
}

/** The built-in shapes, which `loadPattern(name)` builds from a peak and a duration alone. */
export const PATTERN_NAMES = ['constant', 'ramp', 'step', 'spike', 'mixed'] as const;
export type BuiltinPatternName = (typeof PATTERN_NAMES)[number];

/** A recorded rate curve played back (`tracePattern`, from a file): a pattern name in files and snapshots, not a shape. */
export const TRACE_PATTERN = 'trace';

/** Every name a LoadPattern can have, and so every `--pattern` a load command takes. */
export const LOAD_PATTERN_NAMES = [...PATTERN_NAMES, TRACE_PATTERN] as const;
export type PatternName = (typeof LOAD_PATTERN_NAMES)[number];

export interface LoadPattern {
  readonly name: PatternName;
  readonly durationMs: number;
  readonly peakRps: number;
  /** The shape beyond peak and duration (levels, bursts…), stamped into results so a run says what load it had. */
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * The curve, in order, covering [0, durationMs]. A segment may start at a different rate than the previous
   * one ended: that is an instant jump (k6: a stage of duration 0). Rates are whole requests per second,
   * because k6's arrival-rate targets are integers and both engines must offer the same load.
   */
  readonly segments: readonly RateSegment[];
  /** The offered rate at tMs (0 outside [0, durationMs)); at a jump, the rate after it. */
  rate(tMs: number): number;
  /** Arrivals the pattern offers in [0, tMs]: the integral of the rate. */
  expected(tMs: number): number;
}

/** What every pattern is built from; the shape's own parameters have defaults that follow the recordings. */
export interface PatternOptions {
  durationMs: number;
  peakRps: number;
}
