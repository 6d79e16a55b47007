import type { FeatureSet } from '../features/feature-set.js';
import { voteFrom, type Model } from '../models/model-runner.js';
import { parseMetricsMessage, SchemaError, type FeatureVector, type Vote } from '../schema.js';

/** A message as it came off the `metrics` topic, before validation. */
export interface RawMessage {
  value: Buffer | string | null;
  /** Where it came from, for errors and the dead-letter record, e.g. `metrics[2]@1041`. */
  where: string;
}

export interface Rejected {
  message: RawMessage;
  reason: string;
}

/**
 * What `serve-model` does with one batch of `metrics` messages: validate each against the schema in the
 * model's feature order, score the valid ones in one batched inference, and vote with the model's
 * threshold (the same voteFrom replay uses). Malformed messages come back as rejected, with the reason,
 * for the dead-letter topic; they never stop the batch.
 */
export class ModelServer {
  constructor(
    readonly model: Model,
    readonly featureSet: FeatureSet<any>,
  ) {}

  async handle(batch: readonly RawMessage[]): Promise<{ votes: Vote[]; rejected: Rejected[] }> {
    const width = this.featureSet.names.length;
    const matrix = new Float32Array(batch.length * width);
    const accepted: Pick<FeatureVector, 'snapshotId' | 'service' | 'timestamp' | 'observation'>[] = [];
    const rejected: Rejected[] = [];
    for (const message of batch) {
      try {
        if (message.value === null) throw new SchemaError('message has no value', message.where);
        const text = typeof message.value === 'string' ? message.value : message.value.toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw new SchemaError('message is not JSON', message.where);
        }
        const v = parseMetricsMessage(json, this.featureSet.names, message.where);
        if (v.featureSet !== 'unknown' && v.featureSet !== this.featureSet.id) {
          throw new SchemaError(`feature set '${v.featureSet}' does not match the model's '${this.featureSet.id}'`, message.where);
        }
        matrix.set(v.values, accepted.length * width);
        accepted.push(v);
      } catch (e) {
        if (!(e instanceof SchemaError)) throw e;
        rejected.push({ message, reason: e.message });
      }
    }
    const probs = await this.model.predictBatch(matrix, accepted.length);
    const votes = accepted.map((v, i) => {
      const vote = voteFrom(this.model, probs[i], v.snapshotId, v.service, v.timestamp);
      return v.observation ? { ...vote, observation: v.observation } : vote;
    });
    return { votes, rejected };
  }
}
