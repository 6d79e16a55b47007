import { describe, expect, it } from 'vitest';
import { PollSchedule } from './poll-schedule.js';

describe('PollSchedule', () => {
  const s = new PollSchedule({ startMs: 1000, intervalMs: 100, slots: 5, lateToleranceMs: 10 });

  // now: when the previous poll finished; previous: its slot.
  it.each([
    { name: 'first slot, before start', now: 0, previous: -1, next: 0, skipped: [] },
    { name: 'first slot, at start', now: 1000, previous: -1, next: 0, skipped: [] },
    { name: 'first slot within the late tolerance', now: 1010, previous: -1, next: 0, skipped: [] },
    { name: 'started late: skip the first slot', now: 1011, previous: -1, next: 1, skipped: [0] },
    { name: 'a quick poll: the next slot', now: 1003, previous: 0, next: 1, skipped: [] },
    { name: 'grid, not previous end + interval: no drift', now: 1150, previous: 1, next: 2, skipped: [] },
    { name: 'overran by two slots: skip, never bunch', now: 1325, previous: 0, next: 4, skipped: [1, 2, 3] },
    { name: 'the schedule is over', now: 1405, previous: 4, next: null, skipped: [] },
    { name: 'overran past the end: the rest is skipped', now: 9000, previous: 2, next: null, skipped: [3, 4] },
  ])('$name', ({ now, previous, next, skipped }) => {
    const r = s.next(now, previous);
    expect(r.next?.slot ?? null).toBe(next);
    if (next !== null) expect(r.next!.timeMs).toBe(1000 + next * 100);
    expect(r.skipped.map((x) => x.slot)).toEqual(skipped);
  });

  it('a long run stays on the grid however late each poll ends', () => {
    const unbounded = new PollSchedule({ startMs: 0, intervalMs: 30_000 });
    let prev = -1;
    const times: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const { next } = unbounded.next(prev < 0 ? 0 : unbounded.timeOf(prev) + 29_999, prev);
      times.push(next!.timeMs);
      prev = next!.slot;
    }
    expect(times[999]).toBe(999 * 30_000);
  });

  it.each([
    { now: 0, interval: 30_000, duration: 1_800_000, start: 0, slots: 60 },
    { now: 1, interval: 30_000, duration: 1_800_000, start: 30_000, slots: 60 },
    { now: 45_000, interval: 30_000, duration: 10_000, start: 60_000, slots: 1 },
    { now: 1_000, interval: 2000, duration: 7000, start: 2000, slots: 3 },
  ])('aligned($now, $interval, $duration)', ({ now, interval, duration, start, slots }) => {
    const a = PollSchedule.aligned(now, interval, duration);
    expect([a.startMs, a.slots]).toEqual([start, slots]);
  });

  it.each([
    [{ startMs: 0, intervalMs: 0 }, /interval must be positive/],
    [{ startMs: 0, intervalMs: 10, slots: 0 }, /slots must be/],
  ])('rejects %j', (options, message) => expect(() => new PollSchedule(options)).toThrow(message));
});
