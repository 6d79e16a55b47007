import { describe, expect, it } from 'vitest';
import { samplesFromSeries } from '../collect/poll-samples.js';
import { SockShopEmulator } from '../sim/emulator.js';
import { LabCluster } from './lab-cluster.js';

/**
 * A front-end alone, without randomness: every request takes exactly 3 ms and costs 2 core-ms, an idle
 * replica burns 0.01 core. Then every number collect would report is known by hand.
 */
function cluster() {
  const em = new SockShopEmulator(
    {
      services: ['front-end'],
      specs: { 'front-end': { capacityRps: 100, baseLatencyMs: 3, latencyCv: 0, routeCost: {}, cpuMsPerRequest: 2, cpuRequestCores: 0.1, idleCores: 0.01, memoryMbPerReplica: 64 } },
      queue: { stallMs: 0 },
      seed: 1,
    },
    0,
  );
  return new LabCluster(em, 300_000);
}

describe('LabCluster: what collect and the experiment poller would read', () => {
  it("gives collect's sample by collect's rules: rates over the window, quantiles from the buckets, CPU %, memory", () => {
    const c = cluster();
    // 10 rps for 60 s (one request every 100 ms from t = 0.05 s).
    for (let i = 0; i < 600; i++) c.serve('GET', '/', 50 + i * 100);
    c.mark(60_000);
    const poll = samplesFromSeries({ slot: 1, timeMs: 60_000 }, c.collectSeries(60_000, 60_000));
    expect(poll.missing).toEqual([]);
    expect(poll.samples).toHaveLength(1);
    const s = poll.samples[0];
    expect(s.requestRateRps).toBeCloseTo(10, 6);
    expect(s.errorRatePct).toBe(0); // no 5xx series yet: collect's "no errors"
    // Every request in the 0–5 ms bucket: histogram_quantile interpolates from 0 (the 2.5/4.75/4.95 artefact).
    expect([s.p50LatencyMs, s.p95LatencyMs, s.p99LatencyMs]).toEqual([2.5, 4.75, 4.95]);
    // 600 × 2 core-ms + 0.01 core × 60 s = 1.8 core-s over 60 s = 3 % of a core.
    expect(s.cpuUsagePct).toBeCloseTo(3, 6);
    expect(s.memoryUsageMb).toBe(64);
    expect(c.collectSeries(60_000, 60_000).replicas[0].value).toBe(1);
  });

  it('a window without requests has no latency (null, not 0) and a rate of 0', () => {
    const c = cluster();
    c.mark(30_000);
    const s = samplesFromSeries({ slot: 1, timeMs: 30_000 }, c.collectSeries(30_000, 60_000)).samples[0];
    expect(s.requestRateRps).toBe(0);
    expect([s.p50LatencyMs, s.p95LatencyMs, s.p99LatencyMs]).toEqual([null, null, null]);
  });

  it("the experiment poller's snapshot: ready replicas, the interval's p95, CPU as % of the ready replicas' request", () => {
    const c = cluster();
    c.setReplicas('front-end', 2, 0); // the second is ready at 20 s
    c.mark(30_000); // marks go in time order, as the run's timers do
    for (let i = 0; i < 300; i++) c.serve('GET', '/', 30_000 + i * 100); // 10 rps over [30, 60) s
    c.mark(60_000);
    const snap = c.snapshot(30_000, 60_000)['front-end'];
    expect(snap.replicas).toBe(2);
    expect(snap.p95Ms).toBeCloseTo(4.75, 9);
    // (300 × 2 core-ms + 2 × 0.01 × 30 s) / 30 s = 0.04 cores, over 2 × 0.1: 20 %.
    expect(snap.cpuPct).toBeCloseTo(20, 6);
    expect(c.loadCounts(30_000, 60_000)).toEqual({ offered: 300, completed: 300, errors: 0 });
  });

  it('a 5xx series exists from the first 5xx on, and its share is the error rate', () => {
    const c = cluster();
    c.setReplicas('front-end', 0, 0); // no ready replica: every request is rejected (503)
    for (let i = 0; i < 10; i++) c.serve('GET', '/', 1_000 + i * 1000);
    c.mark(30_000);
    const s = samplesFromSeries({ slot: 1, timeMs: 30_000 }, c.collectSeries(30_000, 60_000)).samples[0];
    expect(s.errorRatePct).toBe(100);
  });
});
