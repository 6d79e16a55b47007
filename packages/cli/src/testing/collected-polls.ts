/** Collected polls for the collect sinks' tests: 30 s slots from a fixed time, one sample per service. */
import type { CollectedPoll, MetricsSample } from '@sockml/core';

export const T0 = Date.UTC(2026, 3, 8, 22, 40, 0);

export const sampleAt = (slot: number, service: string, p95: number | null, rps: number | null = 10): MetricsSample => ({
  timestamp: new Date(T0 + slot * 30_000).toISOString(),
  timeMs: T0 + slot * 30_000,
  service,
  requestRateRps: rps,
  errorRatePct: 0,
  p50LatencyMs: p95,
  p95LatencyMs: p95,
  p99LatencyMs: p95,
  cpuUsagePct: 5,
  memoryUsageMb: 64,
  slaViolated: null,
});

export const pollOf = (slot: number, samples: MetricsSample[]): CollectedPoll => ({ slot, timeMs: T0 + slot * 30_000, timestamp: samples[0]?.timestamp ?? '', samples, replicas: {}, missing: [] });
