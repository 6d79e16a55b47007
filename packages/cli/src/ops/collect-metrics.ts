import client from 'prom-client';
import type { PollEvent } from '../collect/collect-loop.js';
import type { HealthReport } from './ops-server.js';

/**
 * collect's metrics and liveness, fed with the collect loop's poll events. A poll that comes out
 * missing (Prometheus down) is the loop doing its job, so it keeps /healthz green; what turns it red is
 * the loop no longer finishing polls at all (stuck on a hung Kafka send, say) for `unhealthyAfterMs`,
 * or the loop having ended.
 */
export class CollectMetrics {
  private readonly polls: client.Counter<'outcome'>;
  private readonly retries: client.Counter;
  private readonly missingValues: client.Counter<'metric'>;
  private readonly pollSeconds: client.Histogram;
  private readonly lastPoll: client.Gauge;
  private readonly services: client.Gauge;
  private startedMs: number | null = null;
  private lastOutcomeMs: number | null = null;
  private ended: string | null = null;

  constructor(
    registry: client.Registry,
    readonly unhealthyAfterMs: number,
    /** Feature vectors published to Kafka so far (KafkaSampleSink.published), when collect publishes. */
    published: (() => number) | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.polls = new client.Counter({ name: 'sockml_collect_polls_total', help: 'Polls by outcome: completed (rows written/published) or missing (Prometheus did not answer in time)', labelNames: ['outcome'], registers: [registry] });
    for (const outcome of ['completed', 'missing']) this.polls.inc({ outcome }, 0);
    this.retries = new client.Counter({ name: 'sockml_collect_query_retries_total', help: 'Prometheus query attempts beyond the first', registers: [registry] });
    this.missingValues = new client.Counter({ name: 'sockml_collect_missing_values_total', help: 'Values missing from completed polls (empty cells), by metric; all: a known service absent', labelNames: ['metric'], registers: [registry] });
    this.pollSeconds = new client.Histogram({
      name: 'sockml_collect_poll_seconds',
      help: "From a poll's slot to its answers, retries included (completed polls)",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    });
    this.lastPoll = new client.Gauge({ name: 'sockml_collect_last_poll_timestamp_seconds', help: 'Slot time of the last completed poll (Unix time)', registers: [registry] });
    this.services = new client.Gauge({ name: 'sockml_collect_services', help: 'Services in the last completed poll', registers: [registry] });
    if (published) {
      let last = 0;
      new client.Counter({
        name: 'sockml_collect_published_total',
        help: "Feature vectors published to Kafka 'metrics'",
        registers: [registry],
        collect() {
          const n = published();
          if (n > last) this.inc(n - last);
          last = n;
        },
      });
    }
  }

  /** The loop begins. */
  started(): void {
    this.startedMs = this.now();
  }

  /** The loop ended (the schedule ran out, a signal, or an error). */
  stopped(why: string): void {
    this.ended = why;
  }

  onPoll = (e: PollEvent): void => {
    if (e.kind === 'waiting') return;
    const nowMs = this.now();
    this.lastOutcomeMs = nowMs;
    if (e.attempts > 1) this.retries.inc(e.attempts - 1);
    if (e.kind === 'missing') {
      this.polls.inc({ outcome: 'missing' });
      return;
    }
    this.polls.inc({ outcome: 'completed' });
    this.pollSeconds.observe(Math.max(0, nowMs - e.poll.timeMs) / 1000);
    this.lastPoll.set(e.poll.timeMs / 1000);
    this.services.set(e.poll.samples.length);
    for (const m of e.poll.missing) this.missingValues.inc({ metric: m.metric });
  };

  check = (nowMs: number): HealthReport => {
    const facts = { lastPollAgoMs: this.lastOutcomeMs === null ? null : nowMs - this.lastOutcomeMs, unhealthyAfterMs: this.unhealthyAfterMs };
    if (this.ended !== null) return { healthy: false, status: `the poll loop ended: ${this.ended}`, ...facts };
    if (this.startedMs === null) return { healthy: false, status: 'starting', ...facts };
    const since = Math.max(this.startedMs, this.lastOutcomeMs ?? -Infinity);
    if (nowMs - since > this.unhealthyAfterMs) return { healthy: false, status: `no poll finished for ${((nowMs - since) / 1000).toFixed(1)} s (limit ${this.unhealthyAfterMs / 1000} s)`, ...facts };
    return { healthy: true, status: 'ok', ...facts };
  };
}
