import { describe, expect, it } from 'vitest';
import { buildCollectQueries } from './promql.js';

describe('buildCollectQueries', () => {
  const q = buildCollectQueries();

  it.each([
    ['requestRate', /^sum by \(sockml_service\) \(label_replace\(.*rate\(request_duration_seconds_count\[1m\]\)/],
    ['errorRate', /rate\(request_duration_seconds_count\{status_code=~"5\.\."\}\[1m\]\)/],
    ['p50', /^histogram_quantile\(0\.5, sum by \(le, sockml_service\) \(.*rate\(request_duration_seconds_bucket\[1m\]\)/],
    ['p95', /^histogram_quantile\(0\.95, sum by \(le, sockml_service\) /],
    ['p99', /^histogram_quantile\(0\.99, sum by \(le, sockml_service\) /],
    ['cpu', /^sum by \(sockml_service\) \(.*rate\(process_cpu_seconds_total\[1m\]\).*\) \* 100$/],
    ['memory', /^sum by \(sockml_service\) \(.*process_resident_memory_bytes.*\) \/ 1048576$/],
    ['replicas', /kube_deployment_status_replicas.*"deployment", "\(\.\+\)"\)\)$/],
  ] as const)('%s', (name, pattern) => {
    expect(q[name]).toMatch(pattern);
  });

  it('never averages quantiles: the quantile is taken over buckets summed per service', () => {
    for (const name of ['p50', 'p95', 'p99'] as const) {
      expect(q[name]).not.toMatch(/avg/);
      expect(q[name].indexOf('histogram_quantile')).toBe(0);
    }
  });

  it('the later source generation and cAdvisor CPU', () => {
    const later = buildCollectQueries({ metric: 'http_request_duration_seconds', cpuSource: 'cadvisor', rateWindowMs: 5000 });
    expect(later.requestRate).toContain('rate(http_request_duration_seconds_count[5s])');
    expect(later.p95).toContain('rate(http_request_duration_seconds_bucket[5s])');
    expect(later.cpu).toContain('rate(container_cpu_usage_seconds_total{container!="",container!="POD"}[5s])');
    expect(later.cpu).toMatch(/"container", "\(\.\+\)"\)\) \* 100$/); // the container label outranks service and job
  });

  it.each([
    ['request duration', /not a Prometheus metric name/],
    ['x"}) or vector(1', /not a Prometheus metric name/],
    ['request_duration_seconds_bucket', /base name/],
  ])('rejects metric %j', (metric, message) => {
    expect(() => buildCollectQueries({ metric })).toThrow(message);
  });
});
