/**
 * A snapshot of a real Sock Shop from Prometheus (`sockml experiment run --target URL`): what the
 * emulator's poller reads from /metrics directly, asked of the Prometheus that scrapes the cluster. Per
 * service, over one interval ending at the query's evaluation time:
 *
 *   p95          histogram_quantile(0.95) of the bucket *increases* in the interval, summed per service
 *                (the requests that ended in the interval; none → no p95, never 0)
 *   requests     how many ended in the interval
 *   cpuCores     CPU used, cores (process_cpu_seconds_total, or cAdvisor's per-container counter)
 *   cpuRequest   one replica's CPU request, cores (kube-state-metrics' kube_pod_container_resource_requests)
 *   ready        kube_deployment_status_replicas_available
 *   desired      kube_deployment_spec_replicas (what the HPA reads as current)
 *
 * CPU utilisation is cpuCores / (ready × cpuRequest), the HPA's metric. Every absent series is null:
 * a target without kube-state-metrics has unknown replicas (snapshot -1), not zero.
 */
import { formatPromDuration } from '../../collect/duration.js';
import type { CpuSource } from '../../collect/promql.js';
import type { PromVectorSeries } from '../../collect/prometheus-response.js';
import { SERVICE_LABEL, serviceLabelReplace } from '../../collect/service-resolution.js';
import type { ServiceObservation } from './snapshot-recorder.js';

export const INTERVAL_QUERY_NAMES = ['p95', 'requests', 'cpuCores', 'cpuRequest', 'ready', 'desired'] as const;
export type IntervalQueryName = (typeof INTERVAL_QUERY_NAMES)[number];
export type IntervalQueries = Record<IntervalQueryName, string>;

/** One service over one interval: the snapshot's fields, plus what the HPA needs. */
export interface TargetServiceObservation extends ServiceObservation {
  /** Replicas asked for (the Deployment's spec): what the HPA sees as current. */
  desiredReplicas: number | null;
}

export interface IntervalQueryOptions {
  /** The request-latency histogram's base name (request_duration_seconds or http_request_duration_seconds). */
  metric: string;
  cpuSource: CpuSource;
}

export function buildIntervalQueries(windowMs: number, o: IntervalQueryOptions): IntervalQueries {
  const w = formatPromDuration(windowMs);
  const per = (agg: string, expr: string, primary?: string) => `${agg} by (${SERVICE_LABEL}) (${serviceLabelReplace(expr, primary)})`;
  return {
    p95: `histogram_quantile(0.95, sum by (le, ${SERVICE_LABEL}) (${serviceLabelReplace(`increase(${o.metric}_bucket[${w}])`)}))`,
    requests: per('sum', `increase(${o.metric}_count[${w}])`),
    cpuCores:
      o.cpuSource === 'process'
        ? per('sum', `rate(process_cpu_seconds_total[${w}])`)
        : per('sum', `rate(container_cpu_usage_seconds_total{container!="",container!="POD"}[${w}])`, 'container'),
    // One series per pod and container: the average is one replica's request (Sock Shop runs one container per pod).
    cpuRequest: per('avg', 'kube_pod_container_resource_requests{resource="cpu"}', 'container'),
    ready: per('sum', 'kube_deployment_status_replicas_available', 'deployment'),
    desired: per('sum', 'kube_deployment_spec_replicas', 'deployment'),
  };
}

/** The value per service of one query's result (non-finite values, e.g. a quantile of nothing, are absent). */
function byService(series: readonly PromVectorSeries[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of series) {
    const name = s.labels[SERVICE_LABEL];
    if (name && Number.isFinite(s.value)) out.set(name, s.value);
  }
  return out;
}

const count = (x: number | undefined) => (x === undefined ? null : Math.round(x));

/** Per-service observations from the interval queries' results (parsed with parseVectorResponse). */
export function observationsFromIntervalQueries(results: Readonly<Record<IntervalQueryName, readonly PromVectorSeries[]>>, services: readonly string[]): Record<string, TargetServiceObservation> {
  const v = Object.fromEntries(INTERVAL_QUERY_NAMES.map((n) => [n, byService(results[n])])) as Record<IntervalQueryName, Map<string, number>>;
  const out: Record<string, TargetServiceObservation> = {};
  for (const s of services) {
    const ready = count(v.ready.get(s));
    const requests = v.requests.get(s);
    const p95 = v.p95.get(s);
    const cores = v.cpuCores.get(s);
    const request = v.cpuRequest.get(s);
    out[s] = {
      replicas: ready,
      desiredReplicas: count(v.desired.get(s)),
      // increase() extrapolates, so "no request" can read as a small fraction: below half a request there was none.
      p95Ms: p95 !== undefined && requests !== undefined && requests >= 0.5 ? p95 * 1000 : null,
      cpuPct: cores !== undefined && request !== undefined && request > 0 && ready !== null && ready > 0 ? (100 * cores) / (ready * request) : null,
    };
  }
  return out;
}
