import { describe, expect, it } from 'vitest';
import type { Actuator } from '../actuators/actuator.js';
import { DEFAULT_HYBRID_POLICY, HybridPolicy } from '../policy/policies/hybrid.js';
import { DEFAULT_STEP_POLICY as DEFAULT_POLICY, StepPolicy } from '../policy/policies/step.js';
import type { ScalingDecision, Vote } from '../schema.js';
import { majorityStrategy } from '../voting/strategies/index.js';
import { LiveScaler } from './live-scaler.js';
import { ScalingController, type TakenDecision } from './scaling-controller.js';

const t0 = Date.UTC(2026, 3, 8, 12, 0, 0);
const MODELS = ['a', 'b', 'c'];
const vote = (model: string, poll: number, prediction: 0 | 1, service = 'carts'): Vote => {
  const timestamp = new Date(t0 + poll * 30_000).toISOString();
  return { snapshotId: `run@${timestamp}`, service, timestamp, model, modelVersion: '1', prediction, violationProbability: prediction ? 0.9 : 0.1, confidence: 0.9 };
};
/** Every model's vote for one (service, poll). */
const poll = (n: number, prediction: 0 | 1, service = 'carts') => MODELS.map((m) => vote(m, n, prediction, service));
const turn = () => new Promise((r) => setImmediate(r));

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/**
 * An actuator whose reads answer from a script per service: a number or null answers at once, 'fail'
 * fails at once, 'late' waits until the test resolves it. Records reads, applies and publishes, and
 * whether two publishes or applies ever overlapped.
 */
function fakes(script: Record<string, (number | null | 'fail' | 'late')[]> = {}) {
  const reads: string[] = [];
  const late = new Map<string, ReturnType<typeof deferred<number | null>>>();
  const published: string[][] = [];
  const applied: string[] = [];
  const logs: string[] = [];
  let busy = 0;
  let overlapped = false;
  let failApplies = 0;
  const key = (d: ScalingDecision) => `${d.service}@${d.timestamp.slice(11, 19)}:${d.decision}:${d.targetReplicas}`;
  const actuator: Actuator = {
    name: 'fake',
    async currentReplicas(service) {
      reads.push(service);
      const next = (script[service] ?? [null]).shift();
      if (next === 'fail') throw new Error('connection refused');
      if (next === 'late') {
        late.set(service, deferred());
        return late.get(service)!.promise;
      }
      return next ?? null;
    },
    async apply(d) {
      if (++busy > 1) overlapped = true;
      await turn();
      busy--;
      if (failApplies > 0) {
        failApplies--;
        throw new Error('target said 500');
      }
      applied.push(key(d));
      return { applied: true, detail: '' };
    },
  };
  const publish = async (taken: TakenDecision[]) => {
    if (++busy > 1) overlapped = true;
    await turn();
    busy--;
    published.push(taken.map((t) => key(t.decision)));
  };
  return {
    actuator,
    publish,
    reads,
    late,
    published,
    applied,
    logs,
    overlapped: () => overlapped,
    failNextApplies: (n: number) => (failApplies = n),
    log: (line: string) => logs.push(line),
  };
}

function scaler(f: ReturnType<typeof fakes>, policy: Partial<typeof DEFAULT_POLICY> = {}) {
  const controller = new ScalingController({ strategy: majorityStrategy, expectedModels: MODELS, windowMs: 5000 }, new StepPolicy({ ...DEFAULT_POLICY, ...policy }));
  return new LiveScaler(controller, { actuator: f.actuator, publish: f.publish, log: f.log, warn: f.log, seed: { attempts: 3, backoffMs: 1000, maxBackoffMs: 60_000 } });
}

