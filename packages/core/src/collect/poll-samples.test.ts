import { describe, expect, it } from 'vitest';
import type { QueryName } from './promql.js';
import { samplesFromPoll } from './poll-samples.js';

type Series = Record<string, number | string>; // service → value ('NaN', '+Inf' as Prometheus writes them)
const vector = (series: Series = {}, label = 'sockml_service') => ({
  status: 'success',
  data: { resultType: 'vector', result: Object.entries(series).map(([s, v]) => ({ metric: { [label]: s }, value: [1775688000, String(v)] })) },
});
const T = Date.UTC(2026, 3, 8, 22, 40, 0);

/** A full poll for one service `svc`; `override` replaces single queries' results. */
function poll(override: Partial<Record<QueryName, Series | null>> = {}) {
  const base: Record<QueryName, Series> = {
    requestRate: { svc: 10 },
    errorRate: { svc: 0.5 },
    p50: { svc: 0.0375 },
    p95: { svc: 0.04875 },
    p99: { svc: 0.04975 },
    cpu: { svc: 12.5 },
    memory: { svc: 64 },
    replicas: { svc: 2 },
  };
  const responses = {} as Record<QueryName, unknown>;
  for (const k of Object.keys(base) as QueryName[]) responses[k] = vector(override[k] === null ? {} : (override[k] ?? base[k]));
  return samplesFromPoll({ slot: 7, timeMs: T }, responses);
}

