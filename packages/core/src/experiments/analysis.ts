/**
 * Proactive vs reactive (and each against static, when there are static runs): what the experiments
 * say, computed two ways.
 *
 * - The prototype's global numbers, kept so that old results can be reproduced: a (run, service) cell's
 *   violation rate is the share of ALL its snapshots with p95 > SLO (a no-data snapshot counts as not
 *   violating), a condition's rate is the mean over its cells, mean p95 is the mean over cells of each
 *   cell's mean non-missing p95, and significance is a Mann–Whitney U over the cell rates.
 * - Snapshot-level breakdowns (per condition, pattern and service) where the violation rate counts only
 *   snapshots with data, and the honest significance test: one value per run, since the services of a
 *   run share its load, its cluster and its controller and are not independent samples.
 *
 * Replica-seconds weight each snapshot by the time it stood for, measured from the run's timestamps
 * (durations.ts), not by an assumed 30 s: `experiment run` polls every 5 s when time-compressed, and the
 * older seed runs (ids ≥ 1000) polled every ~37 s.
 *
 * All rates here are fractions in [0, 1]; the CLI prints percent.
 */
import { DEFAULT_SNAPSHOT_SECONDS, snapshotDurations, type DurationWarning } from './durations.js';
import { CONDITIONS, type Condition, type ExperimentSnapshot } from './snapshot.js';
import { bootstrapMeanDifference, mannWhitneyU, mean, median, type BootstrapInterval, type MannWhitneyResult } from './statistics.js';

export const FRONT_END = 'front-end';

export interface ExperimentAnalysisOptions {
  sloMs: number;
  /**
   * Seconds a snapshot counts for when its run has no gap to measure (a single snapshot); otherwise a
   * snapshot of r replicas is r × its measured duration in replica-seconds (see snapshotDurations).
   */
  fallbackIntervalSeconds?: number;
  bootstrapResamples?: number;
  bootstrapSeed?: number;
}

/** Snapshot-level metrics of any group of (snapshot, service) observations. */
export interface GroupMetrics {
  /** (snapshot, service) observations. */
  observations: number;
  /** Observations with a p95 (not the recorder's 0.0 = no data). */
  withData: number;
  violations: number;
  /** violations / withData; null without data. */
  violationRate: number | null;
  meanP95Ms: number | null;
  medianP95Ms: number | null;
  /** Σ replicas × the snapshot's duration over observations whose replica count is known. */
  replicaSeconds: number;
  /** Replica-count changes between consecutive known counts of a service within a run. */
  scalingActions: number;
}

/** One condition under the prototype's conventions, plus the snapshot-level view of the same data. */
export interface ConditionSummary {
  runs: number;
  cells: number;
  snapshots: number;
  /** Mean over (run, service) cells of the share of the cell's snapshots with p95 > SLO. */
  violationRate: number | null;
  /** Mean over cells of the cell's mean non-missing p95. */
  meanP95Ms: number | null;
  replicaSeconds: number;
  scalingActions: number;
  /** Snapshot-level metrics over all services (violation rate among snapshots with data). */
  pooled: GroupMetrics;
  /** The user-facing service on its own. */
  frontEnd: GroupMetrics | null;
}

export interface SignificanceTests {
  /** The prototype's test: (run, service) cells as samples; overstates significance. */
  cell: MannWhitneyResult | null;
  /** One value per run (the run's mean cell violation rate). */
  run: MannWhitneyResult | null;
}

/**
 * The pairs tested. Proactive vs reactive is the question the experiments were built for; static (the
 * replicas the run started with, never changed) is the baseline that says whether scaling helped at all.
 */
export const CONDITION_PAIRS = [
  ['proactive', 'reactive'],
  ['proactive', 'static'],
  ['reactive', 'static'],
] as const satisfies readonly (readonly [Condition, Condition])[];
export type PairKey = `${(typeof CONDITION_PAIRS)[number][0]}-vs-${(typeof CONDITION_PAIRS)[number][1]}`;
export const pairKey = (a: Condition, b: Condition) => `${a}-vs-${b}` as PairKey;

