import { describe, expect, it } from 'vitest';
import { analyzeExperiments } from './analysis.js';
import type { Condition, ExperimentSnapshot, ServiceSnapshot } from './snapshot.js';

/** [replicas, p95] per service; null stands for the recorder's -1 / 0.0 (already parsed as missing). */
type Obs = Record<string, [number | null, number | null]>;
const snap = (condition: Condition, runId: number, intervalIdx: number, obs: Obs, extra: Partial<ExperimentSnapshot> = {}): ExperimentSnapshot => ({
  timestamp: '2026-04-13T07:25:39',
  runId,
  condition,
  pattern: 'step',
  intervalIdx,
  phase: null,
  services: Object.fromEntries(
    Object.entries(obs).map(([name, [replicas, p95Ms]]): [string, ServiceSnapshot] => [name, { replicas, p95Ms, p99Ms: null, cpuPct: 1, rps: null, sloViolated: null }]),
  ),
  ...extra,
});

/*
 * SLO 40 ms, one run per condition, front-end and carts, three polls (plus one settle poll, dropped):
 *
 *   proactive  idx0: fe 1 rep 50 ms, carts 1 rep 10 ms   reactive  idx0: fe 1 rep 60 ms, carts 1 rep 50 ms
 *              idx1: fe 2 rep 30 ms, carts ? rep  —                idx1: fe 1 rep 70 ms, carts 2 rep  —
 *              idx2: fe 2 rep 45 ms, carts 1 rep 20 ms             idx2: fe 3 rep 20 ms, carts 2 rep 30 ms
 */
const SNAPSHOTS: ExperimentSnapshot[] = [
  snap('proactive', 1, 2, { 'front-end': [2, 45], carts: [1, 20] }), // out of order on purpose
  snap('proactive', 1, 0, { 'front-end': [1, 50], carts: [1, 10] }),
  snap('proactive', 1, 1, { 'front-end': [2, 30], carts: [null, null] }),
  snap('proactive', 1, 3, { 'front-end': [5, 100], carts: [5, 100] }, { phase: 'settle' }),
  snap('reactive', 1, 0, { 'front-end': [1, 60], carts: [1, 50] }),
  snap('reactive', 1, 1, { 'front-end': [1, 70], carts: [2, null] }),
  snap('reactive', 1, 2, { 'front-end': [3, 20], carts: [2, 30] }),
];

