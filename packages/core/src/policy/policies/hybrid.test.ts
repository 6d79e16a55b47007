import { describe, expect, it } from 'vitest';
import type { PolicyObservation } from '../scaling-policy.js';
import { testVerdict } from '../../testing/verdict.js';
import { DEFAULT_HYBRID_POLICY, HybridPolicy, type HybridPolicyConfig, type HybridState } from './hybrid.js';

const verdict = (scaleUp: boolean) => testVerdict('catalogue', scaleUp);

const obs = (cpuUsagePct: number | null, requestRateRps: number | null = 100, p95LatencyMs: number | null = 5, p99LatencyMs: number | null = 5): PolicyObservation => ({
  requestRateRps,
  errorRatePct: 0,
  p50LatencyMs: 2.5,
  p95LatencyMs,
  p99LatencyMs,
  cpuUsagePct,
  memoryUsageMb: 17,
});

/** Every mechanism off: the HPA's proportional rule on the poll's CPU, with its tolerance. */
const PLAIN: HybridPolicyConfig = {
  ...DEFAULT_HYBRID_POLICY,
  cpuRequestCores: 0.1,
  targetUtilizationPct: 70,
  alertTargetPct: 70,
  alertMaxExtra: 0,
  tolerance: 0.1,
  leadMs: 0,
  trendPolls: 1,
  scaleDownWindowMs: 0,
  tailP99OverSlo: 0,
  alertMinRise: -1,
  alertHoldMs: 0,
  attributionMinUtilization: 0,
  minReplicas: 1,
  maxReplicas: 10,
};

type Step = { t: number; up?: boolean; o?: PolicyObservation };

/** Feeds polls in order; returns "KIND:replicas" after each. */
function run(config: Partial<HybridPolicyConfig>, steps: Step[], start = 1): string[] {
  const p = new HybridPolicy({ ...PLAIN, ...config });
  let state: HybridState = p.initialState(start);
  return steps.map((s) => {
    const r = p.decide(verdict(s.up ?? false), s.t, state, s.o);
    state = r.state;
    return `${r.decision.decision}:${r.decision.targetReplicas}`;
  });
}

