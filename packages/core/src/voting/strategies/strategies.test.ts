import { describe, expect, it } from 'vitest';
import type { ModelCard } from '../../models/model-card.js';
import type { PollObservation, Vote } from '../../schema.js';
import { calibrate, logit, sigmoid } from '../calibration.js';
import { verdictFrom } from '../vote-aggregator.js';
import { majorityStrategy, regimeStrategy, unanimousStrategy, voteStrategy, voteStrategyFromCards, weightedStrategy } from './index.js';

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
    expect(() => voteStrategy('loudest')).toThrow(/unknown voting strategy 'loudest' \(known: majority, unanimous, weighted, regime\)/);
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

describe('regime strategy', () => {
  /** A poll whose p95 is `p95` ms (null: no latency data). */
  const poll = (p95: number | null): PollObservation => ({ requestRateRps: 5, errorRatePct: 0, p50LatencyMs: p95, p95LatencyMs: p95, p99LatencyMs: p95, cpuUsagePct: 10, memoryUsageMb: 50 });
  const regime = regimeStrategy({ sloMs: 35.68, model: 'xgboost', calmThreshold: 0.3 });
  const votes = (xgb: number) => [v('xgboost', xgb), v('random_forest', 0.9), v('logistic_regression', 0.9)];
  // [name, votes, observation, scaleUp, score]: the other models' votes never count; the calm model's only on calm polls with latency data.
  const cases: [string, Vote[], PollObservation | undefined, boolean, number][] = [
    ['hot poll: an alarm whatever the models say', votes(0.01), poll(40), true, 1],
    ['hot by a hair', votes(0.01), poll(35.69), true, 1],
    ['at the SLO is calm (over, not at, violates)', votes(0.01), poll(35.68), false, 0.01],
    ['calm, the calm model at its threshold', votes(0.3), poll(20), true, 0.3],
    ['calm, the calm model under it (the other two high)', votes(0.29), poll(20), false, 0.29],
    ['no latency data: no alarm even with every model high', votes(0.99), poll(null), false, 0],
    ['no observation at all: no regime to read, no alarm', votes(0.99), undefined, false, 0],
    ['calm model missing (degraded verdict): no calm alarm', [v('random_forest', 0.99)], poll(20), false, 0],
    ['calm model missing, hot poll: still an alarm', [v('random_forest', 0.01)], poll(50), true, 1],
  ];
  it.each(cases)('%s', (_name, vs, observation, scaleUp, score) => {
    const r = regime.decide(vs, observation);
    expect(r.scaleUp).toBe(scaleUp);
    expect(r.score).toBeCloseTo(score, 12);
  });

  it('rejects a bad SLO, model or threshold, and needs its parameters by name', () => {
    expect(() => regimeStrategy({ sloMs: 0, model: 'x', calmThreshold: 0.3 })).toThrow(/sloMs must be a positive number/);
    expect(() => regimeStrategy({ sloMs: 35, model: '', calmThreshold: 0.3 })).toThrow(/model must name a model/);
    expect(() => regimeStrategy({ sloMs: 35, model: 'x', calmThreshold: 1 })).toThrow(/calmThreshold must be in \(0, 1\)/);
    expect(() => voteStrategy('regime')).toThrow(/'regime' needs its parameters/);
  });

  it('the aggregator path: verdictFrom hands the strategy the poll it is given, else the votes’ own observation', () => {
    const withObs = votes(0.01).map((x) => ({ ...x, observation: poll(50) }));
    expect(verdictFrom(withObs, regime, ['xgboost', 'random_forest', 'logistic_regression'], { snapshotId: 's', service: 'carts', timestamp: 't' }).scaleUp).toBe(true);
    expect(verdictFrom(votes(0.01), regime, ['xgboost', 'random_forest', 'logistic_regression'], { snapshotId: 's', service: 'carts', timestamp: 't' }).scaleUp).toBe(false);
    expect(verdictFrom(votes(0.01), regime, ['xgboost', 'random_forest', 'logistic_regression'], { snapshotId: 's', service: 'carts', timestamp: 't' }, poll(50)).scaleUp).toBe(true);
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

  it('regime reads the cards’ regime block and the SLO of its model’s label, and refuses cards without one or with it out of use', () => {
    const block = { model: 'a', calmThreshold: 0.4, rule: 'f1 on calm polls' };
    const withLabel = (name: string, extra: Partial<ModelCard> = {}) => card(name, { label: { metric: 'p95_latency_ms', sloMs: 30, lookahead: 2, definition: '' }, regime: block, ...extra });
    const r = voteStrategyFromCards('regime', [withLabel('a'), withLabel('b')]);
    expect(r.name).toBe('regime');
    const calm = (p95: number) => ({ requestRateRps: 5, errorRatePct: 0, p50LatencyMs: p95, p95LatencyMs: p95, p99LatencyMs: p95, cpuUsagePct: 10, memoryUsageMb: 50 });
    expect(r.decide([v('a', 0.1), v('b', 0.9)], calm(31)).scaleUp).toBe(true); // over the label's 30 ms
    expect(r.decide([v('a', 0.41), v('b', 0.1)], calm(29)).scaleUp).toBe(true); // a at 0.41 ≥ 0.4
    expect(r.decide([v('a', 0.39), v('b', 0.99)], calm(29)).scaleUp).toBe(false);
    // The run's SLO, when given (replay --slo, the lab's), decides what is hot.
    expect(voteStrategyFromCards('regime', [withLabel('a')], 'f1', { sloMs: 25 }).decide([v('a', 0.01)], calm(29)).scaleUp).toBe(true);
    expect(() => voteStrategyFromCards('regime', [card('a')])).toThrow(/needs cards with a calm-poll threshold \(field 'regime'/);
    expect(() => voteStrategyFromCards('regime', [withLabel('b')])).toThrow(/with model 'a' .* not among the models in use \(b\)/);
    expect(() => voteStrategyFromCards('regime', [withLabel('a'), withLabel('b', { regime: { ...block, calmThreshold: 0.5 } })])).toThrow(/'a' and 'b' carry different regime parameters/);
    expect(() => voteStrategyFromCards('regime', [withLabel('a')], 'stacked')).toThrow(/applies to --strategy weighted/);
  });

  it('majority and unanimous ignore the ensemble parameters', () => {
    expect(voteStrategyFromCards('majority', [card('a')]).name).toBe('majority');
    expect(voteStrategyFromCards('unanimous', [card('a')]).name).toBe('unanimous');
  });
});
