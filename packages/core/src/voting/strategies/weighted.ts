import type { Vote } from '../../schema.js';
import { calibrate, logit, sigmoid, type PlattCalibration } from '../calibration.js';
import type { VoteStrategy } from '../vote-strategy.js';

/** The learned vote weights: a logistic regression on the models' calibrated logits (see models/README.md). */
export interface StackedWeights {
  intercept: number;
  coefficients: Readonly<Record<string, number>>;
  /** Scale up when the stacked probability is ≥ this. */
  threshold: number;
}

export interface WeightedOptions {
  /** Per-model weights for the calibrated mean (the cards' `weight`, each model's cross-validated F1); default 1. */
  weights?: Readonly<Record<string, number>>;
  /** Per-model Platt calibration (the cards' `calibration`); a model without one contributes its raw probability. */
  calibration?: Readonly<Record<string, PlattCalibration>>;
  /** Scale up when the calibrated mean is ≥ this (the cards' `ensemble.weighted.threshold`); default 0.5. */
  threshold?: number;
  /** Combine by the learned stacking weights instead of the calibrated mean. */
  stacked?: StackedWeights;
}

export const WEIGHTINGS = ['f1', 'stacked'] as const;
export type Weighting = (typeof WEIGHTINGS)[number];

/**
 * Combines the models' probabilities, not their votes. Each vote's violation probability p is first
 * calibrated (q), so that the three models' numbers mean the same thing, then:
 *
 * - by default, score = Σ w·q / Σ w with the card weights w, and the verdict is score ≥ threshold;
 * - with `stacked` (`--weights stacked`), score = sigmoid(intercept + Σ c·logit(q)), the stacked ensemble's
 *   probability with coefficients learned on out-of-fold probabilities, and the verdict is score ≥ its threshold.
 *
 * Only the votes present count: a model missing from a degraded verdict adds nothing (in the stacked form
 * its logit is taken as 0, i.e. q = 0.5, no evidence either way).
 *
 * Why not the prototype's rule, Σ w·conf·vote / Σ w·conf > 0.5 with conf = p or 1 − p: it weighs votes,
 * each cast at its model's own threshold, by a confidence measured against 0.5. With three voters of
 * similar weight, one dissenting vote can outweigh two only in rare corners, so it took exactly the
 * majority's decisions on every held-out row and on all but 1 of the 834 split votes of the training rows.
 */
export function weightedStrategy(options: WeightedOptions = {}): VoteStrategy {
  for (const [model, w] of Object.entries(options.weights ?? {})) {
    if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`weighted strategy: weight of model '${model}' must be a finite number ≥ 0, got ${w}`);
  }
  const threshold = options.threshold ?? 0.5;
  if (!(threshold > 0 && threshold < 1)) throw new Error(`weighted strategy: threshold must be in (0, 1), got ${threshold}`);
  const stacked = options.stacked;
  if (stacked) {
    if (!Number.isFinite(stacked.intercept)) throw new Error(`weighted strategy: stacked intercept must be a finite number, got ${stacked.intercept}`);
    if (!(stacked.threshold > 0 && stacked.threshold < 1)) throw new Error(`weighted strategy: stacked threshold must be in (0, 1), got ${stacked.threshold}`);
    for (const [model, c] of Object.entries(stacked.coefficients)) {
      if (!(c >= 0) || !Number.isFinite(c)) throw new Error(`weighted strategy: stacked coefficient of model '${model}' must be a finite number ≥ 0, got ${c}`);
    }
  }
  const weights = options.weights ?? {};
  const calibration = options.calibration ?? {};
  const q = (v: Vote) => calibrate(calibration[v.model], v.violationProbability);
  return {
    name: 'weighted',
    decide(votes) {
      if (stacked) {
        if (votes.length === 0) return { scaleUp: false, score: 0 };
        let z = stacked.intercept;
        for (const v of votes) z += (stacked.coefficients[v.model] ?? 0) * logit(q(v));
        const score = sigmoid(z);
        return { scaleUp: score >= stacked.threshold, score };
      }
      if (votes.length === 0) return { scaleUp: false, score: 0 };
      let num = 0;
      let den = 0;
      for (const v of votes) {
        const w = weights[v.model] ?? 1;
        num += w * q(v);
        den += w;
      }
      // Every weight 0: no model is preferred, so all count alike (the trainer does the same).
      if (den === 0) for (const v of votes) (num += q(v)), (den += 1);
      const score = num / den;
      return { scaleUp: score >= threshold, score };
    },
  };
}
