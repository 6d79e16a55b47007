import { describe, expect, it } from 'vitest';
import { PATTERN_NAMES } from '../load-pattern.js';
import { loadPattern } from './registry.js';

const TEN_MIN = 600_000;
const at = (f: number) => f * TEN_MIN;

describe('load patterns (10 min, peak 100 rps)', () => {
  // The default shapes, point by point: fractions of the run → rps.
  it.each([
    { pattern: 'constant', f: 0, rps: 100 },
    { pattern: 'constant', f: 0.5, rps: 100 },
    { pattern: 'constant', f: 1, rps: 0 }, // the run is over
    { pattern: 'ramp', f: 0, rps: 0 },
    { pattern: 'ramp', f: 0.25, rps: 50 },
    { pattern: 'ramp', f: 0.5, rps: 100 },
    { pattern: 'ramp', f: 0.6, rps: 100 },
    { pattern: 'ramp', f: 0.85, rps: 50 },
    { pattern: 'step', f: 0.1, rps: 35 },
    { pattern: 'step', f: 0.25, rps: 70 }, // at a jump: the rate after it
    { pattern: 'step', f: 0.3, rps: 70 },
    { pattern: 'step', f: 0.6, rps: 35 },
    { pattern: 'step', f: 0.9, rps: 100 },
    { pattern: 'spike', f: 0.1, rps: 15 },
    { pattern: 'spike', f: 0.46, rps: 50 },
    { pattern: 'spike', f: 0.6, rps: 15 },
    { pattern: 'spike', f: 0.7, rps: 100 },
    { pattern: 'spike', f: 0.8, rps: 15 },
    { pattern: 'mixed', f: 0.1, rps: 100 }, // constant quarter
    { pattern: 'mixed', f: 0.3, rps: 40 }, // ramp quarter, 20 % in: 0.2 / 0.5 of the climb
    { pattern: 'mixed', f: 0.6, rps: 15 }, // spike quarter, base
    { pattern: 'mixed', f: 0.5 + 0.25 * 0.7, rps: 100 }, // spike quarter, the big burst
    { pattern: 'mixed', f: 0.9, rps: 35 }, // step quarter, third level
  ])('$pattern at $f of the run: $rps rps', ({ pattern, f, rps }) => {
    expect(loadPattern(pattern, { durationMs: TEN_MIN, peakRps: 100 }).rate(at(f))).toBeCloseTo(rps, 6);
  });

  // Whole-run request counts: the integrals of the shapes above.
  it.each([
    { pattern: 'constant', total: 60_000 },
    { pattern: 'ramp', total: 15_000 + 12_000 + 9_000 },
    { pattern: 'step', total: 150 * (35 + 70 + 35 + 100) },
    { pattern: 'spike', total: 516 * 15 + 42 * 50 + 42 * 100 },
    { pattern: 'mixed', total: 15_000 + 9_000 + (129 * 15 + 10.5 * 50 + 10.5 * 100) + 9_000 },
  ])('$pattern offers $total requests', ({ pattern, total }) => {
    expect(loadPattern(pattern, { durationMs: TEN_MIN, peakRps: 100 }).expected(TEN_MIN)).toBeCloseTo(total, 6);
  });

  it.each(PATTERN_NAMES.map((name) => ({ name })))('$name: covers the run, peaks at the peak, whole rps (as k6 needs)', ({ name }) => {
    for (const peakRps of [1, 7, 100, 2500]) {
      const p = loadPattern(name, { durationMs: 123_457, peakRps });
      expect(p.segments.reduce((s, x) => s + x.durationMs, 0)).toBe(123_457);
      const rates = p.segments.flatMap((s) => [s.fromRps, s.toRps]);
      expect(Math.max(...rates)).toBe(peakRps);
      for (const r of rates) expect(Number.isInteger(r) && r >= 0).toBe(true);
      for (const s of p.segments) expect(Number.isInteger(s.durationMs)).toBe(true);
      // expected() is the running integral of rate(): check it against a fine Riemann sum.
      let sum = 0;
      for (let t = 0; t < p.durationMs; t += 1) sum += p.rate(t + 0.5) / 1000;
      expect(p.expected(p.durationMs)).toBeCloseTo(sum, 0);
    }
  });

  it('stamps the shape parameters', () => {
    expect(loadPattern('step', { durationMs: 1000, peakRps: 10 }).params).toEqual({ levels: [0.35, 0.7, 0.35, 1] });
    expect(loadPattern('ramp', { durationMs: 1000, peakRps: 10 }).params).toEqual({ upUntil: 0.5, holdUntil: 0.7 });
  });

  it.each([
    [{ name: 'sawtooth', durationMs: 1000, peakRps: 1 }, /unknown load pattern 'sawtooth'/],
    [{ name: 'ramp', durationMs: 1000, peakRps: 0 }, /peak rate must be positive/],
    [{ name: 'ramp', durationMs: 0, peakRps: 5 }, /positive duration/],
  ])('rejects %j', ({ name, ...o }, message) => expect(() => loadPattern(name, o)).toThrow(message));
});
