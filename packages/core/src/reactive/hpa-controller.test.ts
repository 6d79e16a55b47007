import { describe, expect, it } from 'vitest';
import { HpaController } from './hpa-controller.js';

// Expectations computed by hand from the documented rules (target 70 %, tolerance 0.1, scale-up
// +100 % or +4 pods per 15 s whichever is larger, scale-down stabilization 300 s, 1–10 replicas).
describe('HpaController: one sync of a fresh controller', () => {
  const cases: { name: string; current: number; util: number; desired: number; recommendation: number; reason: string }[] = [
    { name: 'ratio 2 doubles', current: 2, util: 140, recommendation: 4, desired: 4, reason: 'metric' },
    { name: 'ratio 1.07 is within tolerance', current: 4, util: 75, recommendation: 4, desired: 4, reason: 'within-tolerance' },
    { name: 'ratio 0.93 is within tolerance', current: 4, util: 65, recommendation: 4, desired: 4, reason: 'within-tolerance' },
    { name: 'ratio 1.11 rounds up: ceil(4 × 1.11) = 5', current: 4, util: 77.7, recommendation: 5, desired: 5, reason: 'metric' },
    { name: '+4 pods beats +100 % from 1: ceil(12.9) = 13 → 5', current: 1, util: 900, recommendation: 13, desired: 5, reason: 'rate-limited' },
    { name: '+100 % and +4 pods tie from 4: 40 → 8', current: 4, util: 700, recommendation: 40, desired: 8, reason: 'rate-limited' },
    { name: '+4 pods beats +100 % from 3: 30 → 7', current: 3, util: 700, recommendation: 30, desired: 7, reason: 'rate-limited' },
    { name: '+100 % from 6 is 12, capped at maxReplicas 10', current: 6, util: 700, recommendation: 60, desired: 10, reason: 'bounds' },
    { name: 'an idle pod stays at minReplicas', current: 1, util: 0, recommendation: 0, desired: 1, reason: 'bounds' },
    { name: 'no history: scale-down is immediate (ceil(4 × 0.5) = 2)', current: 4, util: 35, recommendation: 2, desired: 2, reason: 'metric' },
    { name: 'above maxReplicas is brought back within bounds', current: 12, util: 70, recommendation: 12, desired: 10, reason: 'bounds' },
  ];
  it.each(cases)('$name', ({ current, util, desired, recommendation, reason }) => {
    expect(new HpaController().sync(0, { currentReplicas: current, utilizationPct: util })).toEqual({ desiredReplicas: desired, recommendation, reason });
  });
});

describe('HpaController over time', () => {
  it('scale-down uses the highest recommendation of the last 300 s', () => {
    const hpa = new HpaController();
    expect(hpa.sync(0, { currentReplicas: 4, utilizationPct: 70 }).desiredReplicas).toBe(4);
    // From 15 s on the load halves: the recommendation is 2, but 4 (t = 0) is still in the window.
    for (let t = 15_000; t <= 285_000; t += 15_000) {
      expect(hpa.sync(t, { currentReplicas: 4, utilizationPct: 35 }), `t=${t}`).toMatchObject({ desiredReplicas: 4, recommendation: 2, reason: 'stabilized' });
    }
    // At 300 s the t = 0 recommendation is exactly 300 s old and leaves the window (strictly after the cutoff).
    expect(hpa.sync(300_000, { currentReplicas: 4, utilizationPct: 35 }).desiredReplicas).toBe(2);
  });

  it('a short dip inside the window does not scale down; a spike scales up at once (no scale-up window)', () => {
    const hpa = new HpaController();
    hpa.sync(0, { currentReplicas: 3, utilizationPct: 70 });
    expect(hpa.sync(15_000, { currentReplicas: 3, utilizationPct: 10 }).desiredReplicas).toBe(3);
    expect(hpa.sync(30_000, { currentReplicas: 3, utilizationPct: 140 }).desiredReplicas).toBe(6);
  });

  it('scale-up policies count the replicas already added in their period', () => {
    const hpa = new HpaController();
    expect(hpa.sync(0, { currentReplicas: 1, utilizationPct: 700 }).desiredReplicas).toBe(5); // max(1 × 2, 1 + 4)
    // 10 s later the period started at 1 replica: the limit is still 5.
    expect(hpa.sync(10_000, { currentReplicas: 5, utilizationPct: 700 })).toMatchObject({ desiredReplicas: 5, reason: 'rate-limited' });
    // At 15 s the +4 of t = 0 has left the 15 s period: max(5 × 2, 5 + 4) = 10.
    expect(hpa.sync(15_000, { currentReplicas: 5, utilizationPct: 700 }).desiredReplicas).toBe(10);
  });

  it('syncs once per 15 s period', () => {
    const hpa = new HpaController();
    const obs = { currentReplicas: 2, utilizationPct: 140 };
    expect(hpa.tick(0, obs)?.desiredReplicas).toBe(4);
    expect(hpa.tick(14_999, obs)).toBeNull();
    expect(hpa.tick(15_000, { currentReplicas: 4, utilizationPct: 70 })?.desiredReplicas).toBe(4);
  });

  it('honours custom bounds and targets', () => {
    expect(new HpaController({ targetUtilizationPct: 50, maxReplicas: 3 }).sync(0, { currentReplicas: 2, utilizationPct: 100 }).desiredReplicas).toBe(3);
    expect(() => new HpaController({ minReplicas: 5, maxReplicas: 2 })).toThrow(/minReplicas/);
  });
});
