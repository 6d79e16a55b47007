import type { MetricsSample } from '../schema.js';

/**
 * A named, versioned list of features and how to compute them from one service's polls.
 *
 * Training (`sockml dataset build`) and inference (`replay`, `serve-model`) both call `compute`, so a
 * model card's `featureSet` id pins exactly which inputs, in which order, and which missing-value policy
 * the model was trained with. A new way of computing anything gets a new id; ids are never reused.
 */
export interface FeatureSet<State = unknown> {
  readonly id: string;
  readonly description: string;
  /** Feature names in ONNX input order. */
  readonly names: readonly string[];
  /** Fresh per-service state at the start of a run. */
  initialState(): State;
  /**
   * Writes this sample's features into `out[offset .. offset + names.length)` and updates `state`.
   * Returns how many inputs were imputed under the missing-value policy (0 when all were observed).
   */
  compute(sample: MetricsSample, state: State, out: Float32Array, offset: number): number;
}
