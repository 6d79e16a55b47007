import { createHash } from 'node:crypto';
import { FRONT_END } from '../../experiments/analysis.js';
import { csvRecords, type CsvRecord } from '../../io/csv-records.js';
import { metricsCsvLayout, parseMetricsRow, parseTraceRow, SchemaError, TRACE_CSV_COLUMNS, traceCsvLayout, type TracePoint } from '../../schema.js';
import { TRACE_PATTERN, type LoadPattern, type RateSegment } from '../load-pattern.js';
import { PiecewiseLinearPattern } from './piecewise-linear.js';

/**
 * Trace-driven load: a recorded rate curve played back as a LoadPattern, so every engine (builtin, k6, the
 * lab) offers it exactly as it offers the built-in shapes.
 *
 * A trace file is either
 * - a rate trace, a CSV with the header `t_seconds,rps` (schema: TRACE_CSV_COLUMNS), one point per line, or
 * - a metrics recording (the 13-column CSV `collect` writes), whose front-end `request_rate_rps` over its
 *   timestamps is the shape. Every row is validated as the metrics reader validates it; rows of other
 *   services are not used. A front-end row without a rate (an empty or `nan` cell) is a gap: the curve runs
 *   straight from the rated row before it to the one after it, as it does across a missing poll; front-end
 *   rows without a rate before the first or after the last rated row are left out (the trace starts and
 *   ends where the recording measured a rate). No front-end row at all is an error.
 *
 * Either way time runs from the first point (t = 0 there), the rate is linear between points, and times must
 * strictly increase. Parsing is pure: the caller reads the file and passes its text and a name for errors.
 */
export type TraceFormat = 'rate-csv' | 'metrics-csv';

export interface Trace {
  /** The file as the user named it: in every error, and stamped into the pattern's params. */
  name: string;
  format: TraceFormat;
  /** sha256 of the file's text, so a run's stamp says which version of the file it played. */
  sha256: string;
  /** In time order, strictly increasing, the first at t = 0; at least two. */
  points: TracePoint[];
  /** Metrics recordings: front-end rows without a rate (bridged, or left out at the ends). */
  unratedRows: number;
}

/** A trace's own length in ms (first point to last). */
export const traceDurationMs = (t: Trace): number => t.points[t.points.length - 1].tSeconds * 1000;

export interface TracePatternOptions {
  /**
   * How long the pattern runs, in its own (wall) ms. Default: the trace's own length (÷ timeScale).
   * Shorter than that plays the trace's beginning and cuts the rest; longer stretches the trace's time
   * axis to fill it (a 10-minute trace over 20 minutes changes half as fast). It never repeats.
   */
  durationMs?: number;
  /**
   * Scales every rate so the highest rate of the part played is this many rps. Default: the trace's own
   * rates. Either way rates are rounded to whole rps, as every pattern's are (k6's arrival rates are integers).
   */
  peakRps?: number;
  /** Trace time runs this many times faster than the pattern's (experiment run's --time-scale); default 1. */
  timeScale?: number;
}

const ms = (s: number) => s * 1000;

/** Reads a trace file's text and turns it into a LoadPattern named 'trace'. */
export function tracePattern(text: string, name: string, o: TracePatternOptions = {}): LoadPattern {
  return traceLoadPattern(parseTrace(text, name), o);
}

/** Reads a trace file's text (either format) into points; every problem is a SchemaError naming file and line. */
export function parseTrace(text: string, name: string): Trace {
  const records = csvRecords(text, name);
  if (records.length === 0) throw new SchemaError('file is empty: no header row', `${name}:1`);
  const [header, ...rows] = records;
  const names = header.cells.map((c) => c.trim());
  const sha256 = createHash('sha256').update(text).digest('hex');
  if ((TRACE_CSV_COLUMNS as readonly string[]).some((c) => names.includes(c))) return { name, format: 'rate-csv', sha256, ...rateTrace(header, rows, name), unratedRows: 0 };
  if (!['timestamp', 'service', 'request_rate_rps'].some((c) => names.includes(c))) {
    throw new SchemaError(
      `not a trace: the header must be ${TRACE_CSV_COLUMNS.join(',')} (a rate trace) or a metrics recording's (timestamp, service, request_rate_rps, …); header has: ${names.join(', ')}`,
      `${name}:${header.line}`,
    );
  }
  return { name, format: 'metrics-csv', sha256, ...recordingTrace(header, rows, name) };
}

