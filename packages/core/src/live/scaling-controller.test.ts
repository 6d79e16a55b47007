import { describe, expect, it } from 'vitest';
import { DEFAULT_HYBRID_POLICY, HybridPolicy } from '../policy/policies/hybrid.js';
import { DEFAULT_STEP_POLICY as DEFAULT_POLICY, StepPolicy } from '../policy/policies/step.js';
import { verdictsForPoll, type ServiceScalingState } from '../policy/scaling-policy.js';
import type { Vote } from '../schema.js';
import { majorityStrategy } from '../voting/strategies/index.js';
import { verdictFrom } from '../voting/vote-aggregator.js';
import { ScalingController, type TakenDecision } from './scaling-controller.js';

const t0 = Date.UTC(2026, 3, 8, 12, 0, 0);
const vote = (model: string, poll: number, prediction: 0 | 1, service = 'carts'): Vote => {
  const timestamp = new Date(t0 + poll * 30_000).toISOString();
  return { snapshotId: `run@${timestamp}`, service, timestamp, model, modelVersion: '1', prediction, violationProbability: prediction ? 0.9 : 0.1, confidence: 0.9 };
};
const controller = () =>
  new ScalingController({ strategy: majorityStrategy, expectedModels: ['a', 'b', 'c'], windowMs: 5000 }, new StepPolicy({ ...DEFAULT_POLICY, scaleUpCooldownMs: 60_000 }));

describe('ScalingController', () => {
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
    expect(c.onVote(vote('a', 0, 1), 999_999)).toEqual([]);
    expect(c.onVote(vote('b', 0, 1), 0)).toEqual([]);
    const [first] = c.onVote(vote('c', 0, 0), 5);
    expect(first.decision).toMatchObject({ decision: 'SCALE_UP', targetReplicas: 2, scaleUpVotes: 2, totalVotes: 3, degraded: false });
    // One poll (30 s) later the 60 s cooldown holds, whatever the wall clock says.
    for (const m of ['a', 'b', 'c']) c.onVote(vote(m, 1, 1), 10_000_000);
    expect(c.replicas('carts')).toBe(2);
    for (const m of ['a', 'b']) c.onVote(vote(m, 2, 1), 0);
    expect(c.onVote(vote('c', 2, 1), 0)[0].decision).toMatchObject({ decision: 'SCALE_UP', targetReplicas: 3 });
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
    const d = c.onVote(vote('c', 0, 1), 0)[0].decision;
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
    expect(c.onVote(vote('c', 1, 1), 0)[0].decision).toMatchObject({ decision: 'NO_ACTION', targetReplicas: 6 }); // 30 s < the 60 s cooldown
    for (const m of ['a', 'b']) c.onVote(vote(m, 2, 1), 0);
    expect(c.onVote(vote('c', 2, 1), 0)[0].decision).toMatchObject({ decision: 'SCALE_UP', targetReplicas: 7 });
  });
});

describe('ScalingController with per-service policies', () => {
  it('decides each service with its own policy, the others with the shared one', () => {
    const shared = new StepPolicy({ ...DEFAULT_POLICY, maxReplicas: 10, scaleUpCooldownMs: 0 });
    const capped = new StepPolicy({ ...DEFAULT_POLICY, minReplicas: 2, maxReplicas: 3, scaleUpCooldownMs: 0 });
    const c = new ScalingController({ strategy: majorityStrategy, expectedModels: ['a'], windowMs: 5000 }, shared, {}, { carts: capped });
    const targets = (service: string) => [1, 2, 3, 4].map((poll) => c.onVote(vote('a', poll, 1, service), 0)[0].decision.targetReplicas);
    expect(targets('carts')).toEqual([3, 3, 3, 3]); // from its own min 2, capped at its own max 3
    expect(targets('user')).toEqual([2, 3, 4, 5]);
    expect(c.policyFor('carts')).toBe(capped);
    expect(c.policyFor('user')).toBe(shared);
  });
});

