import { describe, expect, it } from 'vitest';
import type { ModelCard } from '../../models/model-card.js';
import type { Vote } from '../../schema.js';
import { calibrate, logit, sigmoid } from '../calibration.js';
import { majorityStrategy, unanimousStrategy, voteStrategy, voteStrategyFromCards, weightedStrategy } from './index.js';

/** A vote with violation probability p, cast at the model's threshold. */
const v = (model: string, p: number, threshold = 0.5): Vote => {
  const prediction: 0 | 1 = p >= threshold ? 1 : 0;
  return { snapshotId: 's', service: 'carts', timestamp: 't', model, modelVersion: '1', prediction, violationProbability: p, confidence: prediction ? p : 1 - p };
};

describe('voting strategies', () => {
  // [name, votes, majority, unanimous, weighted (mean probability ≥ 0.5, no calibration, equal weights)]
  const cases: [string, Vote[], boolean, boolean, boolean][] = [
    ['3 of 3 up', [v('a', 0.9), v('b', 0.8), v('c', 0.7)], true, true, true],
    ['2 of 3 up, mean above', [v('a', 0.9), v('b', 0.6), v('c', 0.2)], true, false, true], // 1.7 / 3
    ['2 of 3 up, mean below', [v('a', 0.55), v('b', 0.55), v('c', 0.05)], true, false, false], // 1.15 / 3
    ['1 of 3 up, mean above', [v('a', 0.99), v('b', 0.45), v('c', 0.45)], false, false, true], // 1.89 / 3
    ['tie 1-1 (degraded)', [v('a', 0.9), v('b', 0.4)], false, false, true], // tie → NO ACTION; 0.65
    ['no votes', [], false, false, false],
  ];
  it.each(cases)('%s', (_name, votes, majority, unanimous, weighted) => {
    expect(majorityStrategy.decide(votes).scaleUp).toBe(majority);
    expect(unanimousStrategy.decide(votes).scaleUp).toBe(unanimous);
    expect(weightedStrategy().decide(votes).scaleUp).toBe(weighted);
  });

  it('scores are the vote share for majority and unanimous', () => {
    const votes = [v('a', 0.6), v('b', 0.4), v('c', 0.6)];
    expect(majorityStrategy.decide(votes).score).toBeCloseTo(2 / 3, 12);
    expect(unanimousStrategy.decide(votes).score).toBeCloseTo(2 / 3, 12);
  });

  it('rejects unknown names and bad weights, thresholds and stacking coefficients', () => {
    expect(() => voteStrategy('loudest')).toThrow(/unknown voting strategy 'loudest' \(known: majority, unanimous, weighted\)/);
    expect(() => weightedStrategy({ weights: { a: -1 } })).toThrow(/weight of model 'a' must be a finite number ≥ 0/);
    expect(() => weightedStrategy({ threshold: 1 })).toThrow(/threshold must be in \(0, 1\)/);
    expect(() => weightedStrategy({ stacked: { intercept: 0, coefficients: { a: -0.5 }, threshold: 0.5 } })).toThrow(/stacked coefficient of model 'a' must be a finite number ≥ 0/);
  });
});

