import type { MetricsSample } from '../schema.js';
import { type QueryName } from './promql.js';
import { parseVectorResponse, type PromVectorSeries } from './prometheus-response.js';
import { resolveService, SERVICE_LABEL } from './service-resolution.js';

/** The metrics of a sample, by their CSV column names (what a report about missing data names). */
export type SampleMetric =
  | 'request_rate_rps'
  | 'error_rate_pct'
  | 'p50_latency_ms'
  | 'p95_latency_ms'
  | 'p99_latency_ms'
  | 'cpu_usage_pct'
  | 'memory_usage_mb';

/**
 * A value that should have been there and was not. `absent`: no series for the service; `nan`: the
 * series was there but its value was not a finite number; `service`: a known service had no series
 * at all in this poll (it gets no row). A latency is NOT missing when the service had no requests.
 */
export interface MissingSeries {
  service: string;
  metric: SampleMetric | 'all';
  reason: 'absent' | 'nan' | 'service';
}

/** One completed poll: what a SampleSink receives. */
export interface CollectedPoll {
  /** Slot number in the PollSchedule (consecutive slots are one interval apart). */
  slot: number;
  timeMs: number;
  timestamp: string;
  /** One per service seen in this poll, sorted by service. */
  samples: MetricsSample[];
  /** kube-state-metrics' replica count per service, when Prometheus has it (not in the CSV). */
  replicas: Record<string, number>;
  missing: MissingSeries[];
}

export interface SamplesFromPollOptions {
  /** Only these services get rows (all seen services when absent). */
  services?: readonly string[];
  /** Services expected in this poll (e.g. seen before): one with no series at all is reported missing. */
  expected?: Iterable<string>;
}

/**
 * Values keep 6 decimals: the rest is float noise from rate() and the unit conversions
 * (24.99999999999991 % for a quarter core), which would also leak into the delta columns.
 */
const round = (v: number) => Math.round(v * 1e6) / 1e6;

/** Which result names a series and which label resolves its service (see service-resolution.ts). */
const PRIMARY_LABEL: Partial<Record<QueryName, string>> = { replicas: 'deployment' };

/**
 * Turns the `/api/v1/query` JSON bodies of one poll into one MetricsSample per service. Every value
 * that is missing or not finite becomes null and is listed in `missing`; nothing is ever filled with 0
 * except the error rate of a service whose request rate is 0, or that has requests and no 5xx series
 * (both mean "no errors", not "no data"). Latencies are null, and not missing, without requests.
 * Pure: the poll's time is an input.
 *
 * The queries already carry `sockml_service`; the code rule of service-resolution.ts only applies to a
 * series that arrives without it.
 */
export function samplesFromPoll(
  poll: { slot: number; timeMs: number },
  responses: Readonly<Record<QueryName, unknown>>,
  options: SamplesFromPollOptions = {},
): CollectedPoll {
  const series = {} as Record<QueryName, PromVectorSeries[]>;
  for (const name of Object.keys(responses) as QueryName[]) series[name] = parseVectorResponse(responses[name]);
  return samplesFromSeries(poll, series, options);
}

/**
 * samplesFromPoll on results already read: the one place where a poll's query results become samples,
 * whether they came from a Prometheus server (collect) or were computed from the emulator's counters
 * in virtual time (`sockml lab`), so both apply the same rules for missing, NaN and idle series.
 */
export function samplesFromSeries(
  poll: { slot: number; timeMs: number },
  results: Readonly<Partial<Record<QueryName, readonly PromVectorSeries[]>>>,
  options: SamplesFromPollOptions = {},
): CollectedPoll {
  const byService = {} as Record<QueryName, Map<string, number>>;
  for (const name of Object.keys(results) as QueryName[]) {
    byService[name] = perService(results[name]!, name === 'p50' || name === 'p95' || name === 'p99', PRIMARY_LABEL[name]);
  }
  const get = (name: QueryName, service: string) => byService[name]?.get(service);

  const seen = new Set<string>();
  for (const name of ['requestRate', 'p50', 'p95', 'p99', 'cpu', 'memory'] as const) for (const s of byService[name]?.keys() ?? []) seen.add(s);
  const wanted = options.services ? new Set(options.services) : undefined;
  const services = [...seen].filter((s) => !wanted || wanted.has(s)).sort();

  const missing: MissingSeries[] = [];
  const value = (service: string, metric: SampleMetric, raw: number | undefined, scale = 1): number | null => {
    if (raw === undefined || !Number.isFinite(raw)) {
      missing.push({ service, metric, reason: raw === undefined ? 'absent' : 'nan' });
      return null;
    }
    return round(raw * scale);
  };

  const timestamp = new Date(poll.timeMs).toISOString();
  const samples: MetricsSample[] = services.map((service) => {
    const rate = value(service, 'request_rate_rps', get('requestRate', service));
    const latency = (metric: SampleMetric, q: QueryName) => {
      const raw = get(q, service);
      // histogram_quantile is NaN when every bucket's rate is 0: no requests, so no latency to report.
      if (rate === 0 && (raw === undefined || Number.isNaN(raw))) return null;
      return value(service, metric, raw, 1000);
    };
    let errorRatePct: number | null;
    if (rate === null) {
      missing.push({ service, metric: 'error_rate_pct', reason: 'absent' });
      errorRatePct = null;
    } else if (rate === 0) {
      errorRatePct = 0;
    } else {
      const errors = get('errorRate', service);
      // No 5xx series while the request series exists means no request ever failed: 0 is measured.
      errorRatePct = errors === undefined ? 0 : Number.isFinite(errors) ? Math.min(100, round((100 * errors) / rate)) : value(service, 'error_rate_pct', errors);
    }
    return {
      timestamp,
      timeMs: poll.timeMs,
      service,
      requestRateRps: rate,
      errorRatePct,
      p50LatencyMs: latency('p50_latency_ms', 'p50'),
      p95LatencyMs: latency('p95_latency_ms', 'p95'),
      p99LatencyMs: latency('p99_latency_ms', 'p99'),
      cpuUsagePct: value(service, 'cpu_usage_pct', get('cpu', service)),
      memoryUsageMb: value(service, 'memory_usage_mb', get('memory', service)),
      slaViolated: null,
    };
  });

  for (const service of options.expected ?? []) {
    if (!seen.has(service) && (!wanted || wanted.has(service))) missing.push({ service, metric: 'all', reason: 'service' });
  }

  const replicas: Record<string, number> = {};
  for (const [service, n] of byService.replicas ?? []) if (Number.isFinite(n) && (!wanted || wanted.has(service))) replicas[service] = n;

  return { slot: poll.slot, timeMs: poll.timeMs, timestamp, samples, replicas, missing };
}

/**
 * Indexes a result by resolved service. The queries aggregate by `sockml_service`, so each service
 * has one series; a result without that label is resolved in code and summed per service, except a
 * quantile, which cannot be summed: two series for one service there make it NaN (reported missing).
 */
function perService(series: readonly PromVectorSeries[], isQuantile: boolean, primary?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of series) {
    const service = s.labels[SERVICE_LABEL] || resolveService(s.labels, primary);
    if (!service) continue;
    const before = out.get(service);
    out.set(service, before === undefined ? s.value : isQuantile ? NaN : before + s.value);
  }
  return out;
}
