import { describe, expect, it } from 'vitest';
import { ArrivalSchedule } from './arrival-schedule.js';
import { PATTERN_NAMES } from './load-pattern.js';
import { loadPattern } from './patterns/registry.js';

describe('ArrivalSchedule', () => {
  it('a constant rate arrives evenly, starting at 0', () => {
    const times = new ArrivalSchedule(loadPattern('constant', { durationMs: 1000, peakRps: 10 })).drain();
    expect(times.map((t) => Math.round(t * 1000) / 1000)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
  });

  it('a ramp from 0 arrives like √t: the k-th arrival at √(2k/slope)', () => {
    // 0 → 100 rps over 10 s: slope 10 rps/s, ∫ = 5 t², so arrival k at √(k/5) s.
    const p = loadPattern('ramp', { durationMs: 20_000, peakRps: 100 });
    const times = new ArrivalSchedule(p).drain();
    for (const k of [1, 20, 250]) expect(times[k]).toBeCloseTo(Math.sqrt(k / 5) * 1000, 6);
  });

  it.each(PATTERN_NAMES.flatMap((name) => [3, 41, 1000].map((peakRps) => ({ name, peakRps }))))(
    '$name at $peakRps rps: ⌈∫rate⌉ arrivals in order, and by any time t as many as ∫rate up to t',
    ({ name, peakRps }) => {
      const p = loadPattern(name, { durationMs: 60_000, peakRps });
      const s = new ArrivalSchedule(p);
      const times = s.drain();
      expect(times.length).toBe(Math.ceil(p.expected(p.durationMs) - 1e-9));
      expect(times.length).toBe(s.size);
      expect(times.every((t, i) => i === 0 || t >= times[i - 1])).toBe(true);
      expect(times[0]).toBeGreaterThanOrEqual(0);
      expect(times[times.length - 1]).toBeLessThan(p.durationMs);
      let i = 0;
      for (let t = 0; t <= p.durationMs; t += 997) {
        while (i < times.length && times[i] < t) i++;
        expect(Math.abs(i - p.expected(t))).toBeLessThanOrEqual(1 + 1e-6);
      }
    },
  );

  it.each(PATTERN_NAMES)('%s: skipThrough(t) passes over exactly the arrivals next() would give up to t', (name) => {
    const p = loadPattern(name, { durationMs: 20_000, peakRps: 50 });
    const times = new ArrivalSchedule(p).drain();
    const s = new ArrivalSchedule(p);
    let taken = 0;
    for (const t of [0, 1, 999.5, 4321, 4321, 10_000, 19_999, 25_000]) {
      const expected = times.filter((x) => x <= t).length - taken;
      // Arrival times computed two ways (solved per arrival, integral at t) may differ by a rounding at t.
      expect(Math.abs(s.skipThrough(t) - expected), `t=${t}`).toBeLessThanOrEqual(1);
      taken = s.issued;
    }
    expect(s.issued).toBe(times.length);
    expect(s.next()).toBeUndefined();
  });

  it('skipThrough handles a billion arrivals a second without walking them', () => {
    const s = new ArrivalSchedule(loadPattern('constant', { durationMs: 60_000, peakRps: 1e9 }));
    expect(s.next()).toBe(0);
    expect(s.skipThrough(1000)).toBe(1e9); // arrivals 1 … 10⁹ are due by 1 s
    expect(s.next()).toBeGreaterThan(1000);
  });

  it('is deterministic', () => {
    const p = loadPattern('mixed', { durationMs: 30_000, peakRps: 77 });
    expect(new ArrivalSchedule(p).drain()).toEqual(new ArrivalSchedule(p).drain());
  });
});
