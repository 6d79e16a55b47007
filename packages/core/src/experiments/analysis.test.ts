import { describe, expect, it } from 'vitest';
import { analyzeExperiments } from './analysis.js';
import type { Condition, ExperimentSnapshot, ServiceSnapshot } from './snapshot.js';

/** [replicas, p95] per service; null stands for the recorder's -1 / 0.0 (already parsed as missing). */
type Obs = Record<string, [number | null, number | null]>;
/** A run's first poll; unless a test says otherwise, snapshot i comes i × 30 s later, as in the seed runs. */
const T0 = Date.parse('2026-04-13T07:25:39Z');
const iso = (secondsAfterT0: number) => new Date(T0 + secondsAfterT0 * 1000).toISOString();
const snap = (condition: Condition, runId: number, intervalIdx: number, obs: Obs, extra: Partial<ExperimentSnapshot> = {}): ExperimentSnapshot => ({
  timestamp: iso(intervalIdx * 30),
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
    expect(a.runs.map((r) => [r.condition, r.runId, r.snapshots, r.medianIntervalSeconds, r.replicaSeconds, r.scalingActions])).toEqual([
      ['proactive', 1, 3, 30, 210, 1],
      ['reactive', 1, 3, 30, 300, 2],
    ]);
    expect(a.durationWarnings).toEqual([]);
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

describe('replica-seconds from the measured snapshot durations', () => {
  /** One front-end-only run whose snapshot i is at secs[i] seconds with replicas[i] replicas. */
  const run = (condition: Condition, runId: number, secs: number[], replicas: (number | null)[]) =>
    secs.map((t, i) => snap(condition, runId, i, { 'front-end': [replicas[i], 20] }, { timestamp: iso(t) }));

  it.each<[string, number[], (number | null)[], number, number | null]>([
    // name, timestamps (s), replicas, expected replica-seconds (by hand), expected median gap
    ['30 s polls: 2+3+1 replicas × 30 s', [0, 30, 60], [2, 3, 1], 180, 30],
    ['5 s polls, same replicas: 1/6 of it', [0, 5, 10], [2, 3, 1], 30, 5],
    // gaps 30, 240, 30 → median 30; the 240 s stall counts as 30: (1 + 4 + 2 + 2) × 30
    ['a stall counts as the median gap', [0, 30, 270, 300], [1, 4, 2, 2], 270, 30],
    // gaps 10, 30 → 2×10 + 1×30, the last snapshot the median 20 s: + 3×20
    ['uneven gaps weight each snapshot by its own', [0, 10, 40], [2, 1, 3], 110, 20],
    // an unknown count (-1) adds nothing, but its duration is not given to its neighbours: 2×30 + 2×30
    ['an unknown replica count adds nothing', [0, 30, 60], [2, null, 2], 120, 30],
    ['a single snapshot counts 30 s', [0], [4], 120, null],
  ])('%s', (_name, secs, replicas, replicaSeconds, medianGap) => {
    const a = analyzeExperiments(run('static', 1, secs, replicas), { sloMs: 40, bootstrapResamples: 10 });
    expect(a.global.conditions.static!.replicaSeconds).toBeCloseTo(replicaSeconds, 9);
    expect(a.global.conditions.static!.frontEnd!.replicaSeconds).toBeCloseTo(replicaSeconds, 9);
    expect(a.runs[0].replicaSeconds).toBeCloseTo(replicaSeconds, 9);
    expect(a.runs[0].medianIntervalSeconds).toBe(medianGap);
  });

  it('gives 5 s runs 1/6 of the replica-seconds of 30 s runs with the same replicas, side by side', () => {
    const replicas = [1, 2, 3, 3];
    const a = analyzeExperiments([...run('reactive', 1, [0, 30, 60, 90], replicas), ...run('static', 1, [0, 5, 10, 15], replicas)], { sloMs: 40, bootstrapResamples: 10 });
    // 9 replicas × 30 s = 270; × 5 s = 45
    expect(a.global.conditions.reactive!.replicaSeconds).toBeCloseTo(270, 9);
    expect(a.global.conditions.static!.replicaSeconds).toBeCloseTo(45, 9);
    expect(a.services['front-end'].static!.replicaSeconds).toBeCloseTo(45, 9);
    // Violation rates do not depend on the polling interval: every p95 (20 ms) is under the SLO.
    expect([a.global.conditions.reactive!.violationRate, a.global.conditions.static!.violationRate]).toEqual([0, 0]);
  });

  it('reports the stall and the single-snapshot fallback, naming the run', () => {
    const a = analyzeExperiments([...run('reactive', 3, [0, 30, 270, 300], [1, 4, 2, 2]), ...run('proactive', 7, [0], [1])], { sloMs: 40, bootstrapResamples: 10 });
    expect(a.durationWarnings.map((w) => [w.condition, w.runId, w.kind, w.intervalIdx])).toEqual([
      ['proactive', 7, 'single-snapshot', null],
      ['reactive', 3, 'long-gap', 1],
    ]);
    expect(a.fallbackIntervalSeconds).toBe(30);
  });

  it('drops settle polls before measuring: the last load poll gets the run median, not the gap into the cool-down', () => {
    // Load polls at 0, 30, 60 (2 replicas each), a settle poll 600 s later: 3 × 2 × 30, not 2 × 540 more.
    const snaps = [...run('reactive', 1, [0, 30, 60], [2, 2, 2]), snap('reactive', 1, 3, { 'front-end': [2, 20] }, { timestamp: iso(600), phase: 'settle' })];
    const a = analyzeExperiments(snaps, { sloMs: 40, bootstrapResamples: 10 });
    expect(a.global.conditions.reactive!.replicaSeconds).toBeCloseTo(180, 9);
    expect(a.durationWarnings).toEqual([]);
  });
});