/** One condition against another: Δ and its tests are a − b. */
export interface PairComparison {
  a: Condition;
  b: Condition;
  /** Why there are no tests (a condition without runs in this scope); null when they ran. */
  reason: string | null;
  /** null exactly when `reason` is set. */
  mannWhitney: SignificanceTests | null;
  /** a − b mean run violation rate, percentile bootstrap resampling runs; null when `reason` is set. */
  bootstrap: BootstrapInterval | null;
}

export interface Comparison {
  conditions: Record<Condition, ConditionSummary | null>;
  /** Proactive vs reactive (the same numbers as pairs['proactive-vs-reactive'], kept where they always were). */
  mannWhitney: SignificanceTests;
  /** proactive − reactive mean run violation rate, percentile bootstrap resampling runs. */
  bootstrap: BootstrapInterval | null;
  /** Every pair of CONDITION_PAIRS, tested or with the reason it was not. */
  pairs: Record<PairKey, PairComparison>;
}

export interface RunSummary {
  condition: Condition;
  pattern: string;
  runId: number;
  snapshots: number;
  /** Median gap between the run's snapshots, s; null when there was none to measure. */
  medianIntervalSeconds: number | null;
  /** Mean of the run's cell violation rates (the prototype's definition of a cell). */
  violationRate: number;
  replicaSeconds: number;
  scalingActions: number;
}

export interface TimelinePoint {
  intervalIdx: number;
  /** Share of (run, service) observations with p95 > SLO among those with data at this interval. */
  violationRate: number | null;
  /** Mean over runs of the run's total replicas (all services) at this interval. */
  meanReplicas: number | null;
  runs: number;
}

/** One interval index of a (pattern, condition)'s runs, per service. */
export interface ServiceTimelinePoint {
  intervalIdx: number;
  /** Runs with a snapshot at this index. */
  runs: number;
  /** Per service, mean ready replicas over the runs that recorded them here; null when none did. */
  replicas: Record<string, number | null>;
  /** Per service, the share of runs with data (a p95) here whose p95 > SLO; null when none had data. */
  violating: Record<string, number | null>;
  /** Mean over runs of the run's total replicas (services with a count); null when no run had one. */
  totalReplicas: number | null;
  /** Share of (run, service) observations with p95 > SLO among those with data; null without data. */
  violatingShare: number | null;
}

/**
 * The runs of one pattern under one condition, averaged by interval index, service by service: what the
 * report's per-condition panels draw. Split by pattern because runs of different patterns at one index
 * saw different load.
 */
export interface ConditionTimeline {
  pattern: string;
  condition: Condition;
  runs: number;
  /** Every service seen, the front-end first, then by name. */
  services: string[];
  points: ServiceTimelinePoint[];
}

/** A snapshot (or a whole run) whose duration could not be measured from the timestamps. */
export interface RunDurationWarning extends DurationWarning {
  condition: Condition;
  pattern: string;
  runId: number;
}

export interface ExperimentAnalysis {
  sloMs: number;
  fallbackIntervalSeconds: number;
  counts: { runs: number; cells: number; snapshots: number; settleDropped: number };
  global: Comparison;
  patterns: Record<string, Comparison>;
  /** Snapshot-level metrics per service and condition, over all patterns. */
  services: Record<string, Record<Condition, GroupMetrics | null>>;
  /** The same per pattern: patternServices[pattern][service][condition]. */
  patternServices: Record<string, Record<string, Record<Condition, GroupMetrics | null>>>;
  timeline: Record<Condition, TimelinePoint[]>;
  /** Per pattern and condition (patterns by name, conditions in CONDITIONS order), per service. */
  conditionTimelines: ConditionTimeline[];
  runs: RunSummary[];
  /** Where replica-seconds used the run's median gap or the fallback instead of a measured gap. */
  durationWarnings: RunDurationWarning[];
}

/** All snapshots of one run, in interval order (settle polls already dropped). */
interface Run {
  condition: Condition;
  pattern: string;
  runId: number;
  snapshots: ExperimentSnapshot[];
  /** Seconds each snapshot stands for, aligned with `snapshots`. */
  seconds: number[];
  medianGapSeconds: number | null;
  durationWarnings: DurationWarning[];
}

interface Cell {
  run: Run;
  service: string;
  violationRate: number;
  meanP95Ms: number | null;
}

