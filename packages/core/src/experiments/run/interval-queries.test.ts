import { describe, expect, it } from 'vitest';
import { buildIntervalQueries, INTERVAL_QUERY_NAMES, observationsFromIntervalQueries, type IntervalQueryName } from './interval-queries.js';
import type { PromVectorSeries } from '../../collect/prometheus-response.js';
import { SERVICE_LABEL } from '../../collect/service-resolution.js';

const series = (values: Record<string, number>): PromVectorSeries[] => Object.entries(values).map(([s, value]) => ({ labels: { [SERVICE_LABEL]: s }, value }));
const results = (r: Partial<Record<IntervalQueryName, Record<string, number>>>) =>
  Object.fromEntries(INTERVAL_QUERY_NAMES.map((n) => [n, series(r[n] ?? {})])) as Record<IntervalQueryName, PromVectorSeries[]>;

describe('buildIntervalQueries', () => {
  it('takes the p95 of the bucket increases in the window, summed per service', () => {
    const q = buildIntervalQueries(6000, { metric: 'request_duration_seconds', cpuSource: 'process' });
    expect(q.p95).toMatch(/^histogram_quantile\(0\.95, sum by \(le, sockml_service\) \(.*increase\(request_duration_seconds_bucket\[6s\]\)/);
    expect(q.requests).toContain('increase(request_duration_seconds_count[6s])');
    expect(q.cpuCores).toContain('rate(process_cpu_seconds_total[6s])');
  });

  it.each([
    ['process', 'process_cpu_seconds_total', undefined],
    ['cadvisor', 'container_cpu_usage_seconds_total{container!="",container!="POD"}', '"container"'],
  ] as const)('cpu source %s reads %s', (cpuSource, counter, primary) => {
    const q = buildIntervalQueries(30_000, { metric: 'http_request_duration_seconds', cpuSource });
    expect(q.cpuCores).toContain(`rate(${counter}[30s])`);
    if (primary) expect(q.cpuCores).toContain(primary);
    expect(q.p95).toContain('http_request_duration_seconds_bucket[30s]');
  });

  it('resolves kube-state-metrics series by deployment and container, not by their job', () => {
    const q = buildIntervalQueries(1500, { metric: 'request_duration_seconds', cpuSource: 'process' });
    expect(q.ready).toContain('kube_deployment_status_replicas_available');
    expect(q.ready).toMatch(/"deployment", "\(\.\+\)"\)\)$/);
    expect(q.desired).toContain('kube_deployment_spec_replicas');
    expect(q.cpuRequest).toMatch(/^avg by \(sockml_service\)/);
    expect(q.cpuRequest).toContain('kube_pod_container_resource_requests{resource="cpu"}');
    expect(q.requests).toContain('[1500ms]');
  });
});

describe('observationsFromIntervalQueries', () => {
  it.each([
    {
      name: 'a busy service: p95 in ms, CPU as % of the ready replicas\' request',
      r: { p95: { 'front-end': 0.042 }, requests: { 'front-end': 900 }, cpuCores: { 'front-end': 0.45 }, cpuRequest: { 'front-end': 0.3 }, ready: { 'front-end': 2 }, desired: { 'front-end': 3 } },
      want: { replicas: 2, desiredReplicas: 3, p95Ms: 42, cpuPct: 75 },
    },
    {
      name: 'no requests in the interval: no p95 (the quantile of nothing is NaN)',
      r: { p95: { 'front-end': NaN }, requests: { 'front-end': 0 }, cpuCores: { 'front-end': 0.01 }, cpuRequest: { 'front-end': 0.1 }, ready: { 'front-end': 1 }, desired: { 'front-end': 1 } },
      want: { replicas: 1, desiredReplicas: 1, p95Ms: null, cpuPct: 10 },
    },
    {
      name: 'increase() extrapolated a fraction of a request: still none',
      r: { p95: { 'front-end': 0.005 }, requests: { 'front-end': 0.3 }, ready: { 'front-end': 1 } },
      want: { replicas: 1, desiredReplicas: null, p95Ms: null, cpuPct: null },
    },
    {
      name: 'no kube-state-metrics: replicas and CPU utilisation unknown, not 0',
      r: { p95: { 'front-end': 0.02 }, requests: { 'front-end': 10 }, cpuCores: { 'front-end': 0.2 } },
      want: { replicas: null, desiredReplicas: null, p95Ms: 20, cpuPct: null },
    },
    {
      name: 'no ready replica: utilisation unknown',
      r: { cpuCores: { 'front-end': 0.2 }, cpuRequest: { 'front-end': 0.3 }, ready: { 'front-end': 0 }, desired: { 'front-end': 1 } },
      want: { replicas: 0, desiredReplicas: 1, p95Ms: null, cpuPct: null },
    },
  ])('$name', ({ r, want }) => {
    expect(observationsFromIntervalQueries(results(r), ['front-end'])['front-end']).toEqual(want);
  });

  it('answers for every asked service, also one Prometheus knows nothing about', () => {
    const out = observationsFromIntervalQueries(results({ ready: { carts: 2, other: 5 } }), ['carts', 'orders']);
    expect(Object.keys(out)).toEqual(['carts', 'orders']);
    expect(out.orders).toEqual({ replicas: null, desiredReplicas: null, p95Ms: null, cpuPct: null });
  });
});
