import { describe, expect, it } from 'vitest';
import { DEFAULT_QUEUE_MODEL, ServiceQueue } from './service-queue.js';
import type { ServiceSpec } from './topology.js';

const SPEC: ServiceSpec = { capacityRps: 100, baseLatencyMs: 10, cpuRequestCores: 0.5, idleCores: 0.01, memoryMbPerReplica: 100 };

/** Evenly spaced arrivals at `rps` from `fromMs` for `ms`; returns the last admission's latency and the rejections. */
function drive(q: ServiceQueue, rps: number, fromMs: number, ms: number) {
  let last = NaN;
  let rejected = 0;
  const n = Math.round((rps * ms) / 1000);
  for (let i = 0; i < n; i++) {
    const a = q.admit(fromMs + (i * 1000) / rps);
    if (a.accepted) last = a.latencyMs;
    else rejected++;
  }
  return { last, rejected };
}

describe('ServiceQueue', () => {
  it.each([
    // Steady state of base / (1 − ρ): ρ = 0.2 → 12.5 ms, 0.5 → 20 ms, 0.8 → 50 ms (the EWMA wobbles by ~1 rps).
    { rps: 20, expected: 12.5 },
    { rps: 50, expected: 20 },
    { rps: 80, expected: 50 },
  ])('latency follows base / (1 − ρ) below capacity: $rps rps → ≈ $expected ms', ({ rps, expected }) => {
    const q = new ServiceQueue(SPEC, DEFAULT_QUEUE_MODEL, 0);
    const { last, rejected } = drive(q, rps, 0, 10_000);
    expect(rejected).toBe(0);
    expect(Math.abs(last - expected) / expected).toBeLessThan(0.1);
  });

  it('latency grows with load and keeps growing while overloaded', () => {
    const latencies = [20, 50, 80, 99].map((rps) => drive(new ServiceQueue(SPEC, DEFAULT_QUEUE_MODEL, 0), rps, 0, 10_000).last);
    for (let i = 1; i < latencies.length; i++) expect(latencies[i]).toBeGreaterThan(latencies[i - 1]);
    const q = new ServiceQueue(SPEC, DEFAULT_QUEUE_MODEL, 0);
    const after1s = drive(q, 150, 0, 1000).last;
    const after2s = drive(q, 150, 1000, 1000).last;
    // 50 rps above capacity for 2 s: ~100 requests of backlog = ~1 s of waiting on top of the capped 20 × base.
    expect(after2s).toBeGreaterThan(after1s + 400);
    expect(after2s).toBeGreaterThan(200 + 800);
  });

  it('rejects once the backlog would take longer than maxQueueMs, and with no ready replica', () => {
    const q = new ServiceQueue(SPEC, DEFAULT_QUEUE_MODEL, 0);
    expect(drive(q, 200, 0, 10_000).rejected).toBeGreaterThan(0);
    expect(q.snapshot(10_000).backlog).toBeLessThanOrEqual(501);
    const none = new ServiceQueue(SPEC, DEFAULT_QUEUE_MODEL, 0, 0);
    expect(none.admit(0)).toEqual({ accepted: false });
  });

  it('new replicas serve only after the start-up delay, then latency falls', () => {
    const q = new ServiceQueue(SPEC, { ...DEFAULT_QUEUE_MODEL, startupDelayMs: 20_000 }, 0);
    drive(q, 150, 0, 2000);
    q.setReplicas(3, 2000);
    expect(q.snapshot(2000)).toMatchObject({ replicas: 3, ready: 1 });
    const starting = drive(q, 150, 2000, 19_000).last; // still one ready replica until 22 s
    expect(starting).toBeGreaterThan(1000);
    expect(q.snapshot(21_999).ready).toBe(1);
    expect(q.snapshot(22_000).ready).toBe(3);
    // 300 rps of capacity drains the backlog (≤ 500) in a few seconds; then base / (1 − 0.5) = 20 ms.
    const ready = drive(q, 150, 22_000, 10_000).last;
    expect(ready).toBeGreaterThan(15);
    expect(ready).toBeLessThan(30);
  });

  it('scaling down removes starting replicas first', () => {
    const q = new ServiceQueue(SPEC, DEFAULT_QUEUE_MODEL, 0, 2);
    q.setReplicas(4, 1000);
    q.setReplicas(2, 2000);
    expect(q.snapshot(2000)).toMatchObject({ replicas: 2, ready: 2 });
    expect(() => q.setReplicas(-1, 3000)).toThrow(/≥ 0/);
  });

  it('CPU is proportional to the work done, plus idle CPU per ready replica; memory per replica', () => {
    const cpu = (rps: number) => {
      const q = new ServiceQueue(SPEC, DEFAULT_QUEUE_MODEL, 0, 2);
      drive(q, rps, 0, 10_000);
      return q.snapshot(10_000);
    };
    // n requests × 0.5 / 100 core-seconds + 2 replicas × 0.01 cores × 10 s.
    expect(cpu(20).cpuSecondsTotal).toBeCloseTo(200 * 0.005 + 0.2, 6);
    expect(cpu(40).cpuSecondsTotal).toBeCloseTo(400 * 0.005 + 0.2, 6);
    expect(cpu(0).cpuSecondsTotal).toBeCloseTo(0.2, 6);
    expect(cpu(0).memoryBytes).toBe(2 * 100 * 1048576);
  });
});