/** Observations of one service through one run, in order; the unit every metric is built from. */
interface Track {
  run: Run;
  service: string;
  p95: (number | null)[];
  replicas: (number | null)[];
  /** The duration of the snapshot each observation comes from. */
  seconds: number[];
}

const byKey = <T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> => {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
};

/**
 * Groups snapshots into runs by (condition, pattern, run id): run ids repeat across conditions. Each
 * snapshot's duration is measured after settle polls are dropped, so the last polled-under-load
 * snapshot gets the run's median gap rather than the gap into the cool-down.
 */
export function groupRuns(snapshots: readonly ExperimentSnapshot[], fallbackIntervalSeconds = DEFAULT_SNAPSHOT_SECONDS): { runs: Run[]; settleDropped: number } {
  // Polls after the load ended measure the cool-down, not the controller under load.
  const kept = snapshots.filter((s) => s.phase !== 'settle');
  const runs = [...byKey(kept, (s) => `${s.condition}\u0000${s.pattern}\u0000${s.runId}`).values()].map((list): Run => {
    const sorted = [...list].sort((a, b) => a.intervalIdx - b.intervalIdx);
    const d = snapshotDurations(
      sorted.map((s) => Date.parse(s.timestamp)),
      sorted.map((s) => s.intervalIdx),
      fallbackIntervalSeconds,
    );
    return { condition: list[0].condition, pattern: list[0].pattern, runId: list[0].runId, snapshots: sorted, seconds: d.seconds, medianGapSeconds: d.medianGapSeconds, durationWarnings: d.warnings };
  });
  runs.sort((a, b) => a.condition.localeCompare(b.condition) || a.pattern.localeCompare(b.pattern) || a.runId - b.runId);
  return { runs, settleDropped: snapshots.length - kept.length };
}

function tracksOf(run: Run): Track[] {
  const services = [...new Set(run.snapshots.flatMap((s) => Object.keys(s.services)))];
  return services.map((service) => {
    const present = run.snapshots.map((s, i) => [s, run.seconds[i]] as const).filter(([s]) => s.services[service] !== undefined);
    return {
      run,
      service,
      p95: present.map(([s]) => s.services[service].p95Ms),
      replicas: present.map(([s]) => s.services[service].replicas),
      seconds: present.map(([, sec]) => sec),
    };
  });
}

function scalingActions(replicas: readonly (number | null)[]): number {
  // A missing count (API error) is skipped, not a change: 2, ?, 2 is no action; 2, ?, 3 is one.
  let last: number | null = null;
  let n = 0;
  for (const r of replicas) {
    if (r === null) continue;
    if (last !== null && r !== last) n++;
    last = r;
  }
  return n;
}

function groupMetrics(tracks: readonly Track[], sloMs: number): GroupMetrics | null {
  if (tracks.length === 0) return null;
  const p95s: number[] = [];
  let observations = 0;
  let replicaSeconds = 0;
  let actions = 0;
  for (const t of tracks) {
    observations += t.p95.length;
    for (const p of t.p95) if (p !== null) p95s.push(p);
    t.replicas.forEach((r, i) => {
      if (r !== null) replicaSeconds += r * t.seconds[i];
    });
    actions += scalingActions(t.replicas);
  }
  const violations = p95s.filter((p) => p > sloMs).length;
  return {
    observations,
    withData: p95s.length,
    violations,
    violationRate: p95s.length ? violations / p95s.length : null,
    meanP95Ms: mean(p95s),
    medianP95Ms: median(p95s),
    replicaSeconds,
    scalingActions: actions,
  };
}

function cellOf(t: Track, sloMs: number): Cell {
  // The prototype's cell: a no-data snapshot stays in the denominator and counts as not violating.
  const violations = t.p95.filter((p) => p !== null && p > sloMs).length;
  return { run: t.run, service: t.service, violationRate: t.p95.length ? violations / t.p95.length : 0, meanP95Ms: mean(t.p95.filter((p): p is number => p !== null)) };
}

function runValue(cells: readonly Cell[]): number {
  return mean(cells.map((c) => c.violationRate)) ?? 0;
}

