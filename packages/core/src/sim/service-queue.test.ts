import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { DEFAULT_QUEUE_MODEL, ServiceQueue, type QueueModelOptions } from './service-queue.js';
import type { ServiceSpec } from './topology.js';

const SPEC: ServiceSpec = { capacityRps: 100, baseLatencyMs: 10, latencyCv: 0, cpuMsPerRequest: 5, cpuRequestCores: 0.5, idleCores: 0.01, memoryMbPerReplica: 100 };
/** The queue without stalls: only the service time and the overload backlog. */
const NO_STALLS: QueueModelOptions = { ...DEFAULT_QUEUE_MODEL, stallMs: 0 };

const queue = (o: { spec?: Partial<ServiceSpec>; options?: QueueModelOptions; replicas?: number; seed?: number } = {}) =>
  new ServiceQueue({ ...SPEC, ...o.spec }, o.options ?? DEFAULT_QUEUE_MODEL, 0, o.replicas ?? 1, seededRandom(o.seed ?? 7));

/** Evenly spaced arrivals at `rps` from `fromMs` for `ms`: the admitted latencies (in order) and the rejections. */
function drive(q: ServiceQueue, rps: number, fromMs: number, ms: number) {
  const latencies: number[] = [];
  let rejected = 0;
  const n = Math.round((rps * ms) / 1000);
  for (let i = 0; i < n; i++) {
    const a = q.admit(fromMs + (i * 1000) / rps);
    if (a.accepted) latencies.push(a.latencyMs);
    else rejected++;
  }
  return { latencies, last: latencies[latencies.length - 1], rejected };
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];

