import { createReadStream, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readMetricsCsv } from '../io/metrics-csv-reader.js';
import type { MetricsSample } from '../schema.js';
import {
  calibrate,
  DEFAULT_CALIBRATION,
  journeyWeightsForFanOut,
  latencyByRate,
  latencyShape,
  linearFit,
  steadyPolls,
  withinTolerance,
  type CalibrationRecording,
  type CalibrationReport,
} from './calibration.js';
import { routeRequest } from './topology.js';
import { journeyRequests, DEFAULT_JOURNEY } from '../load/journey.js';

const RUNS = resolve(__dirname, '../../../../fixtures/sockshop-gke/runs');

async function readRecordings(): Promise<CalibrationRecording[]> {
  const out: CalibrationRecording[] = [];
  for (const pattern of readdirSync(RUNS).sort()) {
    for (const f of readdirSync(join(RUNS, pattern)).sort()) {
      const samples: MetricsSample[] = [];
      for await (const batch of readMetricsCsv(createReadStream(join(RUNS, pattern, f)), f)) samples.push(...batch);
      out.push({ name: `${pattern}/${f}`, samples });
    }
  }
  return out;
}

/** A poll of one service, for the small hand-made recordings below. */
const poll = (t: number, service: string, rps: number | null, p95: number | null = 10, extra: Partial<MetricsSample> = {}): MetricsSample => ({
  timestamp: new Date(t * 30_000).toISOString(),
  timeMs: t * 30_000,
  service,
  requestRateRps: rps,
  errorRatePct: 0,
  p50LatencyMs: p95 === null ? null : p95 / 2,
  p95LatencyMs: p95,
  p99LatencyMs: p95,
  cpuUsagePct: rps === null ? null : 1 + 0.2 * rps,
  memoryUsageMb: 90,
  slaViolated: 0,
  ...extra,
});

describe('the emulator against the GKE recordings (fixtures/sockshop-gke/runs)', () => {
  let report: CalibrationReport;
  beforeAll(async () => {
    report = calibrate(await readRecordings());
  });

  it('compares the front-end at every loaded, unsaturated rate band the recordings hold', () => {
    const fe = report.comparison.filter((r) => r.service === 'front-end' && r.compared);
    // The runs hold steady front-end polls from ~6 to ~105 rps below saturation: at least five bands of them.
    expect(fe.length).toBeGreaterThanOrEqual(5);
    expect(Math.min(...fe.map((r) => r.recorded.rps))).toBeLessThan(10);
    expect(Math.max(...fe.map((r) => r.recorded.rps))).toBeGreaterThan(100);
    expect(report.comparison.filter((r) => r.compared).length).toBeGreaterThanOrEqual(40);
  });

  it('every compared service matches the recorded p50 and p95 within the tolerance', () => {
    const off = report.comparison
      .filter((r) => r.compared && !(r.p50Ok && r.p95Ok))
      .map((r) => `${r.service} at ${r.fromRps}–${r.toRps} front-end rps: p50 ${r.emulated.p50?.toFixed(1)} vs ${r.recorded.p50?.toFixed(1)}, p95 ${r.emulated.p95?.toFixed(1)} vs ${r.recorded.p95?.toFixed(1)}`);
    expect(off).toEqual([]);
  });

  it('the front-end at the recordings’ typical load: the band with the most polls, below the SLO as recorded', () => {
    const fe = report.comparison.filter((r) => r.service === 'front-end' && r.compared).sort((a, b) => b.recorded.polls - a.recorded.polls)[0];
    expect(withinTolerance(fe.emulated.p95, fe.recorded.p95, DEFAULT_CALIBRATION)).toBe(true);
    // Which side of the models' SLO (35.68 ms) the typical load falls on is what the proactive models react to.
    expect(fe.recorded.p95! < 35.68).toBe(fe.emulated.p95! < 35.68);
  });

  it('front-end replicas help when load is the cause, as queueing says: n replicas at n·λ ≈ one at λ', () => {
    const p95 = (rps: number, replicas: number) => report.replicas.find((r) => r.rps === rps && r.replicas === replicas)!.p95!;
    expect(withinTolerance(p95(54, 2), p95(27, 1), DEFAULT_CALIBRATION)).toBe(true);
    expect(withinTolerance(p95(105, 2), p95(54, 1), DEFAULT_CALIBRATION)).toBe(true);
    expect(p95(105, 2)).toBeLessThan(p95(105, 1) / 2);
    expect(p95(80, 2)).toBeLessThan(p95(80, 1) / 1.5);
  });

  it('and do not help when it is not: at low load the p95 is the downstream calls', () => {
    const p95 = (replicas: number) => report.replicas.find((r) => r.rps === 27 && r.replicas === replicas)!.p95!;
    expect(withinTolerance(p95(3), p95(1), { relTolerance: 0.1, absToleranceMs: 1 })).toBe(true);
  });

  it('the saturated band is left out: the recordings’ closed loop caps the queue there', () => {
    const top = report.comparison.find((r) => r.service === 'front-end' && r.fromRps >= 120);
    expect(top?.compared).toBe(false);
    expect(top?.reason).toBe('saturated');
  });
});

