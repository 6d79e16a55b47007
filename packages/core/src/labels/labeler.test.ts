import { describe, expect, it } from 'vitest';
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
});