function compare(runs: readonly Run[], opts: Required<ExperimentAnalysisOptions>): Comparison {
  const conditions = {} as Comparison['conditions'];
  const cellRates = {} as Record<Condition, number[]>;
  const runRates = {} as Record<Condition, number[]>;
  for (const c of CONDITIONS) {
    const rs = runs.filter((r) => r.condition === c);
    const tracks = rs.flatMap(tracksOf);
    const cells = tracks.map((t) => cellOf(t, opts.sloMs));
    cellRates[c] = cells.map((x) => x.violationRate);
    runRates[c] = [...byKey(cells, (x) => `${x.run.pattern}\u0000${x.run.runId}`).values()].map(runValue);
    const pooled = groupMetrics(tracks, opts.sloMs);
    conditions[c] =
      rs.length === 0 || !pooled
        ? null
        : {
            runs: rs.length,
            cells: cells.length,
            snapshots: rs.reduce((s, r) => s + r.snapshots.length, 0),
            violationRate: mean(cellRates[c]),
            meanP95Ms: mean(cells.map((x) => x.meanP95Ms).filter((m): m is number => m !== null)),
            replicaSeconds: pooled.replicaSeconds,
            scalingActions: pooled.scalingActions,
            pooled,
            frontEnd: groupMetrics(
              tracks.filter((t) => t.service === FRONT_END),
              opts.sloMs,
            ),
          };
  }
  const pair = (a: Condition, b: Condition): PairComparison => {
    const missing = [a, b].filter((c) => conditions[c] === null);
    if (missing.length) return { a, b, reason: `no ${missing.join(' or ')} runs`, mannWhitney: null, bootstrap: null };
    return {
      a,
      b,
      reason: null,
      mannWhitney: { cell: mannWhitneyU(cellRates[a], cellRates[b]), run: mannWhitneyU(runRates[a], runRates[b]) },
      bootstrap: bootstrapMeanDifference(runRates[a], runRates[b], { resamples: opts.bootstrapResamples, seed: opts.bootstrapSeed }),
    };
  };
  const pairs = Object.fromEntries(CONDITION_PAIRS.map(([a, b]) => [pairKey(a, b), pair(a, b)])) as Record<PairKey, PairComparison>;
  const main = pairs['proactive-vs-reactive'];
  return { conditions, mannWhitney: main.mannWhitney ?? { cell: null, run: null }, bootstrap: main.bootstrap, pairs };
}

function perService(runs: readonly Run[], opts: Required<ExperimentAnalysisOptions>): Record<string, Record<Condition, GroupMetrics | null>> {
  const tracks = runs.flatMap(tracksOf);
  const services = [...new Set(tracks.map((t) => t.service))].sort((a, b) => (a === FRONT_END ? -1 : b === FRONT_END ? 1 : a.localeCompare(b)));
  return Object.fromEntries(
    services.map((s) => [
      s,
      Object.fromEntries(CONDITIONS.map((c) => [c, groupMetrics(tracks.filter((t) => t.service === s && t.run.condition === c), opts.sloMs)])) as Record<Condition, GroupMetrics | null>,
    ]),
  );
}

function timeline(runs: readonly Run[], sloMs: number): TimelinePoint[] {
  const byIdx = new Map<number, { withData: number; violations: number; totals: number[] }>();
  for (const run of runs) {
    for (const s of run.snapshots) {
      let point = byIdx.get(s.intervalIdx);
      if (!point) byIdx.set(s.intervalIdx, (point = { withData: 0, violations: 0, totals: [] }));
      let total = 0;
      let known = false;
      for (const svc of Object.values(s.services)) {
        if (svc.p95Ms !== null) {
          point.withData++;
          if (svc.p95Ms > sloMs) point.violations++;
        }
        if (svc.replicas !== null) {
          total += svc.replicas;
          known = true;
        }
      }
      if (known) point.totals.push(total);
    }
  }
  return [...byIdx.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([intervalIdx, p]) => ({ intervalIdx, violationRate: p.withData ? p.violations / p.withData : null, meanReplicas: mean(p.totals), runs: p.totals.length }));
}