function checkWidth(r: CsvRecord, width: number, name: string): void {
  if (r.cells.length !== width) throw new SchemaError(`expected ${width} cells as in the header, got ${r.cells.length}`, `${name}:${r.line}`);
}

function atLeastTwo(points: readonly unknown[], lastLine: number, name: string, what: string): void {
  if (points.length < 2) throw new SchemaError(`a trace needs at least two points (${what}); this file has ${points.length}`, `${name}:${lastLine}`);
}

function rateTrace(header: CsvRecord, rows: CsvRecord[], name: string): { points: TracePoint[] } {
  const layout = traceCsvLayout(header.cells, `${name}:${header.line}`);
  const points: TracePoint[] = [];
  let previous: { t: number; line: number } | undefined;
  for (const r of rows) {
    const where = `${name}:${r.line}`;
    checkWidth(r, header.cells.length, name);
    const p = parseTraceRow(r.cells, layout, where);
    if (previous && !(p.tSeconds > previous.t)) {
      throw new SchemaError(`t_seconds ${p.tSeconds} is not after ${previous.t} (line ${previous.line}): times must strictly increase`, where);
    }
    previous = { t: p.tSeconds, line: r.line };
    points.push(p);
  }
  atLeastTwo(points, rows.at(-1)?.line ?? header.line, name, 'rows of t_seconds,rps');
  const t0 = points[0].tSeconds;
  return { points: points.map((p) => ({ tSeconds: p.tSeconds - t0, rps: p.rps })) };
}

function recordingTrace(header: CsvRecord, rows: CsvRecord[], name: string): { points: TracePoint[]; unratedRows: number } {
  const layout = metricsCsvLayout(header.cells, `${name}:${header.line}`);
  const rated: { timeMs: number; rps: number }[] = [];
  let frontEndRows = 0;
  let unratedRows = 0;
  const services = new Set<string>();
  let previous: { timeMs: number; timestamp: string; line: number } | undefined;
  let lastRatedLine = header.line;
  for (const r of rows) {
    const where = `${name}:${r.line}`;
    checkWidth(r, header.cells.length, name);
    const s = parseMetricsRow(r.cells, layout, where);
    services.add(s.service);
    if (s.service !== FRONT_END) continue;
    frontEndRows++;
    if (previous && !(s.timeMs > previous.timeMs)) {
      throw new SchemaError(
        `front-end row at ${s.timestamp} is not after the one at ${previous.timestamp} (line ${previous.line}): a recording's polls must be in time order, one front-end row each`,
        where,
      );
    }
    previous = { timeMs: s.timeMs, timestamp: s.timestamp, line: r.line };
    if (s.requestRateRps === null) {
      unratedRows++;
      continue;
    }
    rated.push({ timeMs: s.timeMs, rps: s.requestRateRps });
    lastRatedLine = r.line;
  }
  if (frontEndRows === 0) {
    throw new SchemaError(`no ${FRONT_END} rows: a recording's trace is the ${FRONT_END}'s request_rate_rps (services in the file: ${[...services].join(', ') || 'none'})`, `${name}:${header.line}`);
  }
  atLeastTwo(rated, lastRatedLine, name, `${FRONT_END} rows with a request_rate_rps`);
  const t0 = rated[0].timeMs;
  return { points: rated.map((p) => ({ tSeconds: (p.timeMs - t0) / 1000, rps: p.rps })), unratedRows };
}