describe('ServiceQueue', () => {
  it.each([
    // ρ^3.5: 0.2 → 0.004, 0.5 → 0.088, 0.8 → 0.458
    { rps: 20, stalled: 0.2 ** 3.5 },
    { rps: 50, stalled: 0.5 ** 3.5 },
    { rps: 80, stalled: 0.8 ** 3.5 },
  ])('below capacity a share ρ^stallExponent of requests stalls; the others take the service time: $rps rps', ({ rps, stalled }) => {
    const { latencies, rejected } = drive(queue(), rps, 0, 60_000);
    expect(rejected).toBe(0);
    const share = latencies.filter((l) => l > SPEC.baseLatencyMs + 1e-9).length / latencies.length;
    expect(Math.abs(share - stalled)).toBeLessThan(0.03);
    expect(quantile(latencies, 0.5)).toBe(SPEC.baseLatencyMs); // the median request does not stall below ρ ≈ 0.82
    const stalls = latencies.filter((l) => l > SPEC.baseLatencyMs).map((l) => l - SPEC.baseLatencyMs);
    if (rps === 80) expect(Math.abs(stalls.reduce((a, b) => a + b, 0) / stalls.length - DEFAULT_QUEUE_MODEL.stallMs) / DEFAULT_QUEUE_MODEL.stallMs).toBeLessThan(0.1);
  });

  it('the tail grows with load while the median does not', () => {
    const p95 = [20, 50, 80, 95].map((rps) => quantile(drive(queue(), rps, 0, 60_000).latencies, 0.95));
    for (let i = 1; i < p95.length; i++) expect(p95[i]).toBeGreaterThan(p95[i - 1]);
    expect(p95[0]).toBe(SPEC.baseLatencyMs);
    expect(p95[3]).toBeGreaterThan(SPEC.baseLatencyMs + DEFAULT_QUEUE_MODEL.stallMs);
  });

  it('latencyCv spreads the service time around baseLatencyMs, whose mean it keeps', () => {
    const { latencies } = drive(queue({ spec: { latencyCv: 0.5 }, options: NO_STALLS }), 10, 0, 600_000);
    const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
    expect(Math.abs(mean - 10) / 10).toBeLessThan(0.05);
    expect(Math.min(...latencies)).toBeGreaterThanOrEqual(5); // (1 − cv) × base is the floor
    expect(quantile(latencies, 0.95)).toBeGreaterThan(15); // 5 + 5 × ln 20 ≈ 20
  });

  it('a route cost scales the service time', () => {
    const q = queue({ options: NO_STALLS });
    expect(q.admit(0, 4)).toEqual({ accepted: true, latencyMs: 40 });
    expect(q.admit(1000)).toEqual({ accepted: true, latencyMs: 10 });
  });

  it('n replicas at n·λ behave as one at λ', () => {
    const one = drive(queue(), 70, 0, 60_000).latencies;
    const two = drive(queue({ replicas: 2 }), 140, 0, 60_000).latencies;
    for (const q of [0.5, 0.9, 0.95]) expect(Math.abs(quantile(two, q) - quantile(one, q)) / quantile(one, q)).toBeLessThan(0.15);
  });

  it('latency keeps growing while overloaded', () => {
    const q = queue({ options: NO_STALLS });
    const after1s = drive(q, 150, 0, 1000).last;
    const after2s = drive(q, 150, 1000, 1000).last;
    // 50 rps above capacity for 2 s: ~100 requests of backlog = ~1 s of waiting on top of the service time.
    expect(after2s).toBeGreaterThan(after1s + 400);
    expect(after2s).toBeGreaterThan(10 + 900);
  });

  it('arrivals at one instant (the calls of one request) do not wait for each other', () => {
    const q = queue({ options: NO_STALLS });
    const at0 = [q.admit(0), q.admit(0), q.admit(0)];
    expect(at0.map((a) => (a.accepted ? a.latencyMs : NaN))).toEqual([10, 10, 10]);
    // A later instant sees their work: 3 requests at 100 rps, 1 ms later 2.9 still queued = 29 ms.
    const next = q.admit(1);
    expect(next.accepted && next.latencyMs).toBeCloseTo(10 + 29, 6);
  });

  it('rejects once the backlog would take longer than maxQueueMs, and with no ready replica', () => {
    const q = queue();
    expect(drive(q, 200, 0, 10_000).rejected).toBeGreaterThan(0);
    expect(q.snapshot(10_000).backlog).toBeLessThanOrEqual(501);
    const none = queue({ replicas: 0 });
    expect(none.admit(0)).toEqual({ accepted: false });
  });

  it('new replicas serve only after the start-up delay, then latency falls', () => {
    const q = queue({ options: { ...NO_STALLS, startupDelayMs: 20_000 } });
    drive(q, 150, 0, 2000);
    q.setReplicas(3, 2000);
    expect(q.snapshot(2000)).toMatchObject({ replicas: 3, ready: 1 });
    const starting = drive(q, 150, 2000, 19_000).last; // still one ready replica until 22 s
    expect(starting).toBeGreaterThan(1000);
    expect(q.snapshot(21_999).ready).toBe(1);
    expect(q.snapshot(22_000).ready).toBe(3);
    // 300 rps of capacity drains the backlog (≤ 500) in a few seconds; then only the service time is left.
    expect(drive(q, 150, 22_000, 10_000).last).toBe(10);
  });

  it('scaling down removes starting replicas first', () => {
    const q = queue({ replicas: 2 });
    q.setReplicas(4, 1000);
    q.setReplicas(2, 2000);
    expect(q.snapshot(2000)).toMatchObject({ replicas: 2, ready: 2 });
    expect(() => q.setReplicas(-1, 3000)).toThrow(/≥ 0/);
  });

  it('CPU is cpuMsPerRequest per request, plus idle CPU per ready replica; memory per replica', () => {
    const cpu = (rps: number) => {
      const q = queue({ replicas: 2 });
      drive(q, rps, 0, 10_000);
      return q.snapshot(10_000);
    };
    // n requests × 5 core-ms + 2 replicas × 0.01 cores × 10 s.
    expect(cpu(20).cpuSecondsTotal).toBeCloseTo(200 * 0.005 + 0.2, 6);
    expect(cpu(40).cpuSecondsTotal).toBeCloseTo(400 * 0.005 + 0.2, 6);
    expect(cpu(0).cpuSecondsTotal).toBeCloseTo(0.2, 6);
    expect(cpu(0).memoryBytes).toBe(2 * 100 * 1048576);
  });

  it('the same generator seed gives the same latencies', () => {
    expect(drive(queue({ seed: 3 }), 80, 0, 5000).latencies).toEqual(drive(queue({ seed: 3 }), 80, 0, 5000).latencies);
    expect(drive(queue({ seed: 3 }), 80, 0, 5000).latencies).not.toEqual(drive(queue({ seed: 4 }), 80, 0, 5000).latencies);
  });
});
