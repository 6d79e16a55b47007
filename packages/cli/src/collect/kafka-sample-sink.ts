import type { Producer } from 'kafkajs';
import { FeatureExtractor, formatMetricsMessage, TOPICS, type CollectedPoll, type FeatureSet } from '@sockml/core';
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

  constructor(
    private readonly producer: Producer,
    readonly featureSet: FeatureSet<any>,
    runId: string,
    pollIntervalMs: number,
    private readonly topic: string = TOPICS.metrics,
  ) {
    this.extractor = new FeatureExtractor(featureSet, runId, { pollIntervalMs });
  }

  async write(poll: CollectedPoll): Promise<void> {
    const messages = poll.samples.map((s) => ({ key: s.service, value: JSON.stringify(formatMetricsMessage(this.extractor.extract(s), this.featureSet.names)) }));
    await sendInChunks(this.producer, this.topic, messages);
    this.published += messages.length;
  }

  async missing(): Promise<void> {}

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
