import { describe, expect, it } from 'vitest';
import { testVerdict } from '../testing/verdict.js';
import type { EnsembleVerdict } from '../voting/vote-aggregator.js';
import { PollBuffer } from './poll-buffer.js';

const t0 = Date.UTC(2026, 3, 8, 12, 0, 0);
/** `service`'s verdict at poll `n` (30 s apart). */
const v = (service: string, n: number): EnsembleVerdict => {
  const timestamp = new Date(t0 + n * 30_000).toISOString();
  return { ...testVerdict(service, false), snapshotId: `run@${timestamp}`, timestamp };
};
/** Released polls as `service@poll` lists, to read the tables below. */
const names = (polls: EnsembleVerdict[][]) => polls.map((p) => p.map((x) => `${x.service}@${(Date.parse(x.timestamp) - t0) / 30_000}`).join(' '));

/** A buffer that has released poll 0 of front-end, carts and user (so it knows those three). */
function knowing(): PollBuffer {
  const b = new PollBuffer(5000);
  b.add([v('front-end', 0), v('carts', 0), v('user', 0)], 0);
  expect(names(b.tick(5000))).toEqual(['front-end@0 carts@0 user@0']);
  return b;
}

describe('PollBuffer', () => {
  it('holds the first poll for the whole wait: it does not know the services yet', () => {
    const b = new PollBuffer(5000);
    expect(b.add([v('front-end', 0), v('carts', 0)], 0)).toEqual([]);
    expect(b.tick(4999)).toEqual([]);
    expect(names(b.tick(5000))).toEqual(['front-end@0 carts@0']);
    expect(b.stats).toEqual({ complete: 0, timedOut: 1, late: 0 });
  });

  it.each([
    { name: 'a poll goes as soon as every known service is in, whatever their order', arrivals: [['user', 1], ['carts', 1], ['front-end', 1]], want: ['user@1 carts@1 front-end@1'] },
    { name: 'services of the next poll wait for theirs', arrivals: [['carts', 1], ['carts', 2], ['front-end', 1], ['user', 2], ['user', 1]], want: ['carts@1 front-end@1 user@1'] },
    { name: 'a whole later poll takes the earlier one out first, even unfinished', arrivals: [['carts', 1], ['front-end', 2], ['carts', 2], ['user', 2]], want: ['carts@1', 'front-end@2 carts@2 user@2'] },
    { name: 'a new service does not hold a poll back until a poll with it has gone', arrivals: [['front-end', 1], ['carts', 1], ['orders', 1], ['user', 1]], want: ['front-end@1 carts@1 orders@1 user@1'] },
  ])('$name', ({ arrivals, want }) => {
    const b = knowing();
    const out = arrivals.flatMap(([s, n]) => b.add([v(s as string, n as number)], 10_000));
    expect(names(out)).toEqual(want);
  });

  it('a poll missing a known service goes when its wait has passed since its first verdict', () => {
    const b = knowing();
    expect(b.add([v('front-end', 1), v('carts', 1)], 10_000)).toEqual([]);
    expect(b.tick(14_999)).toEqual([]);
    expect(names(b.tick(15_000))).toEqual(['front-end@1 carts@1']);
    expect(b.stats).toEqual({ complete: 0, timedOut: 2, late: 0 });
  });

  it('a verdict for a poll already gone is released alone and counted late', () => {
    const b = knowing();
    b.add([v('front-end', 1), v('carts', 1)], 10_000);
    b.tick(15_000);
    expect(names(b.add([v('user', 1)], 16_000))).toEqual(['user@1']);
    expect(names(b.add([v('user', 0)], 16_000))).toEqual(['user@0']);
    expect(b.stats.late).toBe(2);
  });

  it('flush releases every poll held, oldest first', () => {
    const b = knowing();
    b.add([v('carts', 2), v('carts', 1), v('front-end', 3)], 10_000);
    expect(b.size).toBe(3);
    expect(names(b.flush())).toEqual(['carts@1', 'carts@2', 'front-end@3']);
    expect(b.size).toBe(0);
    expect(b.flush()).toEqual([]);
  });

  it('counts whole polls apart from those that went incomplete', () => {
    const b = knowing();
    b.add([v('front-end', 1), v('carts', 1), v('user', 1)], 10_000);
    b.add([v('front-end', 2)], 10_000);
    b.tick(20_000);
    expect(b.stats).toEqual({ complete: 1, timedOut: 2, late: 0 });
  });

  it('refuses a negative wait', () => {
    expect(() => new PollBuffer(-1)).toThrow(/waitMs must be ≥ 0/);
  });
});
