import { describe, expect, it } from 'vitest';
import type { Vote } from '../../schema.js';
import { majorityStrategy, unanimousStrategy, voteStrategy, weightedStrategy } from './index.js';

const v = (model: string, prediction: 0 | 1, confidence: number): Vote => ({
  snapshotId: 's',
  service: 'carts',
  timestamp: 't',
  model,
  modelVersion: '1',
  prediction,
  violationProbability: prediction ? confidence : 1 - confidence,
  confidence,
});

describe('voting strategies', () => {
  // [name, votes, majority, unanimous, weighted (confidence-weighted)]
  const cases: [string, Vote[], boolean, boolean, boolean][] = [
    ['3 of 3 up', [v('a', 1, 0.9), v('b', 1, 0.8), v('c', 1, 0.7)], true, true, true],
    ['2 of 3 up', [v('a', 1, 0.6), v('b', 1, 0.6), v('c', 0, 0.9)], true, false, true], // 1.2 / 2.1 = 0.571
    ['2 of 3 up, weak', [v('a', 1, 0.51), v('b', 1, 0.51), v('c', 0, 0.99)], true, false, true], // 1.02 / 2.01 = 0.507
    ['2 of 3 up, weaker', [v('a', 1, 0.5), v('b', 1, 0.5), v('c', 0, 1.0)], true, false, false], // 1.0 / 2.0 = 0.5, not > 0.5
    ['1 of 3 up, confident', [v('a', 1, 1.0), v('b', 0, 0.5), v('c', 0, 0.5)], false, false, false], // 1.0 / 2.0
    ['tie 1-1 (degraded)', [v('a', 1, 0.9), v('b', 0, 0.6)], false, false, true], // tie → NO ACTION; 0.9 / 1.5 = 0.6
    ['no votes', [], false, false, false],
  ];
  it.each(cases)('%s', (_name, votes, majority, unanimous, weighted) => {
    expect(majorityStrategy.decide(votes).scaleUp).toBe(majority);
    expect(unanimousStrategy.decide(votes).scaleUp).toBe(unanimous);
    expect(weightedStrategy().decide(votes).scaleUp).toBe(weighted);
  });

  it('weighted uses per-model weights from the cards when given', () => {
    const votes = [v('a', 1, 0.6), v('b', 0, 0.6), v('c', 0, 0.6)];
    expect(weightedStrategy().decide(votes).scaleUp).toBe(false); // 1/3
    const w = weightedStrategy({ a: 5, b: 1, c: 1 }).decide(votes);
    expect(w.scaleUp).toBe(true); // 5 / 7
    expect(w.score).toBeCloseTo(5 / 7, 12);
  });

  it('scores are the vote share for majority and unanimous', () => {
    const votes = [v('a', 1, 0.6), v('b', 0, 0.6), v('c', 1, 0.6)];
    expect(majorityStrategy.decide(votes).score).toBeCloseTo(2 / 3, 12);
    expect(unanimousStrategy.decide(votes).score).toBeCloseTo(2 / 3, 12);
  });

  it('rejects unknown names and bad weights', () => {
    expect(() => voteStrategy('loudest')).toThrow(/unknown voting strategy 'loudest' \(known: majority, unanimous, weighted\)/);
    expect(() => weightedStrategy({ a: -1 })).toThrow(/weight of model 'a' must be a finite number ≥ 0/);
  });
});
