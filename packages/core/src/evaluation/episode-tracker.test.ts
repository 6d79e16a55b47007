import { describe, expect, it } from 'vitest';
import { EpisodeTracker } from './episode-tracker.js';

/** Feeds one series: `v` marks violating polls; each predictor's flags as a string of 0/1 per poll. */
function track(v: string, flags: Record<string, string>, lookahead = 2) {
  const names = Object.keys(flags);
  const t = new EpisodeTracker(names, lookahead);
  const mask = (i: number) => names.reduce((m, n, b) => (flags[n][i] === '1' ? m | (1 << b) : m), 0);
  for (let i = 0; i < v.length; i++) t.add('svc', i * 30_000, v[i] === '1', mask(i));
  return t.summary();
}

describe('EpisodeTracker', () => {
  it('counts maximal violation stretches as episodes', () => {
    expect(track('0110011100', { a: '0000000000' }).count).toBe(2);
    expect(track('1100000001', { a: '0000000000' }).count).toBe(2);
  });

  it('an onset is caught early when flagged on one of the lookahead polls before it', () => {
    //            polls: 0 1 2 3 4 5 6 7
    const v = '00011000';
    const s = track(v, {
      oneBefore: '00100000', // flags poll 2, onset at 3: 30 s lead
      twoBefore: '01100000', // earliest flag within the window at poll 1: 60 s lead
      tooEarly: '10000000', // poll 0 is 3 polls before: outside the k=2 window
      late: '00010000', // flags the onset itself: not early
    });
    expect(s.count).toBe(1);
    expect(s.caughtEarly).toEqual({ oneBefore: 1, twoBefore: 1, tooEarly: 0, late: 0 });
    expect(s.meanLeadSeconds).toEqual({ oneBefore: 30, twoBefore: 60, tooEarly: null, late: null });
  });

  it('a flag inside the previous episode does not count for the next onset', () => {
    //      polls: 0 1 2 3 4
    const s = track('01010', { a: '01000' }, 2);
    expect(s.count).toBe(2);
    expect(s.caughtEarly.a).toBe(0);
  });

  it('series and runs do not join', () => {
    const t = new EpisodeTracker(['a'], 2);
    t.add('x', 0, false, 1);
    t.add('y', 30_000, true, 0); // other series: x's flag does not count
    t.endRun();
    t.add('x', 60_000, true, 0); // new run: x's earlier flag is gone
    expect(t.summary()).toMatchObject({ count: 2, caughtEarly: { a: 0 } });
  });
});
