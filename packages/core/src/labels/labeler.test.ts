import { describe, expect, it } from 'vitest';
import { PollLabeler } from '../collect/poll-labeler.js';
import { Labeler } from './labeler.js';

/** Labels a single series of p95 values (null = no data), returning labels in series order. */
function labelSeries(p95: (number | null)[], sloMs: number, lookahead: number): (0 | 1 | null)[] {
  const l = new Labeler<number>({ metric: 'p95_latency_ms', sloMs, lookahead });
  const labels = new Array<0 | 1 | null>(p95.length);
  const record = (out: { item: number; label: 0 | 1 | null }[]) => out.forEach((o) => (labels[o.item] = o.label));
  p95.forEach((v, i) => record(l.push('svc', v, i)));
  record(l.finish());
  return labels;
}

describe('Labeler (future-only)', () => {
  // Expected labels worked out by hand from the definition label(t) = any(p95[t+1..t+k] > SLO).
  it.each([
    { name: 'k=1 looks at the next poll only', p95: [10, 50, 10, 10], k: 1, expected: [1, 0, 0, null] },
    { name: 'k=2 looks two polls ahead', p95: [10, 10, 50, 10, 10], k: 2, expected: [1, 1, 0, null, null] },
    { name: 'the current poll is never looked at', p95: [99, 10, 10, 10], k: 2, expected: [0, 0, null, null] },
    { name: 'no data is not a violation', p95: [10, null, null, 10], k: 2, expected: [0, 0, null, null] },
    { name: 'exactly the SLO is not a violation', p95: [10, 35.68, 35.69], k: 1, expected: [0, 1, null] },
    { name: 'k=3 with a late violation', p95: [1, 1, 1, 90, 1, 1, 1], k: 3, expected: [1, 1, 1, 0, null, null, null] },
    { name: 'a series shorter than k stays unlabelled', p95: [90, 90], k: 3, expected: [null, null] },
  ])('$name', ({ p95, k, expected }) => {
    expect(labelSeries(p95, 35.68, k)).toEqual(expected);
  });

  it('labels a service against its own SLO when it has one (a config file\'s per-service slo)', () => {
    const l = new Labeler<string>({ metric: 'p95_latency_ms', sloMs: 100, lookahead: 1 }, { sloMsByService: { carts: 20 } });
    const out = [...l.push('carts', 30, 'c0'), ...l.push('user', 30, 'u0'), ...l.push('carts', 30, 'c1'), ...l.push('user', 30, 'u1')];
    expect(out).toEqual([{ item: 'c0', label: 1 }, { item: 'u0', label: 0 }]); // 30 ms breaks carts' 20 ms SLO, not the default 100 ms
    expect(l.sloMs('carts')).toBe(20);
    expect(l.sloMs('user')).toBe(100);
    expect(() => new Labeler({ metric: 'p95_latency_ms', sloMs: 100, lookahead: 1 }, { sloMsByService: { carts: 0 } })).toThrow(/SLO of carts must be a positive number/);
  });

  it('keeps services apart', () => {
    const l = new Labeler<string>({ metric: 'p95_latency_ms', sloMs: 35.68, lookahead: 1 });
    const out = [...l.push('a', 10, 'a0'), ...l.push('b', 10, 'b0'), ...l.push('a', 10, 'a1'), ...l.push('b', 90, 'b1')];
    expect(out).toEqual([
      { item: 'a0', label: 0 },
      { item: 'b0', label: 1 },
    ]);
    expect(l.finish().map((o) => [o.item, o.label])).toEqual([
      ['a1', null],
      ['b1', null],
    ]);
  });

  it.each([
    [{ sloMs: 0, lookahead: 2 }, /SLO must be a positive/],
    [{ sloMs: 35, lookahead: 0 }, /lookahead must be a whole number/],
    [{ sloMs: 35, lookahead: 1.5 }, /lookahead must be a whole number/],
  ])('rejects %j', (def, message) => {
    expect(() => new Labeler({ metric: 'p95_latency_ms', ...def })).toThrow(message);
  });

  /** A series with times: [slot, p95] pairs on a 30 s grid (a slot not listed is a missing poll). */
  function labelTimed(polls: [number, number | null][], k: number): (0 | 1 | null)[] {
    const l = new Labeler<number>({ metric: 'p95_latency_ms', sloMs: 35.68, lookahead: k }, { pollIntervalMs: 30_000 });
    const labels = new Array<0 | 1 | null>(polls.length);
    const record = (out: { item: number; label: 0 | 1 | null }[]) => out.forEach((o) => (labels[o.item] = o.label));
    // A little jitter on each poll's time: still the same slot.
    polls.forEach(([slot, v], i) => record(l.push('svc', v, i, [], slot * 30_000 + (i % 2 ? 900 : -700))));
    record(l.finish());
    return labels;
  }

  // Worked out by hand: a missing slot takes its place in the lookahead; a window with a gap and no
  // violation seen is unknown (null), one with a violation seen is 1.
  it.each([
    { name: 'no gap: as by position', polls: [[0, 10], [1, 50], [2, 10], [3, 10]], k: 1, expected: [1, 0, 0, null] },
    { name: 'k=1, slot 1 missing: poll 0 unknown, not 0', polls: [[0, 10], [2, 10], [3, 10]], k: 1, expected: [null, 0, null] },
    { name: 'k=2, slot 2 missing, violation at 3 is still seen by 1', polls: [[0, 10], [1, 10], [3, 90], [4, 10]], k: 2, expected: [null, 1, null, null] },
    { name: 'k=2, a violation before the gap labels 1', polls: [[0, 10], [1, 90], [3, 10], [4, 10], [5, 10]], k: 2, expected: [1, null, 0, null, null] },
    { name: 'a long gap: everything before it with no violation is unknown', polls: [[0, 10], [1, 10], [9, 10], [10, 10]], k: 2, expected: [null, null, null, null] },
  ] as { name: string; polls: [number, number | null][]; k: number; expected: (0 | 1 | null)[] }[])('with a poll interval: $name', ({ polls, k, expected }) => {
    expect(labelTimed(polls, k)).toEqual(expected);
  });

  it('with a poll interval labels as collect’s PollLabeler does, slot by slot', () => {
    const slots: (number | null | 'missing')[] = [10, 10, 'missing', 50, 10, 'missing', 'missing', 10, 90, 10, 10, 'missing', 10];
    for (const k of [1, 2, 3]) {
      const timed = new Labeler<number>({ metric: 'p95_latency_ms', sloMs: 35.68, lookahead: k }, { pollIntervalMs: 30_000 });
      const byPoll = new PollLabeler<number>({ metric: 'p95_latency_ms', sloMs: 35.68, lookahead: k });
      const a = new Map<number, 0 | 1 | null>();
      const b = new Map<number, 0 | 1 | null>();
      slots.forEach((v, slot) => {
        if (v === 'missing') byPoll.poll([]).forEach((o) => b.set(o.item, o.label));
        else {
          timed.push('svc', v, slot, [], slot * 30_000).forEach((o) => a.set(o.item, o.label));
          byPoll.poll([{ service: 'svc', p95Ms: v, item: slot }]).forEach((o) => b.set(o.item, o.label));
        }
      });
      timed.finish().forEach((o) => a.set(o.item, o.label));
      byPoll.finish().forEach((o) => b.set(o.item, o.label));
      expect([...a.entries()].sort((x, y) => x[0] - y[0]), `k=${k}`).toEqual([...b.entries()].sort((x, y) => x[0] - y[0]));
      expect(timed.gapUnlabelled, `k=${k}`).toBe(byPoll.gapUnlabelled);
    }
  });
});
