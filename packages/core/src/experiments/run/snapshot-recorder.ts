/**
 * Writes the experiment snapshot lines of ../shared/data/seed-experiments (what `experiment analyze`
 * reads, see ../snapshot.ts) from per-interval observations. Pure: time and values are inputs.
 *
 * Schema conventions kept on purpose: p95_ms is 0.0 when the service had no requests in the interval
 * (the reader turns 0.0 back into "no data"), replicas is -1 when unknown, and slo_violated is
 * p95 > SLO (false when there was no data). Extra top-level fields, which the reader ignores, carry the
 * load generator's achieved rate and errors for the interval: `load: {offered_rps, achieved_rps,
 * errors, error_pct}`.
 */
export type RunCondition = 'proactive' | 'reactive' | 'static';
export const RUN_CONDITIONS: readonly RunCondition[] = ['proactive', 'reactive', 'static'];

export interface ServiceObservation {
  /** Ready replicas; null when unknown (written as -1). */
  replicas: number | null;
  /** p95 over the interval, ms; null when there were no requests (written as 0.0). */
  p95Ms: number | null;
  /** CPU utilisation, % of the ready replicas' CPU request; null when unknown (left out). */
  cpuPct: number | null;
}

export interface LoadObservation {
  /** Length of the interval the counts cover, ms. */
  intervalMs: number;
  /** Requests the pattern offered in the interval. */
  offered: number;
  /** Requests answered successfully (2xx/3xx) in the interval. */
  succeeded: number;
  /** Failed requests in the interval (HTTP errors, timeouts, dropped iterations). */
  errors: number;
}

export interface IntervalObservation {
  /** Wall-clock time of the poll. */
  at: Date;
  services: Record<string, ServiceObservation>;
  load: LoadObservation | null;
}

export interface SnapshotRunInfo {
  runId: number;
  condition: RunCondition;
  pattern: string;
  /** p95 SLO for slo_violated, ms. */
  sloMs: number;
}

const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits;

export function snapshotLine(run: SnapshotRunInfo, intervalIdx: number, o: IntervalObservation): string {
  if (!Number.isInteger(intervalIdx) || intervalIdx < 0) throw new Error(`interval_idx must be a whole number ≥ 0, got ${intervalIdx}`);
  if (Object.keys(o.services).length === 0) throw new Error('a snapshot needs at least one service');
  const services: Record<string, Record<string, unknown>> = {};
  for (const [name, s] of Object.entries(o.services)) {
    const p95 = s.p95Ms !== null && Number.isFinite(s.p95Ms) && s.p95Ms > 0 ? s.p95Ms : null;
    const entry: Record<string, unknown> = {
      replicas: s.replicas !== null && Number.isInteger(s.replicas) && s.replicas >= 0 ? s.replicas : -1,
      p95_ms: p95 === null ? 0.0 : round(p95),
    };
    if (s.cpuPct !== null && Number.isFinite(s.cpuPct)) entry.cpu_pct = round(Math.max(0, s.cpuPct));
    entry.slo_violated = p95 !== null && p95 > run.sloMs;
    services[name] = entry;
  }
  const line: Record<string, unknown> = {
    timestamp: o.at.toISOString(),
    run_id: run.runId,
    condition: run.condition,
    pattern: run.pattern,
    interval_idx: intervalIdx,
    services,
  };
  if (o.load) {
    const { intervalMs, offered, succeeded, errors } = o.load;
    if (!(intervalMs > 0)) throw new Error(`load interval must be > 0 ms, got ${intervalMs}`);
    const total = succeeded + errors;
    line.load = {
      offered_rps: round((1000 * offered) / intervalMs, 3),
      achieved_rps: round((1000 * succeeded) / intervalMs, 3),
      errors,
      error_pct: total > 0 ? round((100 * errors) / total, 3) : 0,
    };
  }
  return JSON.stringify(line);
}

/** Numbers the lines of one run from 0, in order. */
export class SnapshotRecorder {
  private next = 0;
  constructor(readonly run: SnapshotRunInfo) {
    if (!(run.sloMs > 0)) throw new Error(`SLO must be > 0 ms, got ${run.sloMs}`);
  }
  record(o: IntervalObservation): string {
    return snapshotLine(this.run, this.next++, o);
  }
  get lines(): number {
    return this.next;
  }
}
