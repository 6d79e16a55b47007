import { missingPollsBetween, observationOf, SchemaError, type FeatureVector, type MetricsSample } from '../schema.js';
import type { FeatureSet } from './feature-set.js';

export interface FeatureExtractorOptions {
  /**
   * The polls' interval: a series whose next poll comes 1.5 intervals later or more has a gap
   * (`missingPollsBetween`), and its state (previous poll, windows, carried values) starts afresh.
   * Without it, gaps are not seen.
   */
  pollIntervalMs?: number;
}

/**
 * Turns one run's samples into feature vectors, keeping per-service state (previous poll, rolling
 * windows, last observed values). One extractor serves one run: state never leaks across runs.
 * Samples of one service must arrive in time order; services within a poll may come in any order.
 */
export class FeatureExtractor {
  readonly width: number;
  private readonly states = new Map<string, { state: unknown; lastTimeMs: number }>();
  /** Inputs filled in under the missing-value policy, over the run so far. */
  imputedInputs = 0;
  /** Polls that came after a gap in their series (see `pollIntervalMs`), over the run so far. */
  gaps = 0;
  private readonly intervalMs: number | undefined;

  constructor(
    readonly featureSet: FeatureSet<any>,
    readonly runId: string,
    options: FeatureExtractorOptions = {},
  ) {
    this.width = featureSet.names.length;
    if (options.pollIntervalMs !== undefined && !(options.pollIntervalMs > 0)) throw new Error(`poll interval must be > 0 ms, got ${options.pollIntervalMs}`);
    this.intervalMs = options.pollIntervalMs;
  }

  /** Writes `sample`'s features as row `row` of the row-major matrix `out` (width = feature count). */
  extractInto(sample: MetricsSample, out: Float32Array, row: number): void {
    let entry = this.states.get(sample.service);
    if (!entry) {
      entry = { state: this.featureSet.initialState(), lastTimeMs: -Infinity };
      this.states.set(sample.service, entry);
    } else if (sample.timeMs <= entry.lastTimeMs) {
      throw new SchemaError(
        `run ${this.runId}: service '${sample.service}' has a poll at ${sample.timestamp} that is not after its previous poll; ` +
          `polls of one service must be in time order and not repeated`,
      );
    }
    else if (this.intervalMs !== undefined && missingPollsBetween(sample.timeMs - entry.lastTimeMs, this.intervalMs) > 0) {
      // A missing poll: deltas and rolling windows would span two intervals or more, which is not the
      // feature the models were trained on. The series starts afresh, as at the start of a run.
      entry.state = this.featureSet.initialState();
      this.gaps++;
    }
    entry.lastTimeMs = sample.timeMs;
    const at = row * this.width;
    this.imputedInputs += this.featureSet.compute(sample, entry.state, out, at);
    // Inputs are finite float32 (the reader's rule), but a change or slope of two values near float32's
    // limit is not: refuse it here rather than hand a model, or a training matrix, an Infinity.
    for (let i = 0; i < this.width; i++) {
      if (!Number.isFinite(out[at + i])) {
        throw new SchemaError(
          `run ${this.runId}: service '${sample.service}' at ${sample.timestamp}: feature '${this.featureSet.names[i]}' of ${this.featureSet.id} is ${out[at + i]} (its inputs are too close to float32's limit)`,
        );
      }
    }
  }

  extract(sample: MetricsSample): FeatureVector {
    const values = new Float32Array(this.width);
    this.extractInto(sample, values, 0);
    return {
      snapshotId: snapshotId(this.runId, sample.timestamp),
      runId: this.runId,
      timestamp: sample.timestamp,
      timeMs: sample.timeMs,
      service: sample.service,
      featureSet: this.featureSet.id,
      values,
      observation: observationOf(sample),
    };
  }
}

/** A poll's identity across services and processes. */
export const snapshotId = (runId: string, timestamp: string) => `${runId}@${timestamp}`;
