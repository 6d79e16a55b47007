import type { CollectedPoll, PollSlot } from '@sockml/core';

/**
 * Where collected polls go: the CSV file now, Kafka's `metrics` topic later. Polls arrive in slot
 * order, one call per slot: `write` for a completed poll, `missing` for a slot without data (a failed
 * or skipped poll), which a sink that labels or computes deltas needs to see time move on.
 */
export interface SampleSink {
  write(poll: CollectedPoll): Promise<void>;
  missing(slot: PollSlot): Promise<void>;
  /** Flushes everything still held (e.g. rows waiting for their label) and releases the sink. */
  close(): Promise<void>;
}
