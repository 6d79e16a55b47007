import type { Vote } from '../../schema.js';
import type { VoteStrategy } from '../vote-strategy.js';

/**
 * Σ w·prediction / Σ w > 0.5. Without per-model weights, w is each vote's confidence (the prototype's
 * rule); with weights (from the model cards, e.g. each model's cross-validated F1), w = weight × confidence.
 */
export function weightedStrategy(modelWeights: Readonly<Record<string, number>> = {}): VoteStrategy {
  for (const [model, w] of Object.entries(modelWeights)) {
    if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`weighted strategy: weight of model '${model}' must be a finite number ≥ 0, got ${w}`);
  }
  const weight = (v: Vote) => (modelWeights[v.model] ?? 1) * v.confidence;
  return {
    name: 'weighted',
    decide(votes) {
      let num = 0;
      let den = 0;
      for (const v of votes) {
        const w = weight(v);
        num += w * v.prediction;
        den += w;
      }
      const score = den === 0 ? 0 : num / den;
      return { scaleUp: score > 0.5, score };
    },
  };
}