describe('measuring recordings', () => {
  it('keeps only steady polls: same rate as the previous poll, no gap, a latency, some traffic', () => {
    const samples = [
      poll(0, 'carts', 10),
      poll(1, 'carts', 10.5), // steady
      poll(2, 'carts', 20), // rate changed
      poll(3, 'carts', 20.5), // steady
      poll(5, 'carts', 20.5), // after a gap
      poll(6, 'carts', 20.5, null), // no latency
      poll(7, 'carts', 0.05), // no traffic to speak of
      poll(8, 'carts', 0.05),
    ];
    expect(steadyPolls([{ name: 'r', samples }]).map((p) => p.sample.timeMs / 30_000)).toEqual([1, 3]);
  });

  it('groups a service’s polls by its rate, with medians and the p95 spread', () => {
    const samples = [poll(0, 'user', 5, 4), poll(1, 'user', 5, 4), poll(2, 'user', 5, 6), poll(3, 'user', 5, 8), poll(4, 'user', 25, 20), poll(5, 'user', 25, 30)];
    const bands = latencyByRate(steadyPolls([{ name: 'r', samples }]), 'user');
    expect(bands.map((b) => [b.fromRps, b.toRps, b.polls, b.p95])).toEqual([
      [2, 5, 3, 6],
      [20, 30, 1, 30],
    ]);
    expect(latencyShape(bands, { minPolls: 1, riseFactor: 1.25 })).toMatchObject({ base: { fromRps: 2 }, rise: { fromRps: 20 } });
  });

  it('fits lines by least squares and refuses too few points', () => {
    expect(linearFit([1, 2, 3, 4], [3, 5, 7, 9])).toMatchObject({ intercept: 1, slope: 2, n: 4 });
    expect(linearFit([1, 2], [1, 2])).toBeNull();
  });

  it('turns a fan-out into journey weights whose call trees reproduce it', () => {
    const fan = { catalogue: 0.3, user: 0.2, carts: 0.18, orders: 0.025 };
    const weights = journeyWeightsForFanOut(fan);
    const calls: Record<string, number> = {};
    for (const r of journeyRequests({ ...DEFAULT_JOURNEY, weights })) {
      const walk = (c: NonNullable<ReturnType<typeof routeRequest>>) => {
        calls[c.service] = (calls[c.service] ?? 0) + r.weight;
        c.calls.forEach(walk);
      };
      walk(routeRequest(r.method, r.path)!);
    }
    const total = calls['front-end'];
    for (const [s, v] of Object.entries(fan)) expect(calls[s] / total).toBeCloseTo(v, 6);
  });
});