/**
 * Plays a parsed trace as a LoadPattern named 'trace' (see TracePatternOptions for duration and peak). Its
 * params say what was played: the file, its hash, its points and length, how much of it, how stretched, and
 * how its rates were scaled.
 */
export function traceLoadPattern(trace: Trace, o: TracePatternOptions = {}): LoadPattern {
  const timeScale = o.timeScale ?? 1;
  if (!(timeScale > 0 && Number.isFinite(timeScale))) throw new Error(`the time scale must be a positive number, got ${timeScale}`);
  if (o.peakRps !== undefined && !(o.peakRps > 0 && Number.isFinite(o.peakRps))) throw new Error(`peak rate must be positive, got ${o.peakRps}`);
  const traceMs = traceDurationMs(trace);
  const ownMs = traceMs / timeScale;
  const durationMs = o.durationMs ?? Math.max(1, Math.round(ownMs));
  if (!(durationMs > 0 && Number.isFinite(durationMs))) throw new Error(`a load pattern needs a positive duration, got ${durationMs} ms`);

  // Shorter than the trace: play its beginning at its own pace. Longer: stretch time to fill the run.
  const cut = durationMs < ownMs;
  const playedTraceMs = cut ? durationMs * timeScale : traceMs;
  const patternMsPerTraceMs = durationMs / playedTraceMs;
  const played = playedPoints(trace.points, playedTraceMs);

  const traceMaxRps = played.reduce((m, p) => Math.max(m, p.rps), 0);
  if (o.peakRps !== undefined && !(traceMaxRps > 0)) throw new SchemaError(`every rate in the ${cut ? `first ${playedTraceMs / 1000} s` : 'trace'} is 0: there is no peak to scale`, trace.name);
  const rateScale = o.peakRps === undefined ? 1 : o.peakRps / traceMaxRps;
  const rates = played.map((p) => Math.round(p.rps * rateScale));
  const peakRps = rates.reduce((m, r) => Math.max(m, r), 0);
  if (peakRps === 0) throw new SchemaError(`every rate in the ${cut ? `first ${playedTraceMs / 1000} s` : 'trace'} rounds to 0 whole rps: scale it up with a peak rate`, trace.name);

  // Whole-ms boundaries (as the built-in shapes have); the last one is the run's end exactly.
  const at = played.map((p, i) => (i === played.length - 1 ? durationMs : Math.min(durationMs, Math.round(ms(p.tSeconds) * patternMsPerTraceMs))));
  const segments: RateSegment[] = [];
  for (let i = 1; i < played.length; i++) {
    const d = at[i] - at[i - 1];
    // Two points squeezed onto one ms are a jump if their rates differ, and nothing if not.
    if (d === 0 && rates[i - 1] === rates[i]) continue;
    segments.push({ durationMs: d, fromRps: rates[i - 1], toRps: rates[i] });
  }
  const params: Record<string, unknown> = {
    file: trace.name,
    format: trace.format,
    sha256: trace.sha256,
    points: trace.points.length,
    traceSeconds: traceMs / 1000,
    playedSeconds: playedTraceMs / 1000,
    timeStretch: patternMsPerTraceMs,
    traceMaxRps,
    rateScale,
  };
  if (trace.format === 'metrics-csv') params.unratedRows = trace.unratedRows;
  return new PiecewiseLinearPattern(TRACE_PATTERN, durationMs, peakRps, params, segments);
}

/** The points up to `untilMs` of trace time, with the rate there interpolated when it falls between two. */
function playedPoints(points: readonly TracePoint[], untilMs: number): TracePoint[] {
  const out: TracePoint[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (ms(p.tSeconds) < untilMs) {
      out.push(p);
      continue;
    }
    if (ms(p.tSeconds) === untilMs) out.push(p);
    else {
      const a = points[i - 1];
      const f = (untilMs - ms(a.tSeconds)) / (ms(p.tSeconds) - ms(a.tSeconds));
      out.push({ tSeconds: untilMs / 1000, rps: a.rps + f * (p.rps - a.rps) });
    }
    break;
  }
  return out;
}
