import { describe, expect, it } from 'vitest';
import type { Vote } from '../schema.js';
import { majorityStrategy } from './strategies/index.js';
import { VoteAggregator } from './vote-aggregator.js';

const vote = (model: string, prediction: 0 | 1, snapshotId = 's1', service = 'carts'): Vote => ({
  snapshotId,
  service,
  timestamp: 't',
  model,
  modelVersion: '1',
  prediction,
  violationProbability: prediction ? 0.8 : 0.2,
  confidence: 0.8,
});
const make = (quorum?: number) => new VoteAggregator({ strategy: majorityStrategy, expectedModels: ['xgb', 'rf', 'lr'], windowMs: 5000, quorum });

describe('VoteAggregator', () => {
  it('decides as soon as every expected model voted, votes in the expected order', () => {
    const a = make();
    expect(a.add(vote('lr', 0), 0)).toBeNull();
    expect(a.add(vote('xgb', 1), 1)).toBeNull();
    const d = a.add(vote('rf', 1), 2)!;
    expect(d).toMatchObject({ scaleUp: true, scaleUpVotes: 2, noActionVotes: 1, totalVotes: 3, degraded: false });
    expect(d.votes.map((x) => x.model)).toEqual(['xgb', 'rf', 'lr']);
    expect(a.pending).toBe(0);
  });

  it('counts the verdicts taken without the poll\'s measurements, and hands the strategy the votes\' own', () => {
    const a = make();
    for (const m of ['xgb', 'rf', 'lr']) a.add(vote(m, 0, 's1'), 0);
    const observed = { requestRateRps: 1, errorRatePct: 0, p50LatencyMs: 50, p95LatencyMs: 50, p99LatencyMs: 50, cpuUsagePct: 1, memoryUsageMb: 1 };
    let d;
    for (const m of ['xgb', 'rf', 'lr']) d = a.add({ ...vote(m, 0, 's2'), observation: observed }, 0);
    expect(d!.observation).toEqual(observed);
    expect(a.stats).toMatchObject({ decided: 2, withoutObservation: 1 });
  });

  it('counts a duplicate vote once', () => {
    const a = make();
    a.add(vote('xgb', 1), 0);
    expect(a.add(vote('xgb', 1), 1)).toBeNull();
    a.add(vote('rf', 0), 2);
    const d = a.add(vote('lr', 0), 3)!;
    expect(d.totalVotes).toBe(3);
    expect(d.scaleUp).toBe(false);
    expect(a.stats.duplicates).toBe(1);
  });

  it('counts late votes without deciding again', () => {
    const a = make();
    a.add(vote('xgb', 1), 0);
    a.add(vote('rf', 1), 0);
    expect(a.tick(5000)).toHaveLength(1); // quorum 2 of 3 at window close
    expect(a.add(vote('lr', 1), 6000)).toBeNull();
    expect(a.stats).toMatchObject({ late: 1, decided: 1, degraded: 1 });
  });

  it('decides on quorum at window close and marks the decision degraded', () => {
    const a = make();
    a.add(vote('xgb', 1), 1000);
    a.add(vote('rf', 1), 2000);
    expect(a.tick(5999)).toEqual([]); // window runs from the first vote: closes at 6000
    const [d] = a.tick(6000);
    expect(d).toMatchObject({ scaleUp: true, totalVotes: 2, degraded: true, missingModels: ['lr'] });
  });

  it('takes no decision when the window closes below quorum', () => {
    const a = make(2);
    a.add(vote('xgb', 1), 0);
    expect(a.tick(10_000)).toEqual([]);
    expect(a.stats.expiredBelowQuorum).toBe(1);
    expect(a.add(vote('rf', 1), 10_001)).toBeNull(); // its key is closed: late
    expect(a.stats.late).toBe(1);
  });

  it('keeps (service, snapshot) keys apart and ignores unexpected models', () => {
    const a = make();
    a.add(vote('xgb', 1, 's1', 'carts'), 0);
    a.add(vote('xgb', 0, 's1', 'orders'), 0);
    a.add(vote('xgb', 0, 's2', 'carts'), 0);
    a.add(vote('svm', 1, 's1', 'carts'), 0);
    expect(a.pending).toBe(3);
    expect(a.stats.unexpected).toBe(1);
  });

  it('validates its configuration', () => {
    expect(() => new VoteAggregator({ strategy: majorityStrategy, expectedModels: [], windowMs: 1 })).toThrow(/expectedModels/);
    expect(() => make(4)).toThrow(/quorum must be a whole number from 1 to 3, got 4/);
    expect(() => new VoteAggregator({ strategy: majorityStrategy, expectedModels: ['a'], windowMs: -1 })).toThrow(/windowMs/);
  });
});

describe('VoteAggregator memory of decided keys', () => {
  it('remembers the last `rememberDecided` keys as late and forgets older ones', () => {
    const a = new VoteAggregator({ strategy: majorityStrategy, expectedModels: ['m'], windowMs: 0, rememberDecided: 2 });
    for (const s of ['s1', 's2', 's3']) expect(a.add(vote('m', 1, s), 0)).not.toBeNull();
    expect(a.add(vote('m', 1, 's3'), 0)).toBeNull(); // remembered: late
    expect(a.add(vote('m', 1, 's2'), 0)).toBeNull(); // remembered: late
    expect(a.stats.late).toBe(2);
    expect(a.add(vote('m', 1, 's1'), 0)).not.toBeNull(); // forgotten: decided again
  });
});
