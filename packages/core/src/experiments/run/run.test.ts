import { describe, expect, it } from 'vitest';
import { parseSnapshotLine } from '../snapshot.js';
import { histogramBuckets, intervalQuantile, parseExposition, sampleSum } from './exposition.js';
import { ReactiveLoop } from './reactive-loop.js';
import { interleaveConditions, runFileName } from './schedule.js';
import { SnapshotRecorder } from './snapshot-recorder.js';

describe('interleaveConditions', () => {
  it('counterbalances: P R R P, run ids per condition', () => {
    const s = interleaveConditions(['proactive', 'reactive'], 2);
    expect(s.map((r) => `${r.condition[0]}${r.runId}`)).toEqual(['p1', 'r1', 'r2', 'p2']);
    expect(interleaveConditions(['static', 'reactive', 'proactive'], 2).map((r) => r.condition)).toEqual(['static', 'reactive', 'proactive', 'proactive', 'reactive', 'static']);
  });
  it('rejects bad input', () => {
    expect(() => interleaveConditions(['reactive'], 0)).toThrow(/repeat/);
    expect(() => interleaveConditions(['reactive', 'reactive'], 1)).toThrow(/distinct/);
  });
  it('names files like the seed set', () => expect(runFileName('reactive', 'step', 3)).toBe('reactive_step_run03.jsonl'));
  it('names an interrupted run apart, so analyze never takes it for a whole one', () => {
    expect(runFileName('reactive', 'step', 3, { partial: true })).toBe('reactive_step_run03.partial.jsonl');
  });
});

describe('SnapshotRecorder', () => {
  it('writes the seed schema, which the analyze reader parses', () => {
    const rec = new SnapshotRecorder({ runId: 1, condition: 'reactive', pattern: 'step', sloMs: 35.68 });
    const at = new Date('2026-04-13T06:42:17.606Z');
    const l0 = rec.record({ at, services: { 'front-end': { replicas: 2, p95Ms: 48.5, cpuPct: 80 }, carts: { replicas: null, p95Ms: null, cpuPct: null } }, load: { intervalMs: 5000, offered: 500, succeeded: 450, errors: 50 } });
    const l1 = rec.record({ at, services: { 'front-end': { replicas: 2, p95Ms: 10, cpuPct: 20 } }, load: null });
    const o = JSON.parse(l0);
    expect(o).toEqual({
      timestamp: '2026-04-13T06:42:17.606Z',
      run_id: 1,
      condition: 'reactive',
      pattern: 'step',
      interval_idx: 0,
      services: { 'front-end': { replicas: 2, p95_ms: 48.5, cpu_pct: 80, slo_violated: true }, carts: { replicas: -1, p95_ms: 0, slo_violated: false } },
      load: { offered_rps: 100, achieved_rps: 90, errors: 50, error_pct: 10 },
    });
    const parsed = parseSnapshotLine(l0, 'x:1');
    expect(parsed.services.carts).toMatchObject({ replicas: null, p95Ms: null });
    expect(parseSnapshotLine(l1, 'x:2')).toMatchObject({ intervalIdx: 1, services: { 'front-end': { p95Ms: 10, sloViolated: false } } });
  });
});

describe('ReactiveLoop', () => {
  it('scales up on CPU above target, at most once per sync period', () => {
    const loop = new ReactiveLoop(['front-end', 'carts'], { syncPeriodMs: 15_000 });
    const a = loop.step(0, { 'front-end': { replicas: 1, cpuPct: 210 }, carts: { replicas: 1, cpuPct: 70 } });
    expect(a.map((x) => [x.service, x.from, x.to])).toEqual([['front-end', 1, 3]]); // ceil(1 × 210 / 70)
    expect(loop.step(5_000, { 'front-end': { replicas: 3, cpuPct: 210 } })).toEqual([]); // not due yet
    expect(loop.step(15_000, { 'front-end': { replicas: 3, cpuPct: 210 } })[0].to).toBe(7); // 9, limited to max(+100 %, +4 pods)
    expect(loop.step(30_000, { 'front-end': { replicas: 7, cpuPct: null } })).toEqual([]);
  });
  it('counts not-ready pods at 0 % when scaling up', () => {
    const loop = new ReactiveLoop(['front-end']);
    // 1 ready of 3 at 140 %: over all three that is 46.7 %, below target: no second scale-up.
    expect(loop.step(0, { 'front-end': { replicas: 3, readyReplicas: 1, cpuPct: 140 } })).toEqual([]);
    // All ready: 140 % over 3 pods asks for 6.
    expect(loop.step(15_000, { 'front-end': { replicas: 3, readyReplicas: 3, cpuPct: 140 } })[0].to).toBe(6);
  });
  it("gives a service its own bounds over the shared options (a config file's, as each Deployment's HPA has its own)", () => {
    const loop = new ReactiveLoop(['orders', 'carts'], { maxReplicas: 4 }, { orders: { minReplicas: 2 } });
    // Idle CPU: carts stays at 1; orders rises to its own minimum of 2.
    const a = loop.step(0, { orders: { replicas: 1, cpuPct: 5 }, carts: { replicas: 1, cpuPct: 5 } });
    expect(a.map((x) => [x.service, x.from, x.to])).toEqual([['orders', 1, 2]]);
    // The shared maximum still holds for orders: ceil(2 × 700 / 70) = 20, kept at 4.
    expect(loop.step(15_000, { orders: { replicas: 2, cpuPct: 700 }, carts: { replicas: 1, cpuPct: 70 } }).map((x) => [x.service, x.to])).toEqual([['orders', 4]]);
  });
});

describe('exposition', () => {
  const scrape = (a: number, b: number, inf: number) =>
    parseExposition(`# HELP x\nh_bucket{service="f",le="0.01"} ${a}\nh_bucket{service="f",le="0.05"} ${b}\nh_bucket{service="f",le="+Inf"} ${inf}\nh_count{service="f"} ${inf}\n`);
  it('takes interval quantiles from bucket differences', () => {
    const before = histogramBuckets(scrape(10, 10, 10), 'h', 'service').get('f');
    const after = histogramBuckets(scrape(10, 110, 110), 'h', 'service').get('f')!;
    expect(intervalQuantile(0.95, before, after)).toBeCloseTo(0.01 + 0.04 * 0.95);
    expect(intervalQuantile(0.95, after, after)).toBeNull();
    expect(intervalQuantile(0.5, undefined, histogramBuckets(scrape(0, 0, 4), 'h', 'service').get('f')!)).toBe(0.05);
  });
  it('sums the series whose labels include the asked ones; undefined when none matches', () => {
    const s = parseExposition('d_total{kind="UP",svc="a"} 2\nd_total{kind="UP",svc="b"} 3 1700000000\nd_total{kind="DOWN",svc="a"} 7\nother 1\n');
    expect(sampleSum(s, 'd_total', { kind: 'UP' })).toBe(5);
    expect(sampleSum(s, 'd_total')).toBe(12);
    expect(sampleSum(s, 'd_total', { kind: 'UP', svc: 'b' })).toBe(3);
    expect(sampleSum(s, 'd_total', { kind: 'NONE' })).toBeUndefined();
    expect(sampleSum(s, 'missing')).toBeUndefined();
  });
});
