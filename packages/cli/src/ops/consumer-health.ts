import type { Batch, Consumer } from 'kafkajs';
import client from 'prom-client';
import type { HealthReport } from './ops-server.js';

/** The part of a kafkajs Consumer this watches: its instrumentation events. */
export type ConsumerEvents = Pick<Consumer, 'on' | 'events'>;

/**
 * Whether a Kafka consumer is alive, from kafkajs's instrumentation events, and its metrics.
 *
 * kafkajs fetches in a loop, and an idle consumer still completes a (long-poll) fetch every few seconds
 * (maxWaitTimeInMs, 5 s), so "no fetch completed for `unhealthyAfterMs`" means stuck: the broker is
 * gone, the group cannot be joined, or a batch handler hangs. A crash that kafkajs will not restart
 * (a non-retriable error) leaves the process running and consuming nothing: unhealthy until a fetch
 * proves otherwise. A crash it restarts is counted and healthy as long as fetches resume in time.
 * Before `started()` (connecting, joining the group) the report is "starting", also a 503, which is what
 * a Kubernetes startup probe expects.
 */
export class ConsumerHealth {
  private startedMs: number | null = null;
  private lastFetchMs: number | null = null;
  private crash: { error: string; restart: boolean; atMs: number } | null = null;
  private stopped = false;
  private readonly fetches: client.Counter;
  private readonly crashes: client.Counter<'restarted'>;
  private readonly lag: client.Gauge<'topic' | 'partition'>;
  private readonly lastFetch: client.Gauge;

  constructor(
    consumer: ConsumerEvents,
    readonly unhealthyAfterMs: number,
    registry: client.Registry,
    private readonly now: () => number = Date.now,
  ) {
    this.fetches = new client.Counter({ name: 'sockml_consumer_fetches_total', help: 'Fetches the Kafka consumer completed (empty ones too)', registers: [registry] });
    this.crashes = new client.Counter({ name: 'sockml_consumer_crashes_total', help: 'Kafka consumer crashes, by whether kafkajs restarted the consumer', labelNames: ['restarted'], registers: [registry] });
    this.lag = new client.Gauge({
      name: 'sockml_consumer_lag_messages',
      help: "Messages behind the partition's high watermark after the last batch handled (consumer lag)",
      labelNames: ['topic', 'partition'],
      registers: [registry],
    });
    this.lastFetch = new client.Gauge({ name: 'sockml_consumer_last_fetch_timestamp_seconds', help: 'When the Kafka consumer last completed a fetch (Unix time)', registers: [registry] });
    consumer.on(consumer.events.FETCH, () => this.onFetch());
    consumer.on(consumer.events.CRASH, (e: { payload: { error: Error; restart: boolean } }) => this.onCrash(e.payload.error, e.payload.restart));
    consumer.on(consumer.events.STOP, () => (this.stopped = true));
  }

  /** consumer.run() returned: from now on fetches are expected. */
  started(): void {
    this.startedMs = this.now();
    this.stopped = false;
  }

  /** After a batch was handled: how far behind the partition's end the consumer is. */
  observeBatch(batch: Pick<Batch, 'topic' | 'partition' | 'offsetLag'>): void {
    this.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
  }

  onFetch(): void {
    this.lastFetchMs = this.now();
    this.lastFetch.set(this.lastFetchMs / 1000);
    this.fetches.inc();
    this.crash = null; // whatever crashed, the consumer fetches again
  }

  onCrash(error: Error, restart: boolean): void {
    this.crash = { error: error?.message ?? String(error), restart, atMs: this.now() };
    this.crashes.inc({ restarted: String(restart) });
  }

  check = (nowMs: number): HealthReport => {
    const lastFetchAgoMs = this.lastFetchMs === null ? null : nowMs - this.lastFetchMs;
    const facts = { lastFetchAgoMs, unhealthyAfterMs: this.unhealthyAfterMs, ...(this.crash ? { crash: this.crash } : {}) };
    if (this.crash && !this.crash.restart) return { healthy: false, status: `consumer crashed and was not restarted: ${this.crash.error}`, ...facts };
    if (this.stopped) return { healthy: false, status: 'consumer stopped', ...facts };
    if (this.startedMs === null) return { healthy: false, status: 'starting', ...facts };
    const since = Math.max(this.startedMs, this.lastFetchMs ?? -Infinity);
    if (nowMs - since > this.unhealthyAfterMs) {
      const what = this.lastFetchMs === null ? 'no fetch since the consumer started' : 'no fetch';
      return { healthy: false, status: `${what} for ${((nowMs - since) / 1000).toFixed(1)} s (limit ${this.unhealthyAfterMs / 1000} s)`, ...facts };
    }
    return { healthy: true, status: 'ok', ...facts };
  };
}