describe('HybridPolicy', () => {
  it.each<{ name: string; config?: Partial<HybridPolicyConfig>; start?: number; steps: Step[]; want: string[] }>([
    {
      name: "the HPA's rule: ceil(replicas × usage / target), CPU summed over the pods",
      start: 2,
      steps: [{ t: 0, o: obs(28) }], // 0.28 cores over 2 × 0.1 at 70 % → ceil(2 × 2) = 4
      want: ['SCALE_UP:4'],
    },
    { name: 'within the tolerance nothing changes', start: 2, steps: [{ t: 0, o: obs(15) }], want: ['NO_ACTION:2'] }, // 0.15/0.14 = 1.07
    { name: 'no CPU measured: no change', start: 3, steps: [{ t: 0, o: obs(null) }, { t: 30_000 }], want: ['NO_ACTION:3', 'NO_ACTION:3'] },
    {
      name: 'a rising rate is extrapolated leadMs ahead (at most maxGrowth ×)',
      config: { leadMs: 60_000, maxGrowth: 2 },
      steps: [{ t: 0, o: obs(7, 50) }, { t: 30_000, o: obs(7, 100) }, { t: 60_000, o: obs(28, 1000) }],
      // poll 2: 50 → 100 rps in 30 s, 60 s ahead: 200 = 2 × now → CPU 7 % × 2 at 7 % per replica → 2;
      // poll 3: 100 → 1000, 60 s ahead: 2800 = 2.8 ×, capped at 2 × → 28 % × 2 over 2 × 7 % → ceil(2 × 4) = 8
      want: ['NO_ACTION:1', 'SCALE_UP:2', 'SCALE_UP:8'],
    },
    {
      name: 'trendPolls 2: one jump is not extrapolated; two rises in a row are, along the slope over both',
      config: { leadMs: 30_000, maxGrowth: 3, trendPolls: 2 },
      start: 2,
      steps: [
        { t: 0, o: obs(14, 100) },
        { t: 30_000, o: obs(14, 200) }, // one rise: no forecast, 14 % over 2 × 7 % → 2
        { t: 60_000, o: obs(14, 200) }, // flat: none
        { t: 90_000, o: obs(14, 230) }, // one rise after a flat poll: none
        { t: 120_000, o: obs(14, 260) }, // two rises: 200 → 260 over 60 s, 30 s ahead 290 = 1.115 × → ceil(2 × 1.115) = 3
      ],
      want: ['NO_ACTION:2', 'NO_ACTION:2', 'NO_ACTION:2', 'NO_ACTION:2', 'SCALE_UP:3'],
    },
    {
      name: 'trendPolls 1 (the default): any rise is extrapolated from the last two polls',
      config: { leadMs: 30_000, maxGrowth: 3 },
      start: 2,
      steps: [{ t: 0, o: obs(14, 100) }, { t: 30_000, o: obs(14, 200) }], // 30 s ahead 300 = 1.5 × → 3
      want: ['NO_ACTION:2', 'SCALE_UP:3'],
    },
    {
      name: 'a predicted violation moves to the alert target, adding at most alertMaxExtra',
      config: { alertTargetPct: 35, alertMaxExtra: 1, alertHoldMs: 60_000 },
      start: 2,
      steps: [{ t: 0, up: true, o: obs(14) }, { t: 30_000, o: obs(14) }, { t: 90_000, o: obs(14) }],
      // at 70 %: 2 (within tolerance); at 35 %: 4, capped at 2 + 1; held 60 s after the alert, then released
      want: ['SCALE_UP:3', 'NO_ACTION:3', 'SCALE_DOWN:2'],
    },
    {
      // 0.35 cores over 5 × 0.1: at 130 % ceil(5 × 0.54) = 3, at 70 % exactly 1 (within the tolerance: 5), at 35 % 10.
      name: "an alert's extra goes over the base: under a floor HPA at a lower target that can be fewer than run",
      config: { targetUtilizationPct: 130, alertTargetPct: 35, alertMaxExtra: 1 },
      start: 5,
      steps: [{ t: 0, up: true, o: obs(35) }],
      want: ['SCALE_DOWN:4'],
    },
    {
      name: "alertOverTargetPct: the extra goes over the count at that target (the floor's), one more than the floor runs",
      config: { targetUtilizationPct: 130, alertTargetPct: 35, alertMaxExtra: 1, alertOverTargetPct: 70 },
      start: 5,
      steps: [{ t: 0, up: true, o: obs(35) }, { t: 30_000, o: obs(35) }],
      // without an alert the anchor plays no part: the base (3) and the window (0 s) decide
      want: ['SCALE_UP:6', 'SCALE_DOWN:3'],
    },
    {
      name: 'alertOverTargetPct above the base target: the anchor is the larger count, the base',
      config: { targetUtilizationPct: 70, alertTargetPct: 35, alertMaxExtra: 1, alertOverTargetPct: 130 },
      start: 5,
      steps: [{ t: 0, up: true, o: obs(35) }],
      want: ['SCALE_UP:6'],
    },
    {
      name: 'the tail rule: p99 over the SLO while p95 is under half of it is an alert too',
      config: { alertTargetPct: 35, alertMaxExtra: 1, tailP99OverSlo: 1, sloMs: 35.68 },
      start: 2,
      steps: [{ t: 0, o: obs(14, 100, 4.8, 60) }, { t: 30_000, o: obs(14, 100, 20, 60) }],
      // second poll: p95 20 ms is over half the SLO: the tail is the body's, not a stall
      want: ['SCALE_UP:3', 'SCALE_DOWN:2'],
    },
    {
      name: 'with alertMinRise, a prediction counts only while rate or p95 rises',
      config: { alertTargetPct: 35, alertMaxExtra: 1, alertMinRise: 0.05 },
      start: 2,
      steps: [{ t: 0, up: true, o: obs(14, 100, 30) }, { t: 30_000, up: true, o: obs(14, 100, 30) }, { t: 60_000, up: true, o: obs(14, 100, 33) }],
      want: ['NO_ACTION:2', 'NO_ACTION:2', 'SCALE_UP:3'],
    },
    {
      name: 'scale-down goes to the highest recommendation of the window',
      config: { scaleDownWindowMs: 60_000 },
      start: 4,
      steps: [{ t: 0, o: obs(28) }, { t: 30_000, o: obs(7) }, { t: 60_000, o: obs(7) }, { t: 90_000, o: obs(7) }],
      // the 4 of t = 0 is in the window at 30 s, out of it at 60 s (the HPA's rule: newer than now − window)
      want: ['NO_ACTION:4', 'NO_ACTION:4', 'SCALE_DOWN:1', 'NO_ACTION:1'],
    },
    {
      // The defaults' calmPolls 2 and calmWindowMs 60 s (criterion v12): the count falls a minute after the load did,
      // once two verdicts in a row are calm; a predicted violation restarts the count.
      name: 'after calmPolls calm verdicts in a row the window is calmWindowMs (the defaults: 2, 60 s)',
      config: { scaleDownWindowMs: 300_000 },
      start: 4,
      steps: [{ t: 0, o: obs(28) }, { t: 30_000, up: true, o: obs(7) }, { t: 60_000, o: obs(7) }, { t: 90_000, o: obs(7) }],
      // t 30 s: the alert (no extra here) resets the streak, the 300 s window holds 4; t 60 s: one calm verdict, still
      // 300 s; t 90 s: two, the window is 60 s and holds only the 1s of t 60 and 90 s
      want: ['NO_ACTION:4', 'NO_ACTION:4', 'NO_ACTION:4', 'SCALE_DOWN:1'],
    },
    {
      name: 'calmPolls 0: the scale-down window stays scaleDownWindowMs',
      config: { scaleDownWindowMs: 300_000, calmPolls: 0 },
      start: 4,
      steps: [{ t: 0, o: obs(28) }, { t: 30_000, o: obs(7) }, { t: 60_000, o: obs(7) }, { t: 90_000, o: obs(7) }, { t: 300_000, o: obs(7) }],
      want: ['NO_ACTION:4', 'NO_ACTION:4', 'NO_ACTION:4', 'NO_ACTION:4', 'SCALE_DOWN:1'],
    },
    { name: 'never above max', config: { maxReplicas: 3 }, steps: [{ t: 0, o: obs(100) }], want: ['SCALE_UP:3'] },
    { name: 'never below min', config: { minReplicas: 2 }, start: 3, steps: [{ t: 0, o: obs(1) }], want: ['SCALE_DOWN:2'] },
    { name: 'a target read above max is brought down to it', config: { maxReplicas: 5 }, start: 8, steps: [{ t: 0, o: obs(35) }], want: ['SCALE_DOWN:5'] },
  ])('$name', ({ config, start, steps, want }) => {
    expect(run(config ?? {}, steps, start)).toEqual(want);
  });

  it.each<{ service: string; midTierMinReplicas: number; start: number; want: string[] }>([
    // Idle CPU (1 %) throughout: the base rule alone would keep or take every service to 1.
    { service: 'orders', midTierMinReplicas: 2, start: 1, want: ['SCALE_UP:2', 'NO_ACTION:2'] }, // the mid tier rises to its own minimum and stays
    { service: 'orders', midTierMinReplicas: 2, start: 4, want: ['SCALE_DOWN:2', 'NO_ACTION:2'] }, // and scales down no further
    { service: 'catalogue', midTierMinReplicas: 2, start: 1, want: ['NO_ACTION:1', 'NO_ACTION:1'] }, // a leaf keeps minReplicas
    { service: 'front-end', midTierMinReplicas: 2, start: 3, want: ['SCALE_DOWN:1', 'NO_ACTION:1'] }, // so does the entry service
    { service: 'orders', midTierMinReplicas: 0, start: 1, want: ['NO_ACTION:1', 'NO_ACTION:1'] }, // 0: off
    { service: 'orders', midTierMinReplicas: 12, start: 1, want: ['SCALE_UP:10', 'NO_ACTION:10'] }, // never above maxReplicas
  ])('midTierMinReplicas $midTierMinReplicas on $service from $start replicas', ({ service, midTierMinReplicas, start, want }) => {
    const p = new HybridPolicy({ ...PLAIN, midTierMinReplicas });
    let state: HybridState = p.initialState(start);
    const got = [0, 30_000].map((t) => {
      const r = p.decide(testVerdict(service, false), t, state, obs(1));
      state = r.state;
      return `${r.decision.decision}:${r.decision.targetReplicas}`;
    });
    expect(got).toEqual(want);
  });

  // alertExtraPerReplica: an alert at n replicas (the base within the tolerance at 70 %: 7 % CPU per replica)
  // adds max(alertMaxExtra, ceil(share × n)), capped by the count at alertTargetPct. At 20 % that count is
  // ceil(n × 3.5), out of the way; at 56 % it is ceil(n × 1.25).
  it.each<{ n: number; share: number; alertMaxExtra?: number; alertTargetPct?: number; maxReplicas?: number; want: string }>([
    { n: 6, share: 0, want: 'SCALE_UP:7' }, // 0: off, alertMaxExtra alone (the behaviour before the key)
    { n: 1, share: 0.34, want: 'SCALE_UP:2' }, // ceil(0.34) = 1
    { n: 2, share: 0.34, want: 'SCALE_UP:3' }, // ceil(0.68) = 1
    { n: 3, share: 0.3, want: 'SCALE_UP:4' }, // ceil(0.9) = 1
    { n: 4, share: 0.3, want: 'SCALE_UP:6' }, // ceil(1.2) = 2
    { n: 5, share: 0.3, want: 'SCALE_UP:7' }, // ceil(1.5) = 2
    { n: 6, share: 0.34, want: 'SCALE_UP:9' }, // ceil(2.04) = 3
    { n: 6, share: 0.34, alertTargetPct: 56, want: 'SCALE_UP:8' }, // 6 + 3, capped by the count at 56 %: ceil(6 × 1.25) = 8
    { n: 10, share: 0.3, maxReplicas: 20, want: 'SCALE_UP:13' }, // a whole product is not rounded up: ceil(3) = 3
    { n: 5, share: 0.1, alertMaxExtra: 2, want: 'SCALE_UP:7' }, // ceil(0.5) = 1 < alertMaxExtra: alertMaxExtra
    { n: 6, share: 0.2, alertMaxExtra: 0, want: 'SCALE_UP:8' }, // ceil(1.2) = 2 even with alertMaxExtra 0
    { n: 6, share: 0.34, maxReplicas: 8, want: 'SCALE_UP:8' }, // never above maxReplicas
  ])('alertExtraPerReplica $share at $n replicas (alertMaxExtra $alertMaxExtra, alert target $alertTargetPct): $want', ({ n, share, alertMaxExtra = 1, alertTargetPct = 20, maxReplicas = 10, want }) => {
    const got = run({ alertTargetPct, alertMaxExtra, alertExtraPerReplica: share, maxReplicas }, [{ t: 0, up: true, o: obs(7 * n) }], n);
    expect(got).toEqual([want]);
  });

  it('alertExtraPerReplica: without an alert it plays no part', () => {
    expect(run({ alertTargetPct: 20, alertMaxExtra: 1, alertExtraPerReplica: 0.5 }, [{ t: 0, o: obs(42) }], 6)).toEqual(['NO_ACTION:6']);
  });

  it.each([
    [{ midTierMinReplicas: 1.5 }, /'midTierMinReplicas' must be a whole number ≥ 0/],
    [{ targetUtilizationPct: 0 }, /'targetUtilizationPct' must be a positive number/],
    [{ maxGrowth: 0.5 }, /'maxGrowth' must be ≥ 1/],
    [{ leadMs: -1 }, /'leadMs' must be ≥ 0/],
    [{ alertOverTargetPct: -70 }, /'alertOverTargetPct' must be ≥ 0/],
    [{ alertExtraPerReplica: -0.1 }, /'alertExtraPerReplica' must be a finite number ≥ 0/],
    [{ alertExtraPerReplica: Number.POSITIVE_INFINITY }, /'alertExtraPerReplica' must be a finite number ≥ 0/],
    [{ alertExtraPerReplica: Number.NaN }, /'alertExtraPerReplica' must be a finite number ≥ 0/],
    [{ trendPolls: 0 }, /'trendPolls' must be an integer ≥ 1/],
    [{ alertMinRise: -2 }, /'alertMinRise' must be ≥ −1/],
    [{ minReplicas: 3, maxReplicas: 2 }, /below minReplicas/],
    [{ minReplicas: 0 }, /'minReplicas' must be at least 1 \(it sizes from the CPU/],
  ])('rejects %j', (over, message) => {
    expect(() => new HybridPolicy({ ...PLAIN, ...over })).toThrow(message);
  });
});