describe('weighted strategy', () => {
  it('averages calibrated probabilities with the card weights and compares with its threshold', () => {
    const calibration = { a: { method: 'platt' as const, a: 2, b: -1 }, b: { method: 'platt' as const, a: 1, b: 0.5 } };
    const votes = [v('a', 0.3), v('b', 0.2)];
    const qa = sigmoid(2 * logit(0.3) - 1);
    const qb = sigmoid(logit(0.2) + 0.5);
    const r = weightedStrategy({ weights: { a: 3, b: 1 }, calibration, threshold: 0.2 }).decide(votes);
    expect(r.score).toBeCloseTo((3 * qa + qb) / 4, 12);
    expect(r.scaleUp).toBe((3 * qa + qb) / 4 >= 0.2);
    expect(weightedStrategy({ weights: { a: 3, b: 1 }, calibration, threshold: 0.5 }).decide(votes).scaleUp).toBe(false);
  });

  it('with every weight 0, counts the models alike', () => {
    expect(weightedStrategy({ weights: { a: 0, b: 0 } }).decide([v('a', 0.8), v('b', 0.4)]).score).toBeCloseTo(0.6, 12);
  });

  it('stacked: sigmoid(intercept + Σ c·logit(q)), and a missing model adds nothing', () => {
    const stacked = { intercept: -1, coefficients: { a: 0.8, b: 0.5, c: 0 }, threshold: 0.4 };
    const r = weightedStrategy({ stacked }).decide([v('a', 0.7), v('b', 0.6), v('c', 0.99)]);
    const z = -1 + 0.8 * logit(0.7) + 0.5 * logit(0.6);
    expect(r.score).toBeCloseTo(sigmoid(z), 12);
    expect(r.scaleUp).toBe(sigmoid(z) >= 0.4);
    expect(weightedStrategy({ stacked }).decide([v('a', 0.7)]).score).toBeCloseTo(sigmoid(-1 + 0.8 * logit(0.7)), 12);
  });

  /**
   * The defect behind issue 11's "weighted gives exactly majority's confusion matrix": the old rule,
   * Σ w·conf·vote / Σ w·conf > 0.5 with conf = p or 1 − p, weighs each vote (cast at its model's own
   * threshold) by a confidence measured against 0.5. With three voters of similar weight one dissent can
   * outweigh two agreeing votes only in rare corners, so weighted voting was majority voting. Here two
   * models vote "violation" just past their thresholds and the third is fairly sure there is none. The old
   * rule followed the majority ((0.3·0.69 + 0.6·0.72) / (0.3·0.69 + 0.6·0.72 + 0.9·0.6) = 0.54 > 0.5);
   * the calibrated probabilities, averaged, say no.
   */
  it('can disagree with the majority: two votes just past their thresholds, one confident dissent', () => {
    const cards = { xgboost: 0.204, random_forest: 0.55, logistic_regression: 0.411 };
    const votes = [v('xgboost', 0.3, cards.xgboost), v('random_forest', 0.6, cards.random_forest), v('logistic_regression', 0.1, cards.logistic_regression)];
    expect(majorityStrategy.decide(votes).scaleUp).toBe(true);
    const calibration = {
      xgboost: { method: 'platt' as const, a: 1, b: 0.4 }, // its 0.3 means about 0.39
      random_forest: { method: 'platt' as const, a: 1.2, b: -0.6 }, // its 0.6 means about 0.47
      logistic_regression: { method: 'platt' as const, a: 1, b: 0 },
    };
    const r = weightedStrategy({ weights: { xgboost: 0.69, random_forest: 0.72, logistic_regression: 0.6 }, calibration, threshold: 0.35 }).decide(votes);
    expect(r.score).toBeCloseTo((0.69 * sigmoid(logit(0.3) + 0.4) + 0.72 * sigmoid(1.2 * logit(0.6) - 0.6) + 0.6 * 0.1) / 2.01, 12); // 0.33
    expect(r.scaleUp).toBe(false);
  });
});

describe('voteStrategyFromCards', () => {
  const ensemble = { members: ['a', 'b'], weighted: { threshold: 0.3 }, stacked: { intercept: -2, coefficients: { a: 1, b: 0.5 }, threshold: 0.45 } };
  const card = (name: string, extra: Partial<ModelCard> = {}) =>
    ({ name, weight: 1, calibration: { method: 'platt', a: 1, b: 0 }, ensemble, ...extra }) as unknown as ModelCard;

  it('weighted takes the cards’ threshold; --weights stacked the learned weights', () => {
    const votes = [v('a', 0.32), v('b', 0.3)];
    expect(voteStrategyFromCards('weighted', [card('a'), card('b')]).decide(votes).scaleUp).toBe(true); // mean 0.31 ≥ 0.3
    const stacked = voteStrategyFromCards('weighted', [card('a'), card('b')], 'stacked').decide(votes);
    expect(stacked.score).toBeCloseTo(sigmoid(-2 + logit(0.32) + 0.5 * logit(0.3)), 12);
    expect(stacked.scaleUp).toBe(false);
    expect(calibrate(undefined, 0.3)).toBe(0.3);
  });

  it('refuses cards from different trainings, and stacking for other models than it was learned on', () => {
    const other = { ...ensemble, weighted: { threshold: 0.4 } };
    expect(() => voteStrategyFromCards('weighted', [card('a'), card('b', { ensemble: other })])).toThrow(/models 'a' and 'b' carry different ensemble parameters/);
    expect(() => voteStrategyFromCards('weighted', [card('a')], 'stacked')).toThrow(/learned for models a, b, but a are in use/);
    expect(() => voteStrategyFromCards('weighted', [card('a', { ensemble: undefined })], 'stacked')).toThrow(/needs cards with learned ensemble weights/);
    expect(() => voteStrategyFromCards('majority', [card('a')], 'stacked')).toThrow(/applies to --strategy weighted/);
  });

  it('majority and unanimous ignore the ensemble parameters', () => {
    expect(voteStrategyFromCards('majority', [card('a')]).name).toBe('majority');
    expect(voteStrategyFromCards('unanimous', [card('a')]).name).toBe('unanimous');
  });
});
