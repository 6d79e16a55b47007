import { PollSchedule, RetryPolicy, samplesFromPoll, type CollectQueries, type CollectedPoll, type MissingSeries, type PollSlot } from '@sockml/core';
import { pollWithRetry, sleepUntil } from './poller.js';
import type { PrometheusClient } from './prometheus-client.js';
import type { SampleSink } from './sample-sink.js';

export interface CollectLoopOptions {
  client: PrometheusClient;
  queries: CollectQueries;
  schedule: PollSchedule;
  retry: RetryPolicy;
  requestTimeoutMs: number;
  sink: SampleSink;
  /** Only these services get rows (all when absent). */
  services?: readonly string[];
  /** Stops the loop; the poll in flight is abandoned, completed ones are already in the sink. */
  signal: AbortSignal;
  now?: () => number;
  onPoll?: (event: PollEvent) => void;
}

export type PollEvent =
  | { kind: 'completed'; poll: CollectedPoll; attempts: number }
  | { kind: 'missing'; slot: PollSlot; reason: string; attempts: number }
  | { kind: 'waiting'; slot: PollSlot };

export interface CollectSummary {
  /** Slots that came due: completed + missing. */
  polls: number;
  completedPolls: number;
  missingPolls: number;
  /** Samples collected (rows of the CSV). */
  samples: number;
  /** Missing values by metric (`all`: a known service absent from a poll). */
  missingSeries: Record<string, number>;
  services: string[];
  /** Retries over all polls (attempts beyond the first). */
  retries: number;
  firstPoll: string | null;
  lastPoll: string | null;
  stoppedBy: 'schedule' | 'signal';
  /** Why the last missing poll failed, for the report. */
  lastError: string | null;
}

/**
 * The live collection loop: wait for each slot of the schedule, poll Prometheus with retries, turn the
 * answers into samples (core) and hand them to the sink. Every slot reaches the sink exactly once,
 * as a completed poll or a missing one; nothing is invented for a missing poll.
 */
export async function runCollectLoop(o: CollectLoopOptions): Promise<CollectSummary> {
  const now = o.now ?? Date.now;
  const known = new Set<string>();
  const summary: CollectSummary = {
    polls: 0,
    completedPolls: 0,
    missingPolls: 0,
    samples: 0,
    missingSeries: {},
    services: [],
    retries: 0,
    firstPoll: null,
    lastPoll: null,
    stoppedBy: 'schedule',
    lastError: null,
  };
  const countMissing = (missing: MissingSeries[]) => {
    for (const m of missing) summary.missingSeries[m.metric] = (summary.missingSeries[m.metric] ?? 0) + 1;
  };
  const missed = async (slot: PollSlot, reason: string, attempts: number) => {
    summary.polls++;
    summary.missingPolls++;
    summary.lastError = reason;
    await o.sink.missing(slot);
    o.onPoll?.({ kind: 'missing', slot, reason, attempts });
  };

  let previous = -1;
  while (!o.signal.aborted) {
    const { next, skipped } = o.schedule.next(now(), previous);
    for (const slot of skipped) await missed(slot, 'skipped: the previous poll overran its slot', 0);
    if (!next) break;
    o.onPoll?.({ kind: 'waiting', slot: next });
    await sleepUntil(next.timeMs, o.signal, now);
    if (o.signal.aborted) break;
    const outcome = await pollWithRetry({
      client: o.client,
      queries: o.queries,
      timeMs: next.timeMs,
      deadlineMs: RetryPolicy.deadline(next.timeMs, o.schedule.intervalMs),
      retry: o.retry,
      requestTimeoutMs: o.requestTimeoutMs,
      signal: o.signal,
      now,
    });
    if (!outcome.ok && outcome.aborted) break;
    summary.retries += outcome.attempts - 1;
    if (outcome.ok) {
      const poll = samplesFromPoll(next, outcome.responses, { services: o.services, expected: known });
      for (const s of poll.samples) known.add(s.service);
      await o.sink.write(poll);
      summary.polls++;
      summary.completedPolls++;
      summary.samples += poll.samples.length;
      summary.firstPoll ??= poll.timestamp;
      summary.lastPoll = poll.timestamp;
      countMissing(poll.missing);
      o.onPoll?.({ kind: 'completed', poll, attempts: outcome.attempts });
    } else {
      await missed(next, outcome.reason, outcome.attempts);
    }
    previous = next.slot;
  }
  if (o.signal.aborted) summary.stoppedBy = 'signal';
  summary.services = [...known].sort();
  return summary;
}
