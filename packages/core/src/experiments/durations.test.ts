import { describe, expect, it } from 'vitest';
import { snapshotDurations, type DurationWarningKind } from './durations.js';

/** Seconds since the run's first snapshot → ms timestamps, as Date.parse gives them. */
const at = (...secs: number[]) => secs.map((s) => Date.UTC(2026, 3, 13, 7, 0, 0) + s * 1000);

describe('snapshotDurations', () => {
  it.each<[string, number[], number[], number | null, [DurationWarningKind, number | null][]]>([
    // name, timestamps (s), expected seconds per snapshot, expected median gap, expected warnings
    ['regular 30 s polls: the last one gets the median', [0, 30, 60, 90], [30, 30, 30, 30], 30, []],
    ['time-compressed 5 s polls', [0, 5, 10, 15, 20, 25], [5, 5, 5, 5, 5, 5], 5, []],
    // gaps 10, 30 → median (10 + 30) / 2 = 20 for the last snapshot
    ['irregular gaps are kept as measured', [0, 10, 40], [10, 30, 20], 20, []],
    // gaps 30, 30, 240, 30 → median 30; 240 > 3 × 30 counts as 30
    ['a stall longer than 3 × the median counts as the median', [0, 30, 60, 300, 330], [30, 30, 30, 30, 30], 30, [['long-gap', 2]]],
    // gaps 30, 60, 30 → median 30; 60 ≤ 90 is believed (one lost poll)
    ['one lost poll (2 × the median) is believed', [0, 30, 90, 120], [30, 60, 30, 30], 30, []],
    // gaps 30, 0, 30 → median of the positive ones 30; the duplicate counts as 30
    ['a zero gap counts as the median', [0, 30, 30, 60], [30, 30, 30, 30], 30, [['non-increasing', 1]]],
    ['a single snapshot falls back to 30 s', [0], [30], null, [['single-snapshot', null]]],
    ['no positive gap falls back to 30 s for each', [0, 0, 0], [30, 30, 30], null, [['no-positive-gap', null]]],
  ])('%s', (_name, secs, seconds, medianGap, warnings) => {
    const d = snapshotDurations(at(...secs));
    expect(d.seconds.length).toBe(seconds.length);
    d.seconds.forEach((s, i) => expect(s).toBeCloseTo(seconds[i], 9));
    expect(d.medianGapSeconds).toBe(medianGap);
    expect(d.warnings.map((w) => [w.kind, w.intervalIdx])).toEqual(warnings);
  });

  it('names the snapshot by its interval_idx and says what it counted', () => {
    const d = snapshotDurations(at(0, 30, 60, 300, 330), [4, 5, 6, 7, 8]);
    expect(d.warnings).toEqual([{ kind: 'long-gap', intervalIdx: 6, message: "a gap of 240 s to the next poll is > 3 × the run's median 30 s: counted as 30 s" }]);
  });

  it('uses the fallback it is given', () => {
    expect(snapshotDurations(at(0), [0], 15)).toMatchObject({ seconds: [15], medianGapSeconds: null });
    expect(snapshotDurations([])).toEqual({ seconds: [], medianGapSeconds: null, warnings: [] });
  });
});
