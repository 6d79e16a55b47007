import { describe, expect, it } from 'vitest';
import { RunRecorder } from './run-recorder.js';

describe('RunRecorder', () => {
  it('buckets events by second, hands rows out once closed, and sums them up', () => {
    const r = new RunRecorder(3000);
    r.offered(100);
    r.started(100, 0.5);
    r.offered(600);
    r.dropped(600);
    r.completed(150, 50, { status: 200 });
    r.offered(1200);
    r.started(1200, 1);
    r.completed(1900, 700, { status: 500 });
    r.inFlight(1900, 0);
    expect(r.flush(1999)).toEqual([]); // second 0 could still get events
    const [row0] = r.flush(2000);
    expect(row0).toMatchObject({ second: 0, offered: 2, started: 1, dropped: 1, completed: 1, errors: 0 });
    expect(row0.p50Ms).toBeCloseTo(50, 0);
    r.offered(2500);
    r.started(2500);
    r.completed(2600, 3, { error: 'ECONNRESET' }); // no response: an error, not an achieved request
    r.completed(3100, 9, { status: 200 }); // after the window: totals only
    const { rows, summary } = r.finish();
    expect(rows.map((x) => [x.second, x.offered, x.completed, x.errors, x.transportErrors])).toEqual([
      [1, 1, 1, 1, 0],
      [2, 1, 0, 1, 1],
    ]);
    expect(summary).toMatchObject({ offered: 4, started: 3, dropped: 1, completed: 3, completedInWindow: 2, transportErrors: 1, errors: 2, windowMs: 3000 });
    expect(summary.statuses).toEqual({ 200: 2, 500: 1, ECONNRESET: 1 });
    expect(summary.offeredRps).toBeCloseTo(4 / 3, 9);
    expect(summary.achievedRps).toBeCloseTo(2 / 3, 9);
    expect(summary.latency.maxMs).toBe(700);
  });

  it('refused connections are errors, never responses: nothing achieved, no latency recorded', () => {
    const r = new RunRecorder(2000);
    for (let t = 0; t < 2000; t += 100) {
      r.offered(t);
      r.started(t);
      r.completed(t + 1, 0.3, { error: 'ECONNREFUSED' });
    }
    const { rows, summary } = r.finish();
    expect(summary).toMatchObject({ offered: 20, completed: 0, completedInWindow: 0, achievedRps: 0, transportErrors: 20, errors: 20 });
    expect(summary.latency.count).toBe(0);
    expect(Number.isNaN(summary.latency.p95Ms)).toBe(true); // no responses: no latency, not a fast one
    expect(rows.map((x) => [x.completed, x.errors])).toEqual([
      [0, 10],
      [0, 10],
    ]);
  });

  it('stopped early: the window shrinks and rows end with it', () => {
    const r = new RunRecorder(10_000);
    for (let t = 0; t < 2500; t += 100) {
      r.offered(t);
      r.started(t);
      r.completed(t + 1, 1, { status: 200 });
    }
    r.abandoned();
    const { rows, summary } = r.finish(2500);
    expect(rows).toHaveLength(3);
    expect(summary.achievedRps).toBeCloseTo(10, 9);
    expect(summary.statuses.ABORTED).toBe(1);
    expect(summary.errors).toBe(1);
  });
});