describe('LiveScaler', () => {
  it("a service's decisions wait for its late replica read, the window timer's included, in order; other services' do not", async () => {
    const f = fakes({ carts: ['late'], orders: [2] });
    const s = scaler(f);
    const batch1 = s.onVotes([...poll(0, 1), vote('a', 1, 0), vote('b', 1, 0)], 0); // carts poll 0 complete, poll 1 missing c
    await turn();
    expect(f.reads).toEqual(['carts']);
    // The window of carts poll 1 closes while the read is still out; so do orders' decisions.
    const tick = s.onTick(5000);
    const batch2 = s.onVotes(poll(0, 0, 'orders'), 5000);
    await batch2;
    expect(f.published).toEqual([['orders@12:00:00:NO_ACTION:2']]);
    expect(f.published.flat().some((d) => d.startsWith('carts'))).toBe(false);
    // The target says 4: carts poll 0 scales up from there, and the degraded poll 1 comes after it.
    f.late.get('carts')!.resolve(4);
    await Promise.all([batch1, tick]);
    expect(f.published.flat().filter((d) => d.startsWith('carts'))).toEqual(['carts@12:00:00:SCALE_UP:5', 'carts@12:00:30:NO_ACTION:5']);
    expect(f.applied).toContain('carts@12:00:00:SCALE_UP:5');
    expect(f.logs).toContain('scale: carts starts from 4 replicas (fake target)');
    expect(f.overlapped()).toBe(false);
  });

  it('decisions taken in the same turn, or while a flush is going, go out together, one flush at a time', async () => {
    const f = fakes();
    const s = scaler(f);
    const first = s.onVotes(poll(0, 0, 'carts'), 0);
    const second = s.onVotes(poll(0, 0, 'orders'), 0);
    await turn(); // the reads (null: not known) are over; both decisions join one flush
    await Promise.all([first, second]);
    const third = s.onVotes(poll(1, 0, 'carts'), 1);
    const fourth = s.onTick(2);
    const fifth = s.onVotes(poll(1, 0, 'orders'), 3);
    await Promise.all([third, fourth, fifth]);
    expect(f.published).toEqual([
      ['carts@12:00:00:NO_ACTION:1', 'orders@12:00:00:NO_ACTION:1'],
      ['carts@12:00:30:NO_ACTION:1', 'orders@12:00:30:NO_ACTION:1'],
    ]);
    expect(f.overlapped()).toBe(false);
  });

  // Reads of carts: what each answers; votes: [poll, ms since start] of each complete poll; the reads
  // made, and the replica count carts's decisions started from, poll by poll.
  it.each([
    { name: 'a failed read is retried on a vote after the backoff, and the late count replaces the minimum', answers: ['fail', 6], votes: [[0, 0], [1, 500], [2, 1000], [3, 1500]], reads: 2, from: [1, 1, 6, 6] },
    { name: 'the backoff doubles after each failure', answers: ['fail', 'fail', 3], votes: [[0, 0], [1, 1000], [2, 2000], [3, 3000]], reads: 3, from: [1, 1, 1, 3] },
    { name: 'attempts are bounded: after the last failure the policy keeps its own count', answers: ['fail', 'fail', 'fail', 9], votes: [[0, 0], [1, 1000], [2, 3000], [3, 10_000], [4, 60_000]], reads: 3, from: [1, 1, 1, 1, 1] },
    { name: 'a target that does not say is not asked again', answers: [null, 5], votes: [[0, 0], [1, 5000], [2, 10_000]], reads: 1, from: [1, 1, 1] },
    { name: 'a successful read is the only one', answers: [2, 7], votes: [[0, 0], [1, 5000]], reads: 1, from: [2, 2] },
  ])('seeding: $name', async ({ answers, votes, reads, from }) => {
    const f = fakes({ carts: [...answers] as (number | null | 'fail')[] });
    const s = scaler(f, { maxReplicas: 20 });
    const started: number[] = [];
    for (const [n, at] of votes) {
      await s.onVotes(poll(n, 0), at);
      started.push(s.controller.replicas('carts'));
    }
    expect(f.reads).toHaveLength(reads);
    expect(started).toEqual(from);
    const failures = answers.slice(0, reads).filter((a) => a === 'fail').length;
    expect(f.logs.filter((l) => /could not read carts's replicas from the fake target \(connection refused\), attempt \d of 3/.test(l))).toHaveLength(failures);
    if (failures === 3) expect(f.logs.at(-1)).toMatch(/attempt 3 of 3; giving up: the policy counts from 1$/);
    else if (failures > 0) expect(f.logs[0]).toMatch(/attempt 1 of 3; trying again on a vote 1\.0 s after this read began; meanwhile the policy counts from 1$/);
  });

  it("no read is retried while one of the service's decisions is still being applied", async () => {
    const f = fakes({ carts: ['fail', 4] });
    const s = scaler(f);
    f.failNextApplies(2);
    // The read fails; poll 0 is decided from the minimum, and its apply fails: it waits to be retried.
    await expect(s.onVotes(poll(0, 0), 0)).rejects.toThrow('target said 500');
    const [first, ...rest] = poll(1, 0);
    // The backoff is over, but poll 0 is not applied yet: no read (and poll 0's second apply fails).
    await expect(s.onVotes([first], 2000)).rejects.toThrow('target said 500');
    expect(f.reads).toHaveLength(1);
    await s.onVotes(rest, 2001); // still no read; poll 0 goes out, then poll 1, from the minimum
    expect(f.reads).toHaveLength(1);
    await s.onVotes(poll(2, 0), 3000); // now the read is retried, before poll 2's decision
    expect(f.reads).toHaveLength(2);
    expect(f.applied).toEqual(['carts@12:00:00:NO_ACTION:1', 'carts@12:00:30:NO_ACTION:1', 'carts@12:01:00:NO_ACTION:4']);
  });

  it('a decision whose apply failed goes out again first on the next tick, even when nothing new was decided', async () => {
    const f = fakes();
    const s = scaler(f);
    f.failNextApplies(1);
    await expect(s.onVotes(poll(0, 1), 0)).rejects.toThrow('target said 500');
    expect(f.applied).toEqual([]);
    await s.onTick(1000);
    expect(f.applied).toEqual(['carts@12:00:00:SCALE_UP:2']);
    expect(f.published).toEqual([['carts@12:00:00:SCALE_UP:2'], ['carts@12:00:00:SCALE_UP:2']]); // published again: its decision id tells
  });

  it.each([
    { name: 'above the max: scaled down to it by the first decision', reads: 12, want: 'carts@12:00:00:SCALE_DOWN:10', log: /carts starts from 12 replicas \(fake target\), outside the policy's max 10: its next decision moves it to 10/ },
    { name: 'below the min: scaled up to it by the first decision', reads: 0, want: 'carts@12:00:00:SCALE_UP:2', log: /carts starts from 0 replicas \(fake target\), outside the policy's min 2: its next decision moves it to 2/ },
  ])('a target running outside the bounds is $name', async ({ reads, want, log }) => {
    const f = fakes({ carts: [reads] });
    const s = scaler(f, { minReplicas: 2, maxReplicas: 10 });
    await s.onVotes(poll(0, 0), 0);
    expect(f.applied).toEqual([want]);
    expect(f.logs.join('\n')).toMatch(log);
  });

  it("seed: false never asks the target and starts from the policy's minimum", async () => {
    const f = fakes({ carts: [7] });
    const controller = new ScalingController({ strategy: majorityStrategy, expectedModels: MODELS, windowMs: 5000 }, new StepPolicy());
    const s = new LiveScaler(controller, { actuator: f.actuator, publish: f.publish, seed: false });
    await s.onVotes(poll(0, 1), 0);
    expect(f.reads).toEqual([]);
    expect(f.applied).toEqual(['carts@12:00:00:SCALE_UP:2']);
  });

  it('idle() waits for a read in progress and the decisions behind it', async () => {
    const f = fakes({ carts: ['late'] });
    const s = scaler(f);
    void s.onVotes(poll(0, 0), 0);
    await turn();
    let idle = false;
    const waiting = s.idle().then(() => (idle = true));
    await turn();
    expect(idle).toBe(false);
    f.late.get('carts')!.resolve(3);
    await waiting;
    expect(f.applied).toEqual(['carts@12:00:00:NO_ACTION:3']);
  });
});

describe('LiveScaler with callee attribution', () => {
  /** front-end over the SLO; CPU in % of one core: catalogue 12, carts 5. */
  const cpu: Record<string, number> = { 'front-end': 30, catalogue: 12, carts: 5 };
  const observed = (service: string) => ({ requestRateRps: 10, errorRatePct: 0, p50LatencyMs: 5, p95LatencyMs: service === 'front-end' ? 40 : 10, p99LatencyMs: 45, cpuUsagePct: cpu[service], memoryUsageMb: 100 });
  const calmPoll = (service: string) => poll(0, 0, service).map((v) => ({ ...v, observation: observed(service) }));
  const attributing = (f: ReturnType<typeof fakes>) => {
    const controller = new ScalingController({ strategy: majorityStrategy, expectedModels: MODELS, windowMs: 5000 }, new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, attributionMinUtilization: 0.5 }));
    return new LiveScaler(controller, { actuator: f.actuator, publish: f.publish, log: f.log, warn: f.log, seed: { attempts: 3, backoffMs: 1000, maxBackoffMs: 60_000 } });
  };

  it("a poll is decided once every one of its services' replica reads is over: attribution counts with the counts read", async () => {
    // catalogue runs 3 (read late): 12 % on 3 × 0.1 core is 0.4, under 0.5; carts on 1 is 0.5, the busiest.
    // Counted from the minimum instead, catalogue (1.2) would be blamed.
    const f = fakes({ 'front-end': [2], catalogue: ['late'], carts: [1] });
    const s = attributing(f);
    const votes = s.onVotes([...calmPoll('front-end'), ...calmPoll('catalogue'), ...calmPoll('carts')], 0);
    await votes;
    expect(f.published).toEqual([]); // the first poll waits for the window: the services are not known yet
    const tick = s.onTick(5000);
    await turn();
    await turn();
    expect(f.published).toEqual([]); // and then for catalogue's read
    f.late.get('catalogue')!.resolve(3);
    await tick;
    expect(f.published).toHaveLength(1); // one poll, one flush
    const [published] = f.published;
    expect(published).toContain('carts@12:00:00:SCALE_UP:2');
    expect(published.some((d) => d.startsWith('catalogue@12:00:00:SCALE_UP'))).toBe(false);
    expect(published).toHaveLength(3);
  });

  it('drain() decides the polls still waiting for a service when the scaler stops', async () => {
    const f = fakes();
    const s = attributing(f);
    await s.onVotes(calmPoll('front-end'), 0);
    expect(f.applied).toEqual([]);
    await s.drain();
    expect(f.applied).toEqual(['front-end@12:00:00:SCALE_UP:3']);
  });
});
