import type { FeatureSet } from '../features/feature-set.js';
import type { ModelCard } from '../models/model-card.js';
import type { Model } from '../models/model-runner.js';

/**
 * For tests: not a trained model but a voter that *is* the persistence rule (probability 1 when the
 * poll's p95 feature is over the SLO, else 0), so the code around the models (batching, vote order, label
 * alignment, the policy) can be checked with votes whose every value is known.
 */
export function persistenceModel(name: string, featureSet: FeatureSet<any>, sloMs: number): Model {
  const p95 = featureSet.names.indexOf('p95_latency_ms');
  if (p95 < 0) throw new Error(`feature set ${featureSet.id} has no p95_latency_ms`);
  const w = featureSet.names.length;
  return {
    name,
    version: 'rule',
    threshold: 0.5,
    card: { name } as ModelCard,
    async predictBatch(features, rows) {
      const out = new Float32Array(rows);
      for (let i = 0; i < rows; i++) out[i] = features[i * w + p95] > sloMs ? 1 : 0;
      return out;
    },
  };
}
