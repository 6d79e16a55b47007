import { formatPromDuration } from './duration.js';
import { SERVICE_LABEL, serviceLabelReplace } from './service-resolution.js';

/**
 * The PromQL of one poll. Sock Shop's services export a request-latency histogram under one of two
 * names: the published images' `request_duration_seconds{method,route,status_code}` (the front-end
 * adds `service`) and the later source's `http_request_duration_seconds{service,method,path,status_code}`.
 * Only `status_code` and the histogram series are used, so both generations differ by name alone.
 *
 * Every query is aggregated `by (sockml_service)` after the label_replace chain of
 * service-resolution.ts, so Prometheus sums across instances of a service. Quantiles come from
 * `histogram_quantile` over the buckets summed per service: the service's real percentile across all
 * its instances (averaging per-instance quantiles, as the earlier prototype did, is not a quantile).
 */

export const CPU_SOURCES = ['process', 'cadvisor'] as const;
export type CpuSource = (typeof CPU_SOURCES)[number];

export interface CollectQueryOptions {
  /** Histogram base name (without _bucket/_count/_sum). */
  metric: string;
  cpuSource: CpuSource;
  /** The rate window; Sock Shop dashboards and the recorder use 1m. */
  rateWindowMs: number;
}

export const DEFAULT_COLLECT_QUERY_OPTIONS: CollectQueryOptions = {
  metric: 'request_duration_seconds',
  cpuSource: 'process',
  rateWindowMs: 60_000,
};

/** The queries of one poll, by name; `samplesFromPoll` reads their results by the same names. */
export const QUERY_NAMES = ['requestRate', 'errorRate', 'p50', 'p95', 'p99', 'cpu', 'memory', 'replicas'] as const;
export type QueryName = (typeof QUERY_NAMES)[number];
export type CollectQueries = Record<QueryName, string>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export function buildCollectQueries(options: Partial<CollectQueryOptions> = {}): CollectQueries {
  const { metric, cpuSource, rateWindowMs } = { ...DEFAULT_COLLECT_QUERY_OPTIONS, ...options };
  if (!METRIC_NAME.test(metric)) throw new Error(`'${metric}' is not a Prometheus metric name`);
  if (metric.endsWith('_bucket') || metric.endsWith('_count') || metric.endsWith('_sum')) {
    throw new Error(`give the histogram's base name, without _bucket/_count/_sum (got '${metric}')`);
  }
  const w = formatPromDuration(rateWindowMs);
  const by = (labels: string, expr: string, primary?: string) => `sum by (${labels}) (${serviceLabelReplace(expr, primary)})`;
  const perService = (expr: string, primary?: string) => by(SERVICE_LABEL, expr, primary);
  const quantile = (q: number) => `histogram_quantile(${q}, ${by(`le, ${SERVICE_LABEL}`, `rate(${metric}_bucket[${w}])`)})`;
  return {
    requestRate: perService(`rate(${metric}_count[${w}])`),
    // The 5xx rate alone; the share is taken in code, where "no 5xx series" (0 %) and "no request
    // series" (unknown) can be told apart, which a PromQL division would merge into "no result".
    errorRate: perService(`rate(${metric}_count{status_code=~"5.."}[${w}])`),
    p50: quantile(0.5),
    p95: quantile(0.95),
    p99: quantile(0.99),
    cpu:
      cpuSource === 'process'
        ? `${perService(`rate(process_cpu_seconds_total[${w}])`)} * 100`
        : // cAdvisor also reports the pod's cgroup (container="") and the pause container: both double-count.
          `${perService(`rate(container_cpu_usage_seconds_total{container!="",container!="POD"}[${w}])`, 'container')} * 100`,
    memory: `${perService('process_resident_memory_bytes')} / 1048576`,
    replicas: perService('kube_deployment_status_replicas', 'deployment'),
  };
}
