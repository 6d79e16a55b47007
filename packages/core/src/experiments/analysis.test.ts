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

  it('builds the per-service timelines of each (pattern, condition)', () => {
    expect(a.conditionTimelines.map((t) => [t.pattern, t.condition, t.runs, t.services])).toEqual([
      ['step', 'proactive', 1, ['front-end', 'carts']],
      ['step', 'reactive', 1, ['front-end', 'carts']],
    ]);
    // Proactive, from the table above: carts' idx1 has neither a count nor a p95 (null, not 0).
    expect(a.conditionTimelines[0].points).toEqual([
      { intervalIdx: 0, runs: 1, replicas: { 'front-end': 1, carts: 1 }, violating: { 'front-end': 1, carts: 0 }, totalReplicas: 2, violatingShare: 0.5 },
      { intervalIdx: 1, runs: 1, replicas: { 'front-end': 2, carts: null }, violating: { 'front-end': 0, carts: null }, totalReplicas: 2, violatingShare: 0 },
      { intervalIdx: 2, runs: 1, replicas: { 'front-end': 2, carts: 1 }, violating: { 'front-end': 1, carts: 0 }, totalReplicas: 3, violatingShare: 0.5 },
    ]);
    // Reactive idx1: carts has 2 replicas but no p95.
    expect(a.conditionTimelines[1].points[1]).toMatchObject({ replicas: { 'front-end': 1, carts: 2 }, violating: { 'front-end': 1, carts: null }, totalReplicas: 3 });
  });

  it('averages per-service timelines over runs by interval index, pattern by pattern', () => {
    const more = [
      ...SNAPSHOTS,
      // A second proactive step run: idx0 front-end 3 replicas at 30 ms; idx1 3 replicas, carts 1 at 90 ms; no idx2.
      snap('proactive', 2, 0, { 'front-end': [3, 30], carts: [1, 10] }),
      snap('proactive', 2, 1, { 'front-end': [3, 39], carts: [1, 90] }),
      // A ramp run of its own, and a service only it has.
      snap('proactive', 3, 0, { 'front-end': [7, 99], user: [1, 5] }, { pattern: 'ramp' }),
    ];
    const t = analyzeExperiments(more, { sloMs: 40, bootstrapResamples: 200 }).conditionTimelines;
    expect(t.map((x) => [x.pattern, x.condition, x.runs, x.services])).toEqual([
      ['ramp', 'proactive', 1, ['front-end', 'user']],
      ['step', 'proactive', 2, ['front-end', 'carts']],
      ['step', 'reactive', 1, ['front-end', 'carts']],
    ]);
    const step = t[1].points;
    expect(step.map((p) => p.runs)).toEqual([2, 2, 1]);
    expect(step[0]).toMatchObject({ replicas: { 'front-end': 2, carts: 1 }, violating: { 'front-end': 0.5, carts: 0 }, totalReplicas: 3, violatingShare: 0.25 });
    // idx1: run 1's carts has no data, so carts' share is run 2's alone.
    expect(step[1]).toMatchObject({ replicas: { 'front-end': 2.5, carts: 1 }, violating: { 'front-end': 0, carts: 1 }, totalReplicas: 3, violatingShare: 1 / 3 });
    expect(t[0].points).toEqual([{ intervalIdx: 0, runs: 1, replicas: { 'front-end': 7, user: 1 }, violating: { 'front-end': 1, user: 0 }, totalReplicas: 8, violatingShare: 0.5 }]);
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

describe('three conditions: proactive and reactive each against static', () => {
  /** A front-end-only step run whose p95 per 30 s poll is given; one replica throughout. */
  const run = (condition: Condition, runId: number, p95s: number[], pattern = 'step') => p95s.map((p, i) => snap(condition, runId, i, { 'front-end': [1, p] }, { pattern }));
  /*
   * SLO 40. One service, so a run's value is its only cell's rate:
   *   proactive run 1: 50 10 10 → 1/3   run 2: 10 10 10 → 0
   *   reactive  run 1: 50 50 10 → 2/3
   *   static    run 1: 50 50 10 → 2/3   run 2: 50 50 50 → 1     (plus a ramp run with only static)
   */
  const snaps = [
    ...run('proactive', 1, [50, 10, 10]),
    ...run('proactive', 2, [10, 10, 10]),
    ...run('reactive', 1, [50, 50, 10]),
    ...run('static', 1, [50, 50, 10]),
    ...run('static', 2, [50, 50, 50]),
    ...run('static', 1, [50, 10, 10], 'ramp'),
  ];
  const a = analyzeExperiments(snaps, { sloMs: 40, bootstrapResamples: 500 });
  const g = a.global;

  it('summarises static like the other conditions', () => {
    expect(g.conditions.static).toMatchObject({ runs: 3, cells: 3, snapshots: 9, replicaSeconds: 9 * 30, scalingActions: 0 });
    // Cells 2/3, 1 (step) and 1/3 (ramp) → mean 2/3.
    expect(g.conditions.static!.violationRate).toBeCloseTo(2 / 3, 12);
    expect(a.patterns.step.conditions.static!.violationRate).toBeCloseTo(5 / 6, 12);
    expect(a.services['front-end'].static).toMatchObject({ observations: 9, withData: 9, violations: 6 });
    expect(a.timeline.static.map((p) => p.runs)).toEqual([3, 3, 3]);
  });

  it('keeps the proactive-vs-reactive tests where they were, and equal to their pair entry', () => {
    // {1/3, 0} vs {2/3}, no ties: U = 0, exact; only 1 of the 3 orderings puts the reactive run
    // below both proactive ones (U' = 2), so p = 2 · 1/3.
    expect(g.mannWhitney.run).toMatchObject({ u: 0, n1: 2, n2: 1, method: 'exact' });
    expect(g.mannWhitney.run!.p).toBeCloseTo(2 / 3, 12);
    expect(g.pairs['proactive-vs-reactive']).toEqual({ a: 'proactive', b: 'reactive', reason: null, mannWhitney: g.mannWhitney, bootstrap: g.bootstrap });
  });

  it('tests proactive against static', () => {
    const p = g.pairs['proactive-vs-static'];
    expect(p.reason).toBeNull();
    // Step runs {1/3, 0} vs static runs {2/3, 1, 1/3 (ramp)}: the ramp run ties proactive run 1, so
    // asymptotic. Ranks: 0 → 1, 1/3 × 2 → 2.5, 2/3 → 4, 1 → 5; R1 = 3.5, U1 = 3.5 − 3 = 0.5.
    expect(p.mannWhitney!.run).toMatchObject({ u: 0.5, n1: 2, n2: 3, method: 'asymptotic' });
    // σ² = 2·3/12 · (6 − (2³ − 2)/(5·4)) = 0.5 · 5.7 = 2.85; z = (5.5 − 3 − 0.5)/√2.85 = 1.1847;
    // p = 2·P(Z > z) = 0.236137 (scipy.stats.mannwhitneyu([1/3, 0], [2/3, 1, 1/3]) agrees).
    expect(p.mannWhitney!.run!.p).toBeCloseTo(0.23613697022165292, 9);
    // Δ = mean(1/3, 0) − mean(2/3, 1, 1/3) = 1/6 − 2/3 = −1/2.
    expect(p.bootstrap!.estimate).toBeCloseTo(-1 / 2, 12);
    // Resampled means lie in [0, 1/3] and [1/3, 1]: every difference is in [−1, 0].
    expect(p.bootstrap!.low).toBeGreaterThanOrEqual(-1);
    expect(p.bootstrap!.high).toBeLessThanOrEqual(0);
  });

  it('tests proactive against static per pattern, exactly where there are no ties', () => {
    // Step only: {1/3, 0} vs {2/3, 1}: U = 0; P(U' ≥ 4) = 1/C(4, 2) = 1/6, so p = 1/3.
    const p = a.patterns.step.pairs['proactive-vs-static'];
    expect(p.mannWhitney!.run).toMatchObject({ u: 0, n1: 2, n2: 2, method: 'exact' });
    expect(p.mannWhitney!.run!.p).toBeCloseTo(1 / 3, 12);
    expect(p.bootstrap!.estimate).toBeCloseTo(1 / 6 - 5 / 6, 12);
  });

  it('tests reactive against static', () => {
    // Step: {2/3} vs {2/3, 1}: ranks 1.5, 1.5, 3 → U1 = 0.5; σ² = 1·2/12 · (4 − (2³ − 2)/(3·2)) = 0.5;
    // z = (1.5 − 1 − 0.5)/σ = 0 → p = 1.
    const p = a.patterns.step.pairs['reactive-vs-static'];
    expect(p.mannWhitney!.run).toMatchObject({ u: 0.5, p: 1, n1: 1, n2: 2, method: 'asymptotic' });
    expect(p.bootstrap!.estimate).toBeCloseTo(2 / 3 - 5 / 6, 12);
  });

  it('says why a pair is missing instead of testing it', () => {
    // The ramp pattern has only a static run.
    expect(a.patterns.ramp.pairs['proactive-vs-static']).toEqual({ a: 'proactive', b: 'static', reason: 'no proactive runs', mannWhitney: null, bootstrap: null });
    expect(a.patterns.ramp.pairs['proactive-vs-reactive'].reason).toBe('no proactive or reactive runs');
    expect(a.patterns.ramp.mannWhitney).toEqual({ cell: null, run: null });
    expect(a.patterns.ramp.bootstrap).toBeNull();
    expect(a.patterns.ramp.conditions.proactive).toBeNull();
  });
});

describe('missing conditions are absent, never filled in', () => {
  it('without static runs, both static pairs carry the reason', () => {
    const a = analyzeExperiments(SNAPSHOTS, { sloMs: 40, bootstrapResamples: 10 });
    for (const k of ['proactive-vs-static', 'reactive-vs-static'] as const) {
      expect(a.global.pairs[k]).toMatchObject({ reason: 'no static runs', mannWhitney: null, bootstrap: null });
    }
    expect(a.global.pairs['proactive-vs-reactive'].reason).toBeNull();
    expect(a.global.conditions.static).toBeNull();
    expect(a.services['front-end'].static).toBeNull();
    expect(a.timeline.static).toEqual([]);
  });

  it('without proactive runs, only reactive vs static is tested', () => {
    const obs: Obs = { 'front-end': [1, 50] };
    const a = analyzeExperiments([snap('reactive', 1, 0, obs), snap('static', 1, 0, { 'front-end': [1, 30] })], { sloMs: 40, bootstrapResamples: 10 });
    expect(a.global.conditions.proactive).toBeNull();
    expect(a.global.mannWhitney).toEqual({ cell: null, run: null });
    expect(a.global.bootstrap).toBeNull();
    expect(a.global.pairs['proactive-vs-reactive'].reason).toBe('no proactive runs');
    expect(a.global.pairs['proactive-vs-static'].reason).toBe('no proactive runs');
    // reactive 1 (50 > 40) − static 0 (30): Δ = 1 with one run each.
    expect(a.global.pairs['reactive-vs-static']).toMatchObject({ reason: null, bootstrap: { estimate: 1, low: 1, high: 1 } });
  });
});