function conditionTimeline(pattern: string, condition: Condition, runs: readonly Run[], sloMs: number): ConditionTimeline {
  const names = new Set<string>();
  for (const run of runs) for (const s of run.snapshots) for (const name of Object.keys(s.services)) names.add(name);
  const services = [...names].sort((a, b) => (a === FRONT_END ? -1 : b === FRONT_END ? 1 : a.localeCompare(b)));
  const byIdx = new Map<number, ExperimentSnapshot[]>();
  for (const run of runs) {
    for (const s of run.snapshots) {
      const list = byIdx.get(s.intervalIdx);
      if (list) list.push(s);
      else byIdx.set(s.intervalIdx, [s]);
    }
  }
  const points = [...byIdx.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([intervalIdx, snaps]): ServiceTimelinePoint => {
      const replicas: Record<string, number | null> = {};
      const violating: Record<string, number | null> = {};
      let withData = 0;
      let violations = 0;
      for (const name of services) {
        const seen = snaps.map((s) => s.services[name]).filter((v) => v !== undefined);
        replicas[name] = mean(seen.flatMap((v) => (v.replicas === null ? [] : [v.replicas])));
        const p95s = seen.flatMap((v) => (v.p95Ms === null ? [] : [v.p95Ms]));
        const over = p95s.filter((p) => p > sloMs).length;
        violating[name] = p95s.length ? over / p95s.length : null;
        withData += p95s.length;
        violations += over;
      }
      const totals = snaps.flatMap((s) => {
        const known = Object.values(s.services).flatMap((v) => (v.replicas === null ? [] : [v.replicas]));
        return known.length ? [known.reduce((x, y) => x + y, 0)] : [];
      });
      return { intervalIdx, runs: snaps.length, replicas, violating, totalReplicas: mean(totals), violatingShare: withData ? violations / withData : null };
    });
  return { pattern, condition, runs: runs.length, services, points };
}

/** The whole analysis of a set of snapshots (already selected by file; settle polls are dropped here). */
export function analyzeExperiments(snapshots: readonly ExperimentSnapshot[], options: ExperimentAnalysisOptions): ExperimentAnalysis {
  const opts: Required<ExperimentAnalysisOptions> = { fallbackIntervalSeconds: DEFAULT_SNAPSHOT_SECONDS, bootstrapResamples: 10_000, bootstrapSeed: 20260413, ...options };
  const { runs, settleDropped } = groupRuns(snapshots, opts.fallbackIntervalSeconds);
  const patterns = [...new Set(runs.map((r) => r.pattern))].sort();
  const runSummaries = runs.map((run): RunSummary => {
    const tracks = tracksOf(run);
    const g = groupMetrics(tracks, opts.sloMs)!;
    return {
      condition: run.condition,
      pattern: run.pattern,
      runId: run.runId,
      snapshots: run.snapshots.length,
      medianIntervalSeconds: run.medianGapSeconds,
      violationRate: runValue(tracks.map((t) => cellOf(t, opts.sloMs))),
      replicaSeconds: g?.replicaSeconds ?? 0,
      scalingActions: g?.scalingActions ?? 0,
    };
  });
  return {
    sloMs: opts.sloMs,
    fallbackIntervalSeconds: opts.fallbackIntervalSeconds,
    counts: {
      runs: runs.length,
      cells: runs.reduce((s, r) => s + tracksOf(r).length, 0),
      snapshots: runs.reduce((s, r) => s + r.snapshots.length, 0),
      settleDropped,
    },
    global: compare(runs, opts),
    patterns: Object.fromEntries(patterns.map((p) => [p, compare(runs.filter((r) => r.pattern === p), opts)])),
    services: perService(runs, opts),
    patternServices: Object.fromEntries(patterns.map((p) => [p, perService(runs.filter((r) => r.pattern === p), opts)])),
    timeline: Object.fromEntries(CONDITIONS.map((c) => [c, timeline(runs.filter((r) => r.condition === c), opts.sloMs)])) as Record<Condition, TimelinePoint[]>,
    conditionTimelines: patterns.flatMap((p) =>
      CONDITIONS.flatMap((c) => {
        const these = runs.filter((r) => r.pattern === p && r.condition === c);
        return these.length ? [conditionTimeline(p, c, these, opts.sloMs)] : [];
      }),
    ),
    runs: runSummaries,
    durationWarnings: runs.flatMap((r) => r.durationWarnings.map((w) => ({ condition: r.condition, pattern: r.pattern, runId: r.runId, ...w }))),
  };
}
