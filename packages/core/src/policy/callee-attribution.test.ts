import { describe, expect, it } from 'vitest';
import { testVerdict } from '../testing/verdict.js';
import { attributeToBusiestCallee, calleesOf, SOCK_SHOP_CALL_GRAPH, type CalleeAttributionConfig, type PollEntry } from './callee-attribution.js';
import { DEFAULT_HYBRID_POLICY, HybridPolicy } from './policies/hybrid.js';
import { verdictsForPoll } from './scaling-policy.js';

const verdict = (service: string, scaleUp = false) => testVerdict(service, scaleUp);

/** A service at a poll: p95 (ms), CPU (% of one core), replicas. */
const entry = (service: string, p95: number | null, cpu: number | null, replicas: number, up = false): PollEntry => ({
  verdict: verdict(service, up),
  observation: { requestRateRps: 10, errorRatePct: 0, p50LatencyMs: 2, p95LatencyMs: p95, p99LatencyMs: p95, cpuUsagePct: cpu, memoryUsageMb: 10 },
  replicas,
});

const C: CalleeAttributionConfig = { entryService: 'front-end', sloMs: 35, cpuRequestCores: 0.1, minUtilization: 0.5 };

/** The services the attribution turned to scale-up (those that were not already). */
const blamed = (poll: PollEntry[], config: Partial<CalleeAttributionConfig> = {}) =>
  attributeToBusiestCallee(poll, { ...C, ...config })
    .filter((v, i) => v.scaleUp && !poll[i].verdict.scaleUp)
    .map((v) => `${v.service}@${v.attributedFrom!.utilization.toFixed(2)}`);

describe('attributeToBusiestCallee', () => {
  // Utilisation = CPU % / 100 / (replicas × 0.1 core): catalogue 13.8 % on 2 replicas is 0.69.
  it.each([
    ['front-end over the SLO: its busiest callee', [entry('front-end', 38, 70, 8), entry('catalogue', 5, 13.8, 2), entry('carts', 24, 12, 3)], {}, ['catalogue@0.69']],
    ['replicas count: the same CPU on more replicas is less busy', [entry('front-end', 38, 70, 8), entry('catalogue', 5, 13.8, 3), entry('carts', 24, 12, 2)], {}, ['carts@0.60']],
    ['front-end within the SLO: nobody', [entry('front-end', 34, 70, 8), entry('catalogue', 5, 13.8, 2)], {}, []],
    ['front-end exactly at the SLO is not over it', [entry('front-end', 35, 70, 8), entry('catalogue', 5, 13.8, 2)], {}, []],
    ['front-end p95 missing: nobody (missing is not over)', [entry('front-end', null, 70, 8), entry('catalogue', 5, 13.8, 2)], {}, []],
    ['no front-end in the poll: nobody', [entry('catalogue', 50, 13.8, 2)], {}, []],
    ['the busiest under minUtilization: nobody', [entry('front-end', 38, 70, 8), entry('catalogue', 5, 4.9, 1)], {}, []],
    ['the front-end itself is never its own callee', [entry('front-end', 38, 300, 1), entry('catalogue', 5, 6, 1)], {}, ['catalogue@0.60']],
    ['a callee without CPU is skipped', [entry('front-end', 38, 70, 8), entry('catalogue', 5, null, 1), entry('user', 5, 5.5, 1)], {}, ['user@0.55']],
    ['ties go to the first service by name, whatever the order of the poll', [entry('front-end', 38, 70, 8), entry('user', 5, 6, 1), entry('carts', 5, 6, 1)], {}, ['carts@0.60']],
    ['… and in the other order, the same', [entry('front-end', 38, 70, 8), entry('carts', 5, 6, 1), entry('user', 5, 6, 1)], {}, ['carts@0.60']],
    ['minUtilization 0 is off', [entry('front-end', 38, 70, 8), entry('catalogue', 5, 13.8, 2)], { minUtilization: 0 }, []],
  ])('%s', (_name, poll, config, expected) => {
    expect(blamed(poll, config)).toEqual(expected);
  });

  it('an already alerted callee stays alerted; other verdicts are the same objects, untouched', () => {
    const poll = [entry('front-end', 38, 70, 8, true), entry('catalogue', 5, 13.8, 2, true), entry('carts', 5, 1, 2)];
    const out = attributeToBusiestCallee(poll, C);
    expect(out.map((v) => v.scaleUp)).toEqual([true, true, false]);
    expect(out[0]).toBe(poll[0].verdict);
    expect(out[2]).toBe(poll[2].verdict);
    expect(poll[1].verdict.scaleUp).toBe(true);
    expect((poll[1].verdict as { attributedFrom?: unknown }).attributedFrom).toBeUndefined(); // the input is not mutated
  });
});