describe('samplesFromPoll', () => {
  it('turns one poll into one sample per service, in CSV units', () => {
    const p = poll();
    expect(p).toMatchObject({ slot: 7, timeMs: T, timestamp: '2026-04-08T22:40:00.000Z', replicas: { svc: 2 }, missing: [] });
    expect(p.samples).toEqual([
      {
        timestamp: '2026-04-08T22:40:00.000Z',
        timeMs: T,
        service: 'svc',
        requestRateRps: 10,
        errorRatePct: 5,
        p50LatencyMs: 37.5,
        p95LatencyMs: 48.75,
        p99LatencyMs: 49.75,
        cpuUsagePct: 12.5,
        memoryUsageMb: 64,
        slaViolated: null,
      },
    ]);
  });

  // Each case: which query results differ from a healthy poll, what the sample then holds, what is missing.
  it.each([
    {
      name: 'idle service: latency null (not 0, not missing), error rate 0',
      override: { requestRate: { svc: 0 }, errorRate: null, p50: { svc: 'NaN' }, p95: { svc: 'NaN' }, p99: { svc: 'NaN' } },
      sample: { requestRateRps: 0, errorRatePct: 0, p50LatencyMs: null, p95LatencyMs: null, p99LatencyMs: null },
      missing: [],
    },
    {
      name: 'requests but no 5xx series: error rate 0 is measured',
      override: { errorRate: null },
      sample: { errorRatePct: 0 },
      missing: [],
    },
    {
      name: 'request series missing: rate and error rate null, both reported',
      override: { requestRate: null, errorRate: null },
      sample: { requestRateRps: null, errorRatePct: null, p95LatencyMs: 48.75 },
      missing: [
        { service: 'svc', metric: 'request_rate_rps', reason: 'absent' },
        { service: 'svc', metric: 'error_rate_pct', reason: 'absent' },
      ],
    },
    {
      name: 'quantile NaN while requests flow: null and reported',
      override: { p99: { svc: 'NaN' } },
      sample: { p99LatencyMs: null, p95LatencyMs: 48.75 },
      missing: [{ service: 'svc', metric: 'p99_latency_ms', reason: 'nan' }],
    },
    {
      name: 'cpu and memory series missing: null, never 0',
      override: { cpu: null, memory: null },
      sample: { cpuUsagePct: null, memoryUsageMb: null },
      missing: [
        { service: 'svc', metric: 'cpu_usage_pct', reason: 'absent' },
        { service: 'svc', metric: 'memory_usage_mb', reason: 'absent' },
      ],
    },
    {
      name: 'an infinite value is not data',
      override: { memory: { svc: '+Inf' } },
      sample: { memoryUsageMb: null },
      missing: [{ service: 'svc', metric: 'memory_usage_mb', reason: 'nan' }],
    },
    {
      name: 'error share is capped at 100 %',
      override: { errorRate: { svc: 10.000001 } },
      sample: { errorRatePct: 100 },
      missing: [],
    },
  ])('$name', ({ override, sample, missing }) => {
    const p = poll(override as Partial<Record<QueryName, Series | null>>);
    expect(p.samples).toHaveLength(1);
    expect(p.samples[0]).toMatchObject(sample);
    expect(p.missing).toEqual(missing);
  });

  it('a service seen only in CPU/memory gets a row with its request metrics null', () => {
    const p = poll({ cpu: { svc: 1, 'queue-master': 3 }, memory: { svc: 64, 'queue-master': 200 } });
    expect(p.samples.map((s) => s.service)).toEqual(['queue-master', 'svc']);
    expect(p.samples[0]).toMatchObject({ requestRateRps: null, p95LatencyMs: null, cpuUsagePct: 3, memoryUsageMb: 200 });
    expect(p.missing.filter((m) => m.service === 'queue-master').map((m) => m.metric)).toEqual([
      'request_rate_rps',
      'error_rate_pct',
      'p50_latency_ms',
      'p95_latency_ms',
      'p99_latency_ms',
    ]);
  });

  it('replicas alone do not make a row (kube-state-metrics knows the databases too)', () => {
    const p = poll({ replicas: { svc: 2, 'carts-db': 1 } });
    expect(p.samples.map((s) => s.service)).toEqual(['svc']);
    expect(p.replicas).toEqual({ svc: 2, 'carts-db': 1 });
  });

  it('an expected service with no series gets no row and one "service" entry', () => {
    const responses = {} as Record<QueryName, unknown>;
    for (const k of ['requestRate', 'errorRate', 'p50', 'p95', 'p99', 'cpu', 'memory', 'replicas'] as QueryName[]) responses[k] = vector();
    const p = samplesFromPoll({ slot: 0, timeMs: T }, responses, { expected: ['carts'] });
    expect(p.samples).toEqual([]);
    expect(p.missing).toEqual([{ service: 'carts', metric: 'all', reason: 'service' }]);
  });

  it('--service filters rows, replicas and missing entries', () => {
    const p = samplesFromPoll(
      { slot: 0, timeMs: T },
      { ...Object.fromEntries(['errorRate', 'p50', 'p95', 'p99', 'cpu', 'memory', 'replicas'].map((k) => [k, vector()])), requestRate: vector({ a: 1, b: 2 }) } as Record<QueryName, unknown>,
      { services: ['b', 'c'], expected: ['a', 'c'] },
    );
    expect(p.samples.map((s) => s.service)).toEqual(['b']);
    expect(p.missing.filter((m) => m.metric === 'all')).toEqual([{ service: 'c', metric: 'all', reason: 'service' }]);
  });

  it('series without sockml_service are resolved in code; additive ones summed, quantiles not', () => {
    const byJob = (series: Series) => {
      const v = vector(series, 'job');
      return v;
    };
    const responses = {
      requestRate: { status: 'success', data: { resultType: 'vector', result: [{ metric: { job: 'cart', instance: 'a' }, value: [0, '1'] }, { metric: { job: 'cart', instance: 'b' }, value: [0, '2'] }] } },
      errorRate: byJob({}),
      p50: byJob({ cart: 0.01 }),
      p95: { status: 'success', data: { resultType: 'vector', result: [{ metric: { job: 'cart', instance: 'a' }, value: [0, '0.02'] }, { metric: { job: 'cart', instance: 'b' }, value: [0, '0.03'] }] } },
      p99: byJob({}),
      cpu: byJob({}),
      memory: byJob({}),
      replicas: { status: 'success', data: { resultType: 'vector', result: [{ metric: { deployment: 'carts', job: 'kube-state-metrics' }, value: [0, '3'] }] } },
    } as Record<QueryName, unknown>;
    const p = samplesFromPoll({ slot: 0, timeMs: T }, responses);
    expect(p.samples).toHaveLength(1);
    expect(p.samples[0]).toMatchObject({ service: 'carts', requestRateRps: 3, p50LatencyMs: 10, p95LatencyMs: null });
    expect(p.missing).toContainEqual({ service: 'carts', metric: 'p95_latency_ms', reason: 'nan' });
    expect(p.replicas).toEqual({ carts: 3 });
  });

  it('a Prometheus error in any result fails the whole poll', () => {
    expect(() => samplesFromPoll({ slot: 0, timeMs: T }, { requestRate: { status: 'error', error: 'boom' } } as unknown as Record<QueryName, unknown>)).toThrow(
      /Prometheus error: boom/,
    );
  });
});

describe('samplesFromPoll rounding', () => {
  it('keeps 6 decimals, so float noise does not reach the CSV or the deltas', () => {
    const p = poll({ cpu: { svc: 24.99999999999991 }, p50: { svc: 0.03750000000000001 }, errorRate: { svc: 1 / 3 } });
    expect(p.samples[0]).toMatchObject({ cpuUsagePct: 25, p50LatencyMs: 37.5, errorRatePct: 3.333333 });
  });
});