describe('analyzeExperiments on a hand-made pair of runs', () => {
  const a = analyzeExperiments(SNAPSHOTS, { sloMs: 40, bootstrapResamples: 200 });
  const pro = a.global.conditions.proactive!;
  const re = a.global.conditions.reactive!;

  it('counts runs, cells and snapshots, dropping settle polls', () => {
    expect(a.counts).toEqual({ runs: 2, cells: 4, snapshots: 6, settleDropped: 1 });
    expect([pro.runs, pro.cells, pro.snapshots]).toEqual([1, 2, 3]);
  });

  it("follows the prototype's conventions for the global numbers", () => {
    // Proactive cells: fe 2/3 (50, 45 > 40), carts 0/3 (the no-data poll stays in the denominator) → mean 1/3.
    // Reactive cells: fe 2/3 (60, 70), carts 1/3 (50) → 1/2.
    expect(pro.violationRate).toBeCloseTo(1 / 3, 12);
    expect(re.violationRate).toBeCloseTo(1 / 2, 12);
    // Mean over cells of the mean non-missing p95: proactive ((50+30+45)/3 + (10+20)/2)/2 = (41.667 + 15)/2;
    // reactive ((60+70+20)/3 + (50+30)/2)/2 = (50 + 40)/2.
    expect(pro.meanP95Ms).toBeCloseTo((125 / 3 + 15) / 2, 10);
    expect(re.meanP95Ms).toBeCloseTo(45, 10);
    // Replica-seconds over known counts × 30 s: proactive (1+2+2) + (1+1) = 7 → 210; reactive (1+1+3) + (1+2+2) = 10 → 300.
    expect([pro.replicaSeconds, re.replicaSeconds]).toEqual([210, 300]);
    // Scaling actions: proactive fe 1→2→2 (1), carts 1→?→1 (0); reactive fe 1→1→3 (1), carts 1→2→2 (1).
    expect([pro.scalingActions, re.scalingActions]).toEqual([1, 2]);
  });

  it('gives snapshot-level metrics among snapshots with data, and the front-end separately', () => {
    // Proactive p95 with data: 50, 30, 45, 10, 20 → 2 of 5 violate; mean 31, median 30.
    expect(pro.pooled).toEqual({ observations: 6, withData: 5, violations: 2, violationRate: 0.4, meanP95Ms: 31, medianP95Ms: 30, replicaSeconds: 210, scalingActions: 1 });
    // Reactive: 60, 70, 20, 50, 30 → 3 of 5; mean 46, median 50.
    expect(re.pooled).toMatchObject({ withData: 5, violations: 3, violationRate: 0.6, meanP95Ms: 46, medianP95Ms: 50 });
    expect(pro.frontEnd).toMatchObject({ withData: 3, violations: 2, medianP95Ms: 45, replicaSeconds: 150, scalingActions: 1 });
    expect(pro.frontEnd!.violationRate).toBeCloseTo(2 / 3, 12);
    expect(a.services.carts.reactive).toMatchObject({ observations: 3, withData: 2, violations: 1, violationRate: 0.5, meanP95Ms: 40 });
    expect(Object.keys(a.services)).toEqual(['front-end', 'carts']); // the user-facing service first
    expect(a.patternServices.step.carts.reactive).toEqual(a.services.carts.reactive);
  });

  it('builds the timelines per interval', () => {
    // Proactive idx0: 1 of 2 violate, 2 replicas; idx1: only fe has data (30), carts' count unknown → 2; idx2: 1 of 2, 3.
    expect(a.timeline.proactive).toEqual([
      { intervalIdx: 0, violationRate: 0.5, meanReplicas: 2, runs: 1 },
      { intervalIdx: 1, violationRate: 0, meanReplicas: 2, runs: 1 },
      { intervalIdx: 2, violationRate: 0.5, meanReplicas: 3, runs: 1 },
    ]);
    expect(a.timeline.reactive.map((p) => [p.violationRate, p.meanReplicas])).toEqual([
      [1, 2],
      [1, 3],
      [0, 5],
    ]);
  });

  it('summarises each run and the pattern the same way as the whole', () => {
    expect(a.runs.map((r) => [r.condition, r.runId, r.snapshots, r.replicaSeconds, r.scalingActions])).toEqual([
      ['proactive', 1, 3, 210, 1],
      ['reactive', 1, 3, 300, 2],
    ]);
    expect(a.runs[0].violationRate).toBeCloseTo(1 / 3, 12);
    expect(a.patterns.step.conditions).toEqual(a.global.conditions);
  });

  it('runs the cell test on 2 + 2 cells and the run test on 1 + 1 runs', () => {
    expect([a.global.mannWhitney.cell!.n1, a.global.mannWhitney.cell!.n2]).toEqual([2, 2]);
    // One run each, no ties: exact, U = 0 and p = 2 · P(U ≥ 1) = 1.
    expect(a.global.mannWhitney.run).toMatchObject({ n1: 1, n2: 1, u: 0, p: 1, method: 'exact' });
    // A single run per group: every resample is the observed difference 1/3 − 1/2.
    expect(a.global.bootstrap!.low).toBeCloseTo(-1 / 6, 12);
    expect(a.global.bootstrap!.high).toBeCloseTo(-1 / 6, 12);
  });
});

describe('analyzeExperiments run identity', () => {
  it('keeps runs with the same id apart across conditions and patterns', () => {
    const obs: Obs = { 'front-end': [1, 50] };
    const a = analyzeExperiments(
      [snap('proactive', 1, 0, obs), snap('reactive', 1, 0, obs), snap('proactive', 1, 0, obs, { pattern: 'ramp' }), snap('proactive', 2, 0, obs)],
      { sloMs: 40, bootstrapResamples: 10 },
    );
    expect(a.counts.runs).toBe(4);
    expect(Object.keys(a.patterns)).toEqual(['ramp', 'step']);
    expect(a.patterns.ramp.conditions.reactive).toBeNull();
    expect(a.patterns.ramp.mannWhitney.run).toBeNull();
    expect(a.patterns.ramp.bootstrap).toBeNull();
  });
});
