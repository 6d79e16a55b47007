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
    r.completed(2600, 3, { error: 'ECONNRESET' });
    r.completed(3100, 9, { status: 200 }); // after the window: totals only
    const { rows, summary } = r.finish();
    expect(rows.map((x) => [x.second, x.offered, x.completed, x.errors])).toEqual([
      [1, 1, 1, 1],
      [2, 1, 1, 1],
    ]);
    expect(summary).toMatchObject({ offered: 4, started: 3, dropped: 1, completed: 4, completedInWindow: 3, errors: 2, windowMs: 3000 });
    expect(summary.statuses).toEqual({ 200: 2, 500: 1, ECONNRESET: 1 });
    expect(summary.offeredRps).toBeCloseTo(4 / 3, 9);
    expect(summary.achievedRps).toBeCloseTo(1, 9);
    expect(summary.latency.maxMs).toBe(700);
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
