import type { LoadRunSummary } from './run-recorder.js';

/** What a load run must meet to pass, as k6's thresholds: its exit code says whether it did. */
export interface LoadThresholds {
  /** Most errors (error responses and requests without one), % of the requests that ended. */
  maxErrorRatePct: number;
  /** p95 of the responses must be at most this (ms); null: no latency threshold. */
  sloMs: number | null;
}

export interface ThresholdVerdict {
  /** Errors as % of the requests that ended on their own; null when none did. */
  errorRatePct: number | null;
  p95Ms: number | null;
  /** p95 ≤ SLO; null without responses (or without an SLO). */
  sloMet: boolean | null;
  passed: boolean;
  /** One phrase per failed threshold, for the one-line message. */
  failures: string[];
}

/**
 * Judges a run. Requests the engine aborted itself (ABORTED, at Ctrl-C) are neither counted nor held
 * against the target. A run without any response has no p95 to judge; if it sent requests, they all
 * failed and the error threshold says so.
 */
export function checkThresholds(s: LoadRunSummary, t: LoadThresholds): ThresholdVerdict {
  const ended = s.completed + s.transportErrors;
  const own = s.errors - s.abandoned;
  const errorRatePct = ended > 0 ? (100 * own) / ended : null;
  const p95Ms = Number.isFinite(s.latency.p95Ms) ? s.latency.p95Ms : null;
  const sloMet = p95Ms === null || t.sloMs === null ? null : p95Ms <= t.sloMs;
  const failures: string[] = [];
  if (errorRatePct !== null && errorRatePct > t.maxErrorRatePct) failures.push(`errors ${errorRatePct.toFixed(2)} % > --max-error-rate ${t.maxErrorRatePct} %`);
  if (sloMet === false) failures.push(`p95 ${p95Ms!.toFixed(2)} ms > --slo ${t.sloMs} ms`);
  return { errorRatePct, p95Ms, sloMet, passed: failures.length === 0, failures };
}
