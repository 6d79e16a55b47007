/**
 * A real Sock Shop as the experiment's target (`--target URL`): the load goes to its front-end at URL,
 * snapshots come from the Prometheus that scrapes it (interval-queries.ts in core: the same p95, CPU and
 * replica figures the emulator's poller reads from /metrics), and replicas are set through an actuator
 * (`http`, or `kubernetes`: the Deployments' scale subresource). Nothing here knows the emulator: pointed
 * at `sockml sim` with Prometheus scraping it, it treats the emulator as a cluster, which is how the tests
 * run it.
 */
import { buildIntervalQueries, formatPromDuration, INTERVAL_QUERY_NAMES, observationsFromIntervalQueries, parseVectorResponse, RetryPolicy, SERVICE_LABEL, serviceLabelReplace, type Actuator, type CpuSource, type IntervalQueryName, type PromVectorSeries, type TargetServiceObservation } from '@sockml/core';
import { HttpPrometheusClient, PrometheusQueryError, type PrometheusClient } from '../../collect/prometheus-client.js';
import { sleep, type ExperimentTarget, type IntervalObserver } from './experiment-target.js';

export interface PrometheusTargetOptions {
  /** The front-end's base URL: where the load goes. */
  url: string;
  prometheus: string;
  /** Sets replicas (reset, the built-in reactive controller); must implement setReplicas. */
  actuator: Actuator;
  services: readonly string[];
  metric: string;
  cpuSource: CpuSource;
  /**
   * Wait after an interval ends before asking Prometheus about it, so the scrape that closes the interval
   * is stored: about one scrape interval.
   */
  lagMs: number;
  client?: PrometheusClient;
  log?: (line: string) => void;
}

/** What Prometheus knows about the target before the first run (see check()). */
export interface PrometheusTargetCheck {
  /** Services with request-latency series. */
  withRequests: string[];
  /** Services with ready-replica series (kube-state-metrics). */
  withReplicas: string[];
  /** Services whose CPU utilisation can be computed (CPU counter and CPU request). */
  withCpu: string[];
  /** Fewest samples any request-count series has in one poll interval (null: no series). */
  samplesPerInterval: number | null;
}

const QUERY_ATTEMPTS = 3;
const QUERY_RETRY = new RetryPolicy({ initialDelayMs: 500 });

export class PrometheusTarget implements ExperimentTarget {
  readonly url: string;
  readonly description: string;
  private readonly client: PrometheusClient;
  private readonly log: (line: string) => void;
  /** Intervals whose queries failed (recorded as unknown, never as zeros). */
  failedIntervals = 0;
  /** See PrometheusTargetOptions.lagMs; set from the measured scrape interval once check() has run. */
  lagMs: number;

  constructor(private readonly o: PrometheusTargetOptions) {
    if (!o.actuator.setReplicas) throw new Error(`the ${o.actuator.name} actuator cannot set replicas`);
    this.url = o.url;
    this.client = o.client ?? new HttpPrometheusClient(o.prometheus);
    this.description = `${o.url}, observed through Prometheus at ${o.prometheus}, scaled by the ${o.actuator.name} actuator`;
    this.log = o.log ?? (() => {});
    this.lagMs = o.lagMs;
  }

  setReplicas(service: string, replicas: number): Promise<void> {
    return this.o.actuator.setReplicas!(service, replicas);
  }

  /** One instant query, retried with collect's backoff while the failure is the server's (as pollWithRetry). */
  private async vector(promql: string, atEpochMs: number): Promise<PromVectorSeries[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return parseVectorResponse(await this.client.query(promql, atEpochMs, { timeoutMs: 10_000 }));
      } catch (e) {
        if ((e instanceof PrometheusQueryError && !e.retryable) || attempt === QUERY_ATTEMPTS) throw e;
        await sleep(QUERY_RETRY.delay(attempt));
      }
    }
  }

  /** Per service, over [fromEpochMs, toEpochMs]; every value null when Prometheus did not answer. */
  async observe(fromEpochMs: number, toEpochMs: number): Promise<Record<string, TargetServiceObservation>> {
    const queries = buildIntervalQueries(Math.max(1, Math.round(toEpochMs - fromEpochMs)), { metric: this.o.metric, cpuSource: this.o.cpuSource });
    try {
      const answers = await Promise.all(INTERVAL_QUERY_NAMES.map((n) => this.vector(queries[n], toEpochMs)));
      const results = Object.fromEntries(INTERVAL_QUERY_NAMES.map((n, i) => [n, answers[i]])) as Record<IntervalQueryName, PromVectorSeries[]>;
      return observationsFromIntervalQueries(results, this.o.services);
    } catch (e) {
      this.failedIntervals++;
      this.log(`  warning: Prometheus did not answer for the interval ending ${new Date(toEpochMs).toISOString()} (${(e as Error).message}); recorded as unknown`);
      return Object.fromEntries(this.o.services.map((s) => [s, { replicas: null, desiredReplicas: null, p95Ms: null, cpuPct: null }]));
    }
  }

  async observer(elapsed: () => number): Promise<IntervalObserver> {
    let fromEpoch = Date.now();
    let fromMs = elapsed();
    return {
      next: async () => {
        const toEpoch = Date.now();
        const toMs = elapsed();
        await sleep(this.lagMs);
        const services = await this.observe(fromEpoch, toEpoch);
        const out = { services, fromMs, toMs };
        fromEpoch = toEpoch;
        fromMs = toMs;
        return out;
      },
    };
  }

  private async requestsEnded(): Promise<number | null> {
    const v = await this.vector(`sum(${this.o.metric}_count)`, Date.now());
    return v.length > 0 && Number.isFinite(v[0].value) ? v[0].value : null;
  }

  /** Idle: the target's request counters did not move across two reads a couple of scrapes apart. */
  async waitUntilIdle(maxMs: number, signal?: AbortSignal): Promise<boolean> {
    const until = Date.now() + maxMs;
    const gap = Math.max(1000, 2 * this.lagMs);
    let last = await this.requestsEnded();
    while (Date.now() < until && !signal?.aborted) {
      await sleep(gap, signal);
      const now = await this.requestsEnded();
      if (now === last) return true;
      last = now;
    }
    return false;
  }

  /** What Prometheus has for the target now, over one poll interval of wall time. */
  async check(intervalMs: number): Promise<PrometheusTargetCheck> {
    const now = Date.now();
    const services = (v: PromVectorSeries[]) => v.map((s) => s.labels[SERVICE_LABEL]).filter((s): s is string => !!s && this.o.services.includes(s)).sort();
    const windowMs = Math.max(1, Math.round(intervalMs));
    const q = buildIntervalQueries(windowMs, { metric: this.o.metric, cpuSource: this.o.cpuSource });
    const [requests, ready, cpu, request, samples] = await Promise.all([
      this.vector(`count by (${SERVICE_LABEL}) (${serviceLabelReplace(`${this.o.metric}_count`)})`, now),
      this.vector(q.ready, now),
      this.vector(q.cpuCores, now),
      this.vector(q.cpuRequest, now),
      this.vector(`min(count_over_time(${this.o.metric}_count[${formatPromDuration(windowMs)}]))`, now),
    ]);
    const withRequest = new Set(services(request));
    return {
      withRequests: services(requests),
      withReplicas: services(ready),
      withCpu: services(cpu).filter((s) => withRequest.has(s)),
      samplesPerInterval: samples.length > 0 && Number.isFinite(samples[0].value) ? samples[0].value : null,
    };
  }

  async stop(): Promise<void> {
    await this.o.actuator.close?.();
  }
}
