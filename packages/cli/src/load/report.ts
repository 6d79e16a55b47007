import type { LoadRunSummary, ThresholdVerdict, TimelineRow } from '@sockml/core';
import type { LoadRunStamp } from './timeline-sink.js';
import { patternLabel } from './trace-flag.js';

const f = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const n = (v: number) => Math.round(v).toLocaleString('en');

/** The end-of-run summary a person reads: offered vs achieved, drops, latency, errors by status. */
export function renderLoadReport(stamp: LoadRunStamp, s: LoadRunSummary, stoppedBy: string, verdict?: ThresholdVerdict): string {
  const p = stamp.pattern;
  const lines = [
    `loadtest: ${patternLabel(p)} (peak ${p.peakRps} rps, ${f(p.durationMs / 1000, 0)} s) → ${stamp.target}, ${stamp.engine} engine, ${stamp.model} model${stoppedBy === 'signal' ? ' (stopped early)' : ''}`,
    `offered    ${n(s.offered)} requests, ${f(s.offeredRps, 2)} rps`,
    `achieved   ${n(s.completedInWindow)} responses in the window, ${f(s.achievedRps, 2)} rps (${f(s.achievedRatio * 100, 2)} % of offered)`,
    ...(s.transportErrors > 0 ? [`no answer  ${n(s.transportErrors)} requests got no response (refused, reset or timed out): errors, not responses`] : []),
    `dropped    ${n(s.dropped)} iterations${stamp.model === 'open' ? ` (in-flight cap ${stamp.maxInFlight})` : ''}`,
    `latency    p50 ${f(s.latency.p50Ms, 2)} ms  p90 ${f(s.latency.p90Ms, 2)}  p95 ${f(s.latency.p95Ms, 2)}  p99 ${f(s.latency.p99Ms, 2)}  max ${f(s.latency.maxMs, 2)}`,
  ];
  if (s.startLag.count > 0) lines.push(`start lag  p99 ${f(s.startLag.p99Ms, 2)} ms  max ${f(s.startLag.maxMs, 2)} ms (how late the engine sent requests)`);
  const statuses = Object.entries(s.statuses).sort(([a], [b]) => a.localeCompare(b));
  if (statuses.length > 0) lines.push(`statuses   ${statuses.map(([k, v]) => `${k}: ${n(v)}`).join('  ')}`);
  const ended = s.completed + s.transportErrors + s.abandoned;
  lines.push(`errors     ${n(s.errors)}${ended > 0 ? ` (${f((100 * s.errors) / ended, 2)} %)` : ''}`);
  if (stamp.sloMs !== null) lines.push(`SLO        p95 ≤ ${stamp.sloMs} ms: ${sloMet(s, stamp.sloMs) === null ? 'no responses' : sloMet(s, stamp.sloMs) ? 'met' : 'violated'}`);
  if (verdict) lines.push(`thresholds ${verdict.passed ? 'passed' : `FAILED: ${verdict.failures.join('; ')}`}`);
  return lines.join('\n');
}

export function sloMet(s: LoadRunSummary, sloMs: number): boolean | null {
  return Number.isFinite(s.latency.p95Ms) ? s.latency.p95Ms <= sloMs : null;
}

/** The live line on stderr, from the last closed second. */
export function progressLine(row: TimelineRow | undefined, elapsedMs: number, durationMs: number, inFlight: number): string {
  const head = `loadtest: ${f(elapsedMs / 1000, 0)}/${f(durationMs / 1000, 0)} s`;
  if (!row) return `${head}  in flight ${inFlight}`;
  return `${head}  offered ${f(row.offered, 0)}/s  achieved ${row.completed}/s  p95 ${f(row.p95Ms, 1)} ms  in flight ${inFlight}  dropped ${row.dropped}  errors ${row.errors}`;
}
