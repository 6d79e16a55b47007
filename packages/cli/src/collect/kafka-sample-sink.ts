import type { Producer } from 'kafkajs';
import { FeatureExtractor, formatMetricsMessage, SchemaError, TOPICS, type CollectedPoll, type FeatureSet } from '@sockml/core';
import { sendInChunks } from '../live/kafka.js';
import type { SampleSink } from './sample-sink.js';

/**
 * Production mode: each completed poll becomes one feature vector per service on `metrics`, keyed by
 * service, through the same FeatureExtractor replay uses. A missing poll publishes nothing; the
 * extractor sees the gap in the next poll's time and restarts that series' deltas and windows, exactly
 * as replaying the collected CSV (which has no row for it) with the same --poll-interval does.
 */
export class KafkaSampleSink implements SampleSink {
  private readonly extractor: FeatureExtractor;
  published = 0;
  /** Samples whose feature vector could not be built (a feature beyond float32): not published, counted. */
  refused = 0;

  constructor(
    private readonly producer: Producer,
    readonly featureSet: FeatureSet<any>,
    runId: string,
    pollIntervalMs: number,
    private readonly topic: string = TOPICS.metrics,
    private readonly onRefused: (reason: string) => void = () => {},
  ) {
    this.extractor = new FeatureExtractor(featureSet, runId, { pollIntervalMs });
  }

  async write(poll: CollectedPoll): Promise<void> {
    const messages: { key: string; value: string }[] = [];
    for (const s of poll.samples) {
      try {
        messages.push({ key: s.service, value: JSON.stringify(formatMetricsMessage(this.extractor.extract(s), this.featureSet.names)) });
      } catch (e) {
        // One service's absurd values must not stop the others' vectors or the CSV; the row stays in the CSV.
        if (!(e instanceof SchemaError)) throw e;
        this.refused++;
        this.onRefused(e.message);
      }
    }
    await sendInChunks(this.producer, this.topic, messages);
    this.published += messages.length;
  }

  async missing(): Promise<void> {}

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
