import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CollectMetrics } from './collect-metrics.js';

describe('CollectMetrics', () => {
  it('counts poll outcomes, retries and missing values; times completed polls from their slot', async () => {
    let now = 100_000;
    const registry = new client.Registry();
    let published = 0;
    const m = new CollectMetrics(registry, 90_000, () => published, () => now);
    m.started();
    const slot = { slot: 0, timeMs: 99_000 } as any;
    m.onPoll({ kind: 'waiting', slot });
    m.onPoll({ kind: 'completed', attempts: 2, poll: { slot: 0, timeMs: 99_000, timestamp: 't', samples: [{}, {}, {}], missing: [{ metric: 'p95_latency_ms' }] } as any });
    now += 30_000;
    m.onPoll({ kind: 'missing', slot: { slot: 1, timeMs: 129_000 } as any, reason: 'ECONNREFUSED', attempts: 4 });
    published = 5;
    const text = await registry.metrics();
    expect(text).toMatch(/^sockml_collect_polls_total\{outcome="completed"\} 1$/m);
    expect(text).toMatch(/^sockml_collect_polls_total\{outcome="missing"\} 1$/m);
    expect(text).toMatch(/^sockml_collect_query_retries_total 4$/m);
    expect(text).toMatch(/^sockml_collect_missing_values_total\{metric="p95_latency_ms"\} 1$/m);
    expect(text).toMatch(/^sockml_collect_poll_seconds_sum 1$/m);
    expect(text).toMatch(/^sockml_collect_last_poll_timestamp_seconds 99$/m);
    expect(text).toMatch(/^sockml_collect_services 3$/m);
    expect(text).toMatch(/^sockml_collect_published_total 5$/m);
  });

  it.each([
    { name: 'before the loop starts', start: false, outcomeAt: null, atMs: 1000, ended: null, healthy: false, status: /^starting$/ },
    { name: 'waiting for the first slot', start: true, outcomeAt: null, atMs: 50_000, ended: null, healthy: true, status: /^ok$/ },
    { name: 'a missing poll is the loop working', start: true, outcomeAt: 60_000, atMs: 100_000, ended: null, healthy: true, status: /^ok$/ },
    { name: 'no poll finished within the limit', start: true, outcomeAt: 60_000, atMs: 160_001, ended: null, healthy: false, status: /no poll finished for 100\.0 s \(limit 100 s\)/ },
    { name: 'the loop ended', start: true, outcomeAt: 60_000, atMs: 61_000, ended: 'boom', healthy: false, status: /the poll loop ended: boom/ },
  ])('/healthz: $name', ({ start, outcomeAt, atMs, ended, healthy, status }) => {
    let now = 0;
    const m = new CollectMetrics(new client.Registry(), 100_000, undefined, () => now);
    if (start) m.started();
    if (outcomeAt !== null) {
      now = outcomeAt;
      m.onPoll({ kind: 'missing', slot: { slot: 1, timeMs: outcomeAt } as any, reason: 'x', attempts: 1 });
    }
    if (ended) m.stopped(ended);
    const r = m.check(atMs);
    expect(r.healthy).toBe(healthy);
    expect(r.status).toMatch(status);
  });
});