describe('ScalingController with callee attribution', () => {
  const policy = new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, attributionMinUtilization: 0.5 });
  const SERVICES = ['front-end', 'catalogue', 'carts'];
  /** Poll n: front-end over the SLO on odd polls; catalogue the busiest callee (CPU % of one core). */
  const observed = (service: string, n: number) => ({
    requestRateRps: 20 + n,
    errorRatePct: 0,
    p50LatencyMs: 5,
    p95LatencyMs: service === 'front-end' && n % 2 === 1 ? 40 + n : 20,
    p99LatencyMs: 45,
    cpuUsagePct: service === 'catalogue' ? 7 + n : service === 'front-end' ? 30 : 3,
    memoryUsageMb: 100,
  });
  /** Each service's votes in poll order, every model calm: any scale-up here is attributed. */
  const votesOf = (service: string, polls: number) =>
    Array.from({ length: polls }, (_, n) => ['a', 'b', 'c'].map((m) => ({ ...vote(m, n, 0, service), observation: observed(service, n) }))).flat();

  /** What replay does with the same polls: whole polls in order, verdictsForPoll, then each service's policy. */
  function asReplayDecides(polls: number) {
    const states = new Map<string, ServiceScalingState>();
    const out: string[] = [];
    for (let n = 0; n < polls; n++) {
      const verdicts = SERVICES.map((s) => verdictFrom(votesOf(s, polls).filter((v) => v.timestamp === vote('a', n, 0).timestamp), majorityStrategy, ['a', 'b', 'c'], { snapshotId: `run@${vote('a', n, 0).timestamp}`, service: s, timestamp: vote('a', n, 0).timestamp }));
      const entries = verdicts.map((verdict) => ({ verdict, observation: verdict.observation, replicas: (states.get(verdict.service) ?? policy.initialState()).replicas }));
      verdictsForPoll(policy, entries).forEach((v) => {
        const { decision, state } = policy.decide(v, Date.parse(v.timestamp), states.get(v.service) ?? policy.initialState(), v.observation);
        states.set(v.service, state);
        out.push(`${v.service}@${n}:${decision.decision}:${decision.targetReplicas}`);
      });
    }
    return out.sort();
  }

  /**
   * When each vote arrives: poll n's at n × `pollMs` plus up to `spreadMs` per service (the models and
   * partitions finish in their own time), each service's votes in poll order (one Kafka partition each).
   */
  function arrivals(polls: number, seed: number, pollMs: number, spreadMs: number) {
    let rng = seed;
    const next = () => (rng = (rng * 1103515245 + 12345) % 2147483648) / 2147483648;
    const timed = SERVICES.flatMap((s) => {
      let at = 0;
      return votesOf(s, polls).map((v, i) => ({ v, at: (at = Math.max(at, Math.floor(i / 3) * pollMs + Math.floor(next() * spreadMs))) }));
    });
    return timed.sort((x, y) => x.at - y.at);
  }

  it.each([
    { name: 'polls 30 s apart, services up to 4 s apart', pollMs: 30_000, spreadMs: 4000, windowMs: 5000 },
    { name: 'a whole recording published at once', pollMs: 0, spreadMs: 2000, windowMs: 20_000 },
  ])('decides whole polls as replay does, whatever order the services complete in: $name', ({ pollMs, spreadMs, windowMs }) => {
    const polls = 8;
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const c = new ScalingController({ strategy: majorityStrategy, expectedModels: ['a', 'b', 'c'], windowMs }, policy);
      expect(c.attributes).toBe(true);
      const taken: TakenDecision[] = [];
      let ticked = 0;
      for (const { v, at } of arrivals(polls, seed, pollMs, spreadMs)) {
        // scale's timer closes windows and polls every second between batches.
        for (; ticked + 1000 <= at; ticked += 1000) taken.push(...c.onTick(ticked + 1000));
        taken.push(...c.onVote(v, at));
      }
      taken.push(...c.onTick(ticked + windowMs + 1000));
      const live = taken.map(({ decision: d }) => `${d.service}@${(Date.parse(d.timestamp) - t0) / 30_000}:${d.decision}:${d.targetReplicas}`).sort();
      expect(live, `arrival order ${seed}`).toEqual(asReplayDecides(polls));
      expect(c.pollStats, `arrival order ${seed}`).toMatchObject({ late: 0 });
      // The test means something only if attribution acted: calm votes everywhere, yet catalogue scales up.
      expect(taken.filter(({ decision: d }) => d.service === 'catalogue' && d.decision === 'SCALE_UP').length).toBeGreaterThan(0);
      expect(taken.some(({ decision: d }) => /front-end p95 4\d\.\d ms over the SLO, this callee the busiest/.test(d.reason ?? ''))).toBe(true);
    }
  });

  it('without attribution each verdict is decided alone, at once', () => {
    const c = new ScalingController({ strategy: majorityStrategy, expectedModels: ['a'], windowMs: 5000 }, new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, attributionMinUtilization: 0, midTierAttributionMinUtilization: 0 }));
    expect(c.attributes).toBe(false);
    expect(c.onVote(vote('a', 0, 1, 'catalogue'), 0)).toHaveLength(1);
    expect(c.pollStats).toBeUndefined();
  });

  it("refuses attribution set for one service otherwise than for the others: it is the whole scaler's", () => {
    const options = { strategy: majorityStrategy, expectedModels: ['a', 'b', 'c'], windowMs: 5000 };
    const refused = /hybrid \(catalogue\): callee attribution .* is set for the whole scaler, not per service; catalogue sets it otherwise/;
    expect(() => new ScalingController(options, new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, attributionMinUtilization: 0 }), {}, { catalogue: policy })).toThrow(refused);
    const elsewhere = new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, attributionMinUtilization: 0.7 });
    expect(() => new ScalingController(options, policy, {}, { catalogue: elsewhere })).toThrow(refused);
    expect(() => new ScalingController(options, policy, {}, { catalogue: new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, attributionMinUtilization: 0 }) })).toThrow(refused);
    // A service with its own bounds that inherits the same attribution (a config file's defaults) is fine.
    const ownBounds = new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, attributionMinUtilization: 0.5, minReplicas: 2 });
    expect(new ScalingController(options, policy, {}, { catalogue: ownBounds }).attributes).toBe(true);
  });

  it('flushPolls decides the polls still waiting for a late service when the scaler stops', () => {
    const c = new ScalingController({ strategy: majorityStrategy, expectedModels: ['a', 'b', 'c'], windowMs: 5000 }, policy);
    for (const v of votesOf('front-end', 2)) c.onVote(v, 0);
    expect(c.onVote(votesOf('catalogue', 1)[2], 0)).toEqual([]); // one vote of three: no verdict yet
    const polls = c.flushPolls();
    expect(polls.map((p) => p.map((v) => v.service))).toEqual([['front-end'], ['front-end']]);
    expect(polls.flatMap((p) => c.decidePoll(p))).toHaveLength(2);
  });
});
