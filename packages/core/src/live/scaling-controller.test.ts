import { describe, expect, it } from 'vitest';
import { DEFAULT_HYBRID_POLICY, HybridPolicy } from '../policy/policies/hybrid.js';
import { DEFAULT_STEP_POLICY as DEFAULT_POLICY, StepPolicy } from '../policy/policies/step.js';
import type { Vote } from '../schema.js';
import { majorityStrategy } from '../voting/strategies/index.js';
import { ScalingController } from './scaling-controller.js';

const t0 = Date.UTC(2026, 3, 8, 12, 0, 0);
const vote = (model: string, poll: number, prediction: 0 | 1, service = 'carts'): Vote => {
  const timestamp = new Date(t0 + poll * 30_000).toISOString();
  return { snapshotId: `run@${timestamp}`, service, timestamp, model, modelVersion: '1', prediction, violationProbability: prediction ? 0.9 : 0.1, confidence: 0.9 };
};
const controller = () =>
  new ScalingController({ strategy: majorityStrategy, expectedModels: ['a', 'b', 'c'], windowMs: 5000 }, new StepPolicy({ ...DEFAULT_POLICY, scaleUpCooldownMs: 60_000 }));

describe('ScalingController', () => {
  it('refuses a policy that attributes across services, shared or per service: it decides each service alone', () => {
    const attributing = new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, attributionMinUtilization: 0.5 });
    const options = { strategy: majorityStrategy, expectedModels: ['a', 'b', 'c'], windowMs: 5000 };
    expect(() => new ScalingController(options, attributing)).toThrow(/hybrid \(every service\) attributes across services .* needs whole polls/);
    expect(() => new ScalingController(options, new HybridPolicy(), {}, { catalogue: attributing })).toThrow(/hybrid \(catalogue\) attributes/);
    expect(() => new ScalingController(options, new HybridPolicy())).not.toThrow();
  });

  it("hands the policy the poll's observation carried by the votes", () => {
    const seen: unknown[] = [];
    const step = new StepPolicy();
    const spy = { ...step, name: 'spy', bounds: step.bounds, initialState: step.initialState.bind(step), withReplicas: step.withReplicas.bind(step), decide: (...a: Parameters<StepPolicy['decide']>) => (seen.push(a[3]), step.decide(a[0], a[1], a[2])) };
    const c = new ScalingController({ strategy: majorityStrategy, expectedModels: ['a', 'b', 'c'], windowMs: 5000 }, spy);
    const observation = { requestRateRps: 10, errorRatePct: 0, p50LatencyMs: 3, p95LatencyMs: 40, p99LatencyMs: 60, cpuUsagePct: 25, memoryUsageMb: 90 };
    c.onVote(vote('a', 0, 1), 0);
    c.onVote({ ...vote('b', 0, 1), observation }, 0);
    c.onVote(vote('c', 0, 0), 0);
    expect(seen).toEqual([observation]);
  });


  it('decides when the last expected vote arrives, with the policy timed by the poll, not the clock', () => {
    const c = controller();
    expect(c.onVote(vote('a', 0, 1), 999_999)).toBeNull();
    expect(c.onVote(vote('b', 0, 1), 0)).toBeNull();
    const first = c.onVote(vote('c', 0, 0), 5)!;
    expect(first.decision).toMatchObject({ decision: 'SCALE_UP', targetReplicas: 2, scaleUpVotes: 2, totalVotes: 3, degraded: false });
    // One poll (30 s) later the 60 s cooldown holds, whatever the wall clock says.
    for (const m of ['a', 'b', 'c']) c.onVote(vote(m, 1, 1), 10_000_000);
    expect(c.replicas('carts')).toBe(2);
    for (const m of ['a', 'b']) c.onVote(vote(m, 2, 1), 0);
    expect(c.onVote(vote('c', 2, 1), 0)!.decision).toMatchObject({ decision: 'SCALE_UP', targetReplicas: 3 });
  });

  it('decides on quorum when a voter is down, marked degraded', () => {
    const c = controller();
    c.onVote(vote('a', 0, 1), 1000);
    c.onVote(vote('b', 0, 1), 1500);
    expect(c.onTick(5999)).toEqual([]);
    const [d] = c.onTick(6000);
    expect(d.decision).toMatchObject({ decision: 'SCALE_UP', degraded: true, totalVotes: 2 });
    expect(d.decision.reason).toMatch(/no vote from c/);
  });

  it('keeps one policy state per service and counts duplicate votes once', () => {
    const c = controller();
    for (const m of ['a', 'b', 'c']) c.onVote(vote(m, 0, 1, 'carts'), 0);
    c.onVote(vote('a', 0, 1, 'orders'), 0);
    c.onVote(vote('a', 0, 1, 'orders'), 0);
    expect(c.stats.duplicates).toBe(1);
    expect([c.replicas('carts'), c.replicas('orders')]).toEqual([2, 1]);
  });

  it.each([
    { name: 'a scale-up goes on from the seeded count', seedTo: 4, want: ['SCALE_UP', 5] },
    { name: 'a count above the policy max is held at it, and the target scaled down to it', seedTo: 40, want: ['SCALE_DOWN', 10] },
    { name: 'zero is raised to the policy min (then up by one)', seedTo: 0, want: ['SCALE_UP', 2] },
  ])('seed: $name', ({ seedTo, want }) => {
    const c = controller();
    expect(c.knows('carts')).toBe(false);
    expect(c.seed('carts', seedTo)).toBe(true);
    expect(c.knows('carts')).toBe(true);
    for (const m of ['a', 'b']) c.onVote(vote(m, 0, 1), 0);
    const d = c.onVote(vote('c', 0, 1), 0)!.decision;
    expect([d.decision, d.targetReplicas]).toEqual(want);
  });

  it('seed: only the first read counts, and counts that are not whole numbers are ignored', () => {
    const c = controller();
    expect(c.seed('carts', 2.5)).toBe(false);
    expect(c.seed('carts', -1)).toBe(false);
    expect(c.seed('carts', 3)).toBe(true);
    expect(c.seed('carts', 7)).toBe(false);
    expect(c.replicas('carts')).toBe(3);
  });

  it('seed: a read that succeeds after decisions were taken from the minimum replaces the count, keeping the cooldown', () => {
    const c = controller();
    for (const m of ['a', 'b', 'c']) c.onVote(vote(m, 0, 1), 0); // SCALE_UP 1 → 2 at poll 0 (a failed read before)
    expect(c.replicas('carts')).toBe(2);
    expect(c.seed('carts', 6)).toBe(true);
    expect(c.replicas('carts')).toBe(6);
    for (const m of ['a', 'b']) c.onVote(vote(m, 1, 1), 0);
    expect(c.onVote(vote('c', 1, 1), 0)!.decision).toMatchObject({ decision: 'NO_ACTION', targetReplicas: 6 }); // 30 s < the 60 s cooldown
    for (const m of ['a', 'b']) c.onVote(vote(m, 2, 1), 0);
    expect(c.onVote(vote('c', 2, 1), 0)!.decision).toMatchObject({ decision: 'SCALE_UP', targetReplicas: 7 });
  });
});

describe('ScalingController with per-service policies', () => {
  it('decides each service with its own policy, the others with the shared one', () => {
    const shared = new StepPolicy({ ...DEFAULT_POLICY, maxReplicas: 10, scaleUpCooldownMs: 0 });
    const capped = new StepPolicy({ ...DEFAULT_POLICY, minReplicas: 2, maxReplicas: 3, scaleUpCooldownMs: 0 });
    const c = new ScalingController({ strategy: majorityStrategy, expectedModels: ['a'], windowMs: 5000 }, shared, {}, { carts: capped });
    const targets = (service: string) => [1, 2, 3, 4].map((poll) => c.onVote(vote('a', poll, 1, service), 0)!.decision.targetReplicas);
    expect(targets('carts')).toEqual([3, 3, 3, 3]); // from its own min 2, capped at its own max 3
    expect(targets('user')).toEqual([2, 3, 4, 5]);
    expect(c.policyFor('carts')).toBe(capped);
    expect(c.policyFor('user')).toBe(shared);
  });
});
