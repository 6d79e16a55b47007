/**
 * How long each snapshot of a run stands for, measured from the run's own timestamps, so that
 * replica-seconds mean the same thing for the seed experiments' 30 s polls, the older controller's
 * ~37 s polls and `experiment run`'s time-compressed 5 s polls.
 */
import { median } from './statistics.js';

/** What a snapshot counts for when its run gives nothing to measure (a single snapshot): the seed polls. */
export const DEFAULT_SNAPSHOT_SECONDS = 30;

/** A gap longer than this many times the run's median gap is not believed (see snapshotDurations). */
export const MAX_GAP_FACTOR = 3;

export type DurationWarningKind = 'single-snapshot' | 'no-positive-gap' | 'long-gap' | 'non-increasing';

export interface DurationWarning {
  kind: DurationWarningKind;
  /** interval_idx of the snapshot whose duration was not measured (null: the whole run). */
  intervalIdx: number | null;
  message: string;
}

export interface SnapshotDurations {
  /** Seconds each snapshot counts for, in the order given. */
  seconds: number[];
  /** Median of the run's positive gaps; null when there is none (then `fallbackSeconds` was used). */
  medianGapSeconds: number | null;
  warnings: DurationWarning[];
}

const s1 = (x: number) => `${+x.toFixed(1)} s`;

/**
 * Snapshot i of a run lasts until snapshot i + 1 (its replicas are what was paid for in between); the
 * last one lasts the run's median gap, since nothing marks its end.
 *
 * Guard: a gap above MAX_GAP_FACTOR × the median, or one that is zero or negative, counts as the median
 * and is reported. Why: such a gap is not a poll interval but a recorder that stalled, polls that were
 * lost, a run resumed later, a duplicated line or a clock change (the seed timestamps are local time
 * without a zone), and charging the last-seen replica count for all of it would book capacity nobody
 * observed — one stalled hour would outweigh the whole run. The median is what one ordinary poll is
 * worth in that run. Gaps shorter than the median are kept as measured: they are real, just early.
 * A factor of 3 still believes one lost poll (a 2× gap, during which the replicas really stood) and the
 * irregular polling the seed runs show (gaps from 0.2× to 1.9× their run's median), and catches stalls.
 *
 * Timestamps are in ms (Date.parse). A run with a single snapshot, or with no positive gap at all,
 * counts each snapshot as `fallbackSeconds` and says so.
 */
export function snapshotDurations(
  timestampsMs: readonly number[],
  intervalIdx: readonly number[] = timestampsMs.map((_, i) => i),
  fallbackSeconds = DEFAULT_SNAPSHOT_SECONDS,
): SnapshotDurations {
  const n = timestampsMs.length;
  if (n === 0) return { seconds: [], medianGapSeconds: null, warnings: [] };
  if (n === 1) {
    return {
      seconds: [fallbackSeconds],
      medianGapSeconds: null,
      warnings: [{ kind: 'single-snapshot', intervalIdx: null, message: `a single poll: no gap to measure, counted as ${s1(fallbackSeconds)}` }],
    };
  }
  const gaps = timestampsMs.slice(1).map((t, i) => (t - timestampsMs[i]) / 1000);
  const med = median(gaps.filter((g) => g > 0));
  if (med === null) {
    return {
      seconds: timestampsMs.map(() => fallbackSeconds),
      medianGapSeconds: null,
      warnings: [{ kind: 'no-positive-gap', intervalIdx: null, message: `no timestamp is later than the one before: every poll counted as ${s1(fallbackSeconds)}` }],
    };
  }
  const warnings: DurationWarning[] = [];
  const seconds = gaps.map((g, i) => {
    if (g <= 0) {
      warnings.push({ kind: 'non-increasing', intervalIdx: intervalIdx[i], message: `the next poll is ${s1(g)} later (not after this one): counted as the run's median gap ${s1(med)}` });
      return med;
    }
    if (g > MAX_GAP_FACTOR * med) {
      warnings.push({ kind: 'long-gap', intervalIdx: intervalIdx[i], message: `a gap of ${s1(g)} to the next poll is > ${MAX_GAP_FACTOR} × the run's median ${s1(med)}: counted as ${s1(med)}` });
      return med;
    }
    return g;
  });
  seconds.push(med);
  return { seconds, medianGapSeconds: med, warnings };
}