describe('attributeToBusiestCallee, mid-tier callers (midTierMinUtilization)', () => {
  // Entry attribution off, so each case shows the mid-tier rule alone; orders calls carts, user, payment, shipping.
  const MID: Partial<CalleeAttributionConfig> = { minUtilization: 0, midTierMinUtilization: 0.65, callGraph: SOCK_SHOP_CALL_GRAPH };
  // carts 17.6 % on 2 replicas is 0.88; user 5.1 % on 1 is 0.51; catalogue 9.5 % on 1 is 0.95.
  it.each([
    ['orders over the SLO: its busiest callee', [entry('orders', 41, 15, 3), entry('carts', 24, 17.6, 2), entry('user', 7, 5.1, 1)], {}, ['carts@0.88']],
    ['… and only among its callees: catalogue is busier but orders does not call it', [entry('orders', 41, 15, 3), entry('carts', 24, 17.6, 2), entry('catalogue', 5, 9.5, 1), entry('user', 7, 5.1, 1)], { midTierMinUtilization: 0.5 }, ['carts@0.88']],
    ['orders within the SLO: nobody', [entry('orders', 34, 15, 3), entry('carts', 24, 17.6, 2)], {}, []],
    ['orders p95 missing: nobody', [entry('orders', null, 15, 3), entry('carts', 24, 17.6, 2)], {}, []],
    ['its busiest callee under the cut: nobody', [entry('orders', 41, 15, 3), entry('carts', 24, 6, 1), entry('user', 7, 5.1, 1)], {}, []],
    ['a leaf over the SLO blames nobody (it calls no one)', [entry('carts', 41, 17.6, 2), entry('user', 7, 9, 1)], {}, []],
    ['off at 0', [entry('orders', 41, 15, 3), entry('carts', 24, 17.6, 2)], { midTierMinUtilization: 0 }, []],
    ['off without a call graph', [entry('orders', 41, 15, 3), entry('carts', 24, 17.6, 2)], { callGraph: undefined }, []],
  ])('%s', (_name, poll, config, expected) => {
    expect(blamed(poll, { ...MID, ...config })).toEqual(expected);
  });

  it('both rules in one poll: the front-end blames the busiest of all, orders the busiest of its own', () => {
    const poll = [entry('front-end', 38, 70, 8), entry('orders', 41, 15, 3), entry('catalogue', 5, 9, 1), entry('carts', 24, 17.6, 2), entry('user', 7, 5.1, 1)];
    expect(blamed(poll, { ...MID, minUtilization: 0.65 })).toEqual(['catalogue@0.90', 'carts@0.88']);
  });

  it('a callee both rules pick is alerted once, with the entry service as the reason', () => {
    const poll = [entry('front-end', 38, 70, 8), entry('orders', 41, 15, 3), entry('carts', 24, 17.6, 2)];
    const out = attributeToBusiestCallee(poll, { ...C, ...MID, minUtilization: 0.65 });
    expect(out[2].attributedFrom).toMatchObject({ from: 'front-end', fromP95Ms: 38 });
    expect(out[2].attributedFrom!.utilization).toBeCloseTo(0.88, 10);
  });
});

