import type { CollectedPoll, PollSlot } from '@sockml/core';
import type { SampleSink } from './sample-sink.js';

/** Hands every poll to several sinks in turn (e.g. the CSV file and Kafka). */
export class TeeSampleSink implements SampleSink {
  constructor(private readonly sinks: readonly SampleSink[]) {}

  async write(poll: CollectedPoll) {
    for (const s of this.sinks) await s.write(poll);
  }

  async missing(slot: PollSlot) {
    for (const s of this.sinks) await s.missing(slot);
  }

  async close() {
    // Close every sink even if one fails, then report the first failure.
    const results = await Promise.allSettled(this.sinks.map((s) => s.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
