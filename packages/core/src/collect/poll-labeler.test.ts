import { describe, expect, it } from 'vitest';
import { PollLabeler } from './poll-labeler.js';

/**
 * One service over slots; each slot is a p95 (ms), null for "no latency data", or 'gap' for a missing
 * poll. Returns the label of every row (gaps have no row) in slot order.
 */
function labels(slots: (number | null | 'gap')[], lookahead: number, sloMs = 35) {
  const l = new PollLabeler<number>({ metric: 'p95_latency_ms', sloMs, lookahead });
  const got = new Map<number, 0 | 1 | null>();
  slots.forEach((p95, i) => {
    for (const o of l.poll(p95 === 'gap' ? [] : [{ service: 'svc', p95Ms: p95, item: i }])) got.set(o.item, o.label);
  });
  for (const o of l.finish()) got.set(o.item, o.label);
  return { labels: slots.map((p, i) => (p === 'gap' ? 'gap' : got.get(i))), gapUnlabelled: l.gapUnlabelled };
}

describe('PollLabeler', () => {
  // Expected labels by hand from label(t) = any(p95 over slots t+1..t+k > SLO), where a gap is unknown.
  it.each([
    { name: 'no gaps: the same as the Labeler', slots: [10, 50, 10, 10], k: 1, expected: [1, 0, 0, null] },
    { name: 'a gap in the window and no violation: unknown', slots: [10, 10, 'gap', 10, 10, 10], k: 2, expected: [null, null, 'gap', 0, null, null] },
    { name: 'a gap in the window, but a violation seen: 1', slots: [10, 'gap', 50, 10, 10], k: 2, expected: [1, 'gap', 0, null, null] },
    { name: 'the gap holds the slot: k counts time, not rows', slots: [10, 'gap', 'gap', 50], k: 2, expected: [null, 'gap', 'gap', null] },
    { name: 'a gap before a row is not in its window', slots: ['gap', 10, 10, 10], k: 1, expected: ['gap', 0, 0, null] },
    { name: 'no latency data is not a violation', slots: [10, null, 10, 10], k: 1, expected: [0, 0, 0, null] },
  ] as const)('$name', ({ slots, k, expected }) => {
    expect(labels([...slots], k).labels).toEqual(expected);
  });

  it('counts rows left unlabelled by a gap', () => {
    expect(labels([10, 10, 'gap', 10, 10, 10], 2).gapUnlabelled).toBe(2);
  });

  it('a service missing from a poll is a gap for that service only', () => {
    const l = new PollLabeler<string>({ metric: 'p95_latency_ms', sloMs: 35, lookahead: 1 });
    const out = [
      ...l.poll([
        { service: 'a', p95Ms: 10, item: 'a0' },
        { service: 'b', p95Ms: 10, item: 'b0' },
      ]),
      ...l.poll([{ service: 'a', p95Ms: 10, item: 'a1' }]),
      ...l.poll([
        { service: 'a', p95Ms: 90, item: 'a2' },
        { service: 'b', p95Ms: 10, item: 'b2' },
      ]),
    ];
    expect(out).toEqual([
      { item: 'b0', label: null },
      { item: 'a0', label: 0 },
      { item: 'a1', label: 1 },
    ]);
    expect(l.finish().map((o) => [o.item, o.label])).toEqual([
      ['a2', null],
      ['b2', null],
    ]);
  });
});