describe('calleesOf', () => {
  it.each([
    ['front-end', ['carts', 'catalogue', 'orders', 'payment', 'shipping', 'user']],
    ['orders', ['carts', 'payment', 'shipping', 'user']],
    ['carts', []],
  ])('%s reaches %j in Sock Shop', (caller, expected) => {
    expect([...calleesOf(SOCK_SHOP_CALL_GRAPH, caller)].sort()).toEqual(expected);
  });

  it('a cycle ends, and the caller is never its own callee', () => {
    expect([...calleesOf({ a: ['b'], b: ['c', 'a'], c: ['b'] }, 'a')].sort()).toEqual(['b', 'c']);
  });
});

describe('the hybrid policy with attributionMinUtilization', () => {
  const poll = [entry('front-end', 38, 70, 8), entry('catalogue', 5, 13.8, 2)];

  it('is off with both rules at 0: verdictsForPoll passes the poll through', () => {
    const p = new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, attributionMinUtilization: 0, midTierAttributionMinUtilization: 0 });
    expect(p.attribution).toBeUndefined();
    expect(verdictsForPoll(p, poll)).toEqual(poll.map((e) => e.verdict));
  });

  it('alerts the busiest callee, which then gets its alert replicas, and the reason says why', () => {
    const p = new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, targetUtilizationPct: 105, attributionMinUtilization: 0.5, leadMs: 0 });
    const verdicts = verdictsForPoll(p, poll);
    expect(verdicts.map((v) => v.scaleUp)).toEqual([false, true]);
    const { decision } = p.decide(verdicts[1], 0, p.initialState(2), poll[1].observation);
    // Base at 105 %: ceil(2 × 0.69 / 1.05) = 2; an alert adds one replica (alertMaxExtra 1).
    expect(decision.decision).toBe('SCALE_UP');
    expect(decision.targetReplicas).toBe(3);
    expect(decision.reason).toMatch(/front-end p95 38\.0 ms over the SLO, this callee the busiest at 69 %/);
  });

  it('is on by default, at 55 %, with the mid-tier rule off: the configuration chosen in the lab (criterion v5)', () => {
    expect(new HybridPolicy(DEFAULT_HYBRID_POLICY).attribution).toMatchObject({ minUtilization: 0.55 });
    expect(new HybridPolicy(DEFAULT_HYBRID_POLICY).attribution?.midTierMinUtilization).toBeUndefined();
  });

  it('midTierAttributionMinUtilization alone turns on the mid-tier rule over Sock Shop\'s call graph; 0 turns it off', () => {
    expect(new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, midTierAttributionMinUtilization: 0 }).attribution?.midTierMinUtilization).toBeUndefined();
    expect(new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, midTierAttributionMinUtilization: 0, attributionMinUtilization: 0 }).attribution).toBeUndefined();
    const p = new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, targetUtilizationPct: 105, attributionMinUtilization: 0, midTierAttributionMinUtilization: 0.65, leadMs: 0 });
    const orderPoll = [entry('orders', 41, 15, 3), entry('carts', 24, 17.6, 2), entry('catalogue', 5, 9.5, 1)];
    const verdicts = verdictsForPoll(p, orderPoll);
    expect(verdicts.map((v) => v.scaleUp)).toEqual([false, true, false]);
    const { decision } = p.decide(verdicts[1], 0, p.initialState(2), orderPoll[1].observation);
    // Base at 105 %: ceil(2 × 0.88 / 1.05) = 2; the alert adds one (alertMaxExtra 1).
    expect(decision.targetReplicas).toBe(3);
    expect(decision.reason).toMatch(/orders p95 41\.0 ms over the SLO, this callee the busiest at 88 %/);
  });

  it('rejects a negative attributionMinUtilization', () => {
    expect(() => new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, attributionMinUtilization: -0.1 })).toThrow(/'attributionMinUtilization' must be ≥ 0/);
    expect(() => new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, midTierAttributionMinUtilization: -0.1 })).toThrow(/'midTierAttributionMinUtilization' must be ≥ 0/);
  });
});
