import type { Condition, ExperimentSnapshot } from '../experiments/snapshot.js';
import { mannWhitneyU, mean, wilcoxonSignedRank, type MannWhitneyResult, type WilcoxonResult } from '../experiments/statistics.js';

/** One condition's runs in one lab experiment (one pattern). */
export interface LabConditionSummary {
  runs: number;
  /** (service, interval) snapshots with p95 > SLO, per run, mean over runs. */
  violatingSnapshotsPerRun: number;
  /** The same, as a share of the snapshots with a p95 (services with requests). */
  violationRate: number;
  /** Σ replicas × interval over services and snapshots, per run, mean over runs. */
  replicaSecondsPerRun: number;
  /** Per run, by run id: what the tests use. */
  perRun: { runId: number; violating: number; replicaSeconds: number }[];
}

/** One condition against a baseline condition, over the runs both have. */
export interface LabComparison {
  condition: Condition;
  baseline: Condition;
  /** violating snapshots per run, condition ÷ baseline (null when the baseline has none). */
  violationRatio: number | null;
  replicaSecondsRatio: number | null;
  /** Run-level violating counts: Mann–Whitney U, as independent groups. */
  mannWhitney: MannWhitneyResult | null;
  /** Paired by run id (the same arrivals): Wilcoxon signed-rank on condition − baseline. */
  wilcoxon: WilcoxonResult | null;
  /** Paired replica-seconds differences, condition − baseline, Wilcoxon. */
  replicaSecondsWilcoxon: WilcoxonResult | null;
}

export interface LabSummary {
  sloMs: number;
  conditions: Partial<Record<Condition, LabConditionSummary>>;
  comparisons: LabComparison[];
}

/**
 * The numbers the closed-loop issue asks about, from a lab run's snapshots (one pattern): violating
 * (service, interval) snapshots and replica-seconds per run, each condition against the reactive
 * baseline and against static. Replica-seconds count each snapshot's ready replicas for its interval
 * (the lab's intervals are exact; `experiment analyze` measures them from timestamps and agrees).
 * With warmupIntervals, the first intervals of every run are left out of both counts: every run starts
 * cold, one replica per service, and until a controller's first replicas are ready every condition runs
 * the same, so those intervals add the same violations to every condition and say nothing about any.
 */
export function summarizeLab(snapshots: readonly ExperimentSnapshot[], o: { sloMs: number; intervalSeconds: number; warmupIntervals?: number }): LabSummary {
  const warmup = o.warmupIntervals ?? 0;
  if (!(Number.isInteger(warmup) && warmup >= 0)) throw new Error(`summarizeLab: warmupIntervals must be a whole number ≥ 0, got ${warmup}`);
  const runs = new Map<string, { condition: Condition; runId: number; violating: number; withP95: number; replicaSeconds: number }>();
  for (const s of snapshots) {
    // A warm-up's intervals count for nothing, violations and replica-seconds alike.
    if (s.intervalIdx < warmup) continue;
    const key = `${s.condition}#${s.runId}`;
    const r = runs.get(key) ?? { condition: s.condition, runId: s.runId, violating: 0, withP95: 0, replicaSeconds: 0 };
    for (const v of Object.values(s.services)) {
      if (v.p95Ms !== null) {
        r.withP95++;
        if (v.p95Ms > o.sloMs) r.violating++;
      }
      r.replicaSeconds += (v.replicas ?? 0) * o.intervalSeconds;
    }
    runs.set(key, r);
  }
  const conditions: Partial<Record<Condition, LabConditionSummary>> = {};
  for (const r of [...runs.values()].sort((a, b) => a.runId - b.runId)) {
    const c = (conditions[r.condition] ??= { runs: 0, violatingSnapshotsPerRun: 0, violationRate: 0, replicaSecondsPerRun: 0, perRun: [] });
    c.perRun.push({ runId: r.runId, violating: r.violating, replicaSeconds: r.replicaSeconds });
  }
  for (const [cond, c] of Object.entries(conditions) as [Condition, LabConditionSummary][]) {
    c.runs = c.perRun.length;
    c.violatingSnapshotsPerRun = mean(c.perRun.map((r) => r.violating))!;
    c.replicaSecondsPerRun = mean(c.perRun.map((r) => r.replicaSeconds))!;
    const withP95 = [...runs.values()].filter((r) => r.condition === cond).reduce((n, r) => n + r.withP95, 0);
    c.violationRate = withP95 > 0 ? c.perRun.reduce((n, r) => n + r.violating, 0) / withP95 : 0;
  }
  const comparisons: LabComparison[] = [];
  for (const [condition, baseline] of [
    ['proactive', 'reactive'],
    ['proactive', 'static'],
    ['reactive', 'static'],
  ] as const) {
    const a = conditions[condition];
    const b = conditions[baseline];
    if (!a || !b) continue;
    const paired = a.perRun.map((x) => [x, b.perRun.find((y) => y.runId === x.runId)] as const).filter((p) => p[1] !== undefined);
    comparisons.push({
      condition,
      baseline,
      violationRatio: b.violatingSnapshotsPerRun > 0 ? a.violatingSnapshotsPerRun / b.violatingSnapshotsPerRun : null,
      replicaSecondsRatio: b.replicaSecondsPerRun > 0 ? a.replicaSecondsPerRun / b.replicaSecondsPerRun : null,
      mannWhitney: mannWhitneyU(
        a.perRun.map((r) => r.violating),
        b.perRun.map((r) => r.violating),
      ),
      wilcoxon: wilcoxonSignedRank(paired.map(([x, y]) => x.violating - y!.violating)),
      replicaSecondsWilcoxon: wilcoxonSignedRank(paired.map(([x, y]) => x.replicaSeconds - y!.replicaSeconds)),
    });
  }
  return { sloMs: o.sloMs, conditions, comparisons };
}
