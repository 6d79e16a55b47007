import { LatencyHistogram } from './latency-histogram.js';

/** How a request ended: an HTTP status, or a transport error (refused, reset, timeout…) by its code. */
export type RequestOutcome = { status: number } | { error: string };

/** One second of a run, by the time things happened in it (arrivals by their due time, completions by when they ended). */
export interface TimelineRow {
  second: number;
  /** Arrivals the pattern offered (open model: scheduled; closed model: the pattern's integral over the second). */
  offered: number;
  started: number;
  dropped: number;
  /** Responses that ended in this second, with any status: the achieved rate. */
  completed: number;
  /** Error responses (status ≥ 400) and requests that got no response. */
  errors: number;
  /** Requests that ended in this second without a response (refused, reset, timed out): errors, not responses. */
  transportErrors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Requests in flight when the engine last looked in this second. */
  inFlight: number;
}

export interface LoadRunSummary {
  /** The window load was offered in: the pattern's duration, or less when stopped early. */
  windowMs: number;
  offered: number;
  started: number;
  dropped: number;
  /** Responses that ended within the window (the achieved rate's numerator). */
  completedInWindow: number;
  /** All responses, also those that ended in the drain after the window. */
  completed: number;
  /** Requests that got no response (refused, reset, timed out): counted in errors, never as responses. */
  transportErrors: number;
  /** Still running when the engine gave up waiting (aborted, counted as errors 'ABORTED'). */
  abandoned: number;
  offeredRps: number;
  achievedRps: number;
  /** achieved / offered: 1 when the engine and the target kept up. */
  achievedRatio: number;
  errors: number;
  /** Responses by status code, and transport errors by code. */
  statuses: Record<string, number>;
  latency: ReturnType<LatencyHistogram['stats']>;
  /** How late requests started after their due time (open model): the engine's own lag, not the target's. */
  startLag: ReturnType<LatencyHistogram['stats']>;
}

interface Second {
  offered: number;
  started: number;
  dropped: number;
  completed: number;
  errors: number;
  transportErrors: number;
  inFlight: number;
  latency: LatencyHistogram;
}

/**
 * Counts a load run's events into per-second timeline rows and a summary. Pure: every event carries its
 * time (ms from the run's start); the engine owns the clock. A second is closed (its row handed out by
 * flush) once the clock is a full second past its end, so its histogram is freed during long runs.
 */
export class RunRecorder {
  private readonly open = new Map<number, Second>();
  private closedBefore = 0;
  private readonly total = { offered: 0, started: 0, dropped: 0, completed: 0, completedInWindow: 0, transportErrors: 0, errors: 0, abandoned: 0 };
  private readonly statuses: Record<string, number> = {};
  private readonly latency = new LatencyHistogram();
  private readonly lag = new LatencyHistogram();

  constructor(private readonly windowMs: number) {}

  offered(tMs: number, n = 1): void {
    this.total.offered += n;
    const s = this.second(tMs);
    if (s) s.offered += n;
  }

  started(tMs: number, lagMs = 0): void {
    this.total.started++;
    this.lag.record(lagMs);
    const s = this.second(tMs);
    if (s) s.started++;
  }

  dropped(tMs: number, n = 1): void {
    this.total.dropped += n;
    const s = this.second(tMs);
    if (s) s.dropped += n;
  }

  /**
   * A request ended. With a status it is a response (achieved, its latency recorded; an error when ≥ 400);
   * without one (refused, reset, timed out) it is an error and nothing else: a refused connection answers
   * in a millisecond, and counting it as a response would report a dead target as fast and keeping up.
   */
  completed(tMs: number, latencyMs: number, outcome: RequestOutcome): void {
    const key = 'status' in outcome ? String(outcome.status) : outcome.error;
    this.statuses[key] = (this.statuses[key] ?? 0) + 1;
    const s = this.second(tMs);
    this.total.errors++;
    if (s) s.errors++;
    if ('error' in outcome) {
      this.total.transportErrors++;
      if (s) s.transportErrors++;
      return;
    }
    if (outcome.status < 400) {
      this.total.errors--;
      if (s) s.errors--;
    }
    this.total.completed++;
    this.latency.record(latencyMs);
    if (tMs < this.windowMs) this.total.completedInWindow++;
    if (s) {
      s.completed++;
      s.latency.record(latencyMs);
    }
  }

  /** A request the engine gave up on at the end: an error, but no latency (it has none). */
  abandoned(): void {
    this.total.abandoned++;
    this.total.errors++;
    this.statuses.ABORTED = (this.statuses.ABORTED ?? 0) + 1;
  }

  /** Notes the in-flight count at tMs (the last note of a second is its row's value). */
  inFlight(tMs: number, n: number): void {
    const s = this.second(tMs);
    if (s) s.inFlight = n;
  }

  /** Rows of the seconds that can no longer change at clock nowMs, in order. */
  flush(nowMs: number): TimelineRow[] {
    return this.closeBefore(Math.min(Math.floor(nowMs / 1000) - 1, this.seconds()));
  }

  /** The remaining rows and the summary; windowMs shortens the window when the run was stopped early. */
  finish(windowMs = this.windowMs): { rows: TimelineRow[]; summary: LoadRunSummary } {
    const rows = this.closeBefore(Math.min(Math.ceil(windowMs / 1000), this.seconds()));
    const t = this.total;
    const seconds = windowMs / 1000;
    const offeredRps = t.offered / seconds;
    const achievedRps = t.completedInWindow / seconds;
    return {
      rows,
      summary: {
        windowMs,
        ...t,
        offeredRps,
        achievedRps,
        achievedRatio: t.offered > 0 ? t.completedInWindow / t.offered : NaN,
        statuses: { ...this.statuses },
        latency: this.latency.stats(),
        startLag: this.lag.stats(),
      },
    };
  }

  private seconds(): number {
    return Math.ceil(this.windowMs / 1000);
  }

  private second(tMs: number): Second | undefined {
    const k = Math.floor(tMs / 1000);
    if (k < this.closedBefore || k >= this.seconds() || k < 0) return undefined;
    let s = this.open.get(k);
    if (!s) {
      s = { offered: 0, started: 0, dropped: 0, completed: 0, errors: 0, transportErrors: 0, inFlight: 0, latency: new LatencyHistogram() };
      this.open.set(k, s);
    }
    return s;
  }

  private closeBefore(end: number): TimelineRow[] {
    const rows: TimelineRow[] = [];
    for (let k = this.closedBefore; k < end; k++) {
      const s = this.open.get(k);
      this.open.delete(k);
      rows.push({
        second: k,
        offered: s?.offered ?? 0,
        started: s?.started ?? 0,
        dropped: s?.dropped ?? 0,
        completed: s?.completed ?? 0,
        errors: s?.errors ?? 0,
        transportErrors: s?.transportErrors ?? 0,
        p50Ms: s ? s.latency.quantile(0.5) : NaN,
        p95Ms: s ? s.latency.quantile(0.95) : NaN,
        p99Ms: s ? s.latency.quantile(0.99) : NaN,
        inFlight: s?.inFlight ?? 0,
      });
    }
    this.closedBefore = Math.max(this.closedBefore, end);
    return rows;
  }
}
