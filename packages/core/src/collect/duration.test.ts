import { describe, expect, it } from 'vitest';
import { formatPromDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2.5s', 2500],
    ['1m', 60_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    [' 30m ', 1_800_000],
  ])('%s → %i ms', (raw, ms) => expect(parseDuration(raw)).toBe(ms));

  it.each(['', '30', 's', '30x', '-5s', '0s', '1m 30s'])('rejects %j', (raw) => expect(() => parseDuration(raw)).toThrow(/duration/));

  it.each([
    ['0', 0],
    ['0s', 0],
    ['0.0s', 0],
    ['0m0s', 0],
    ['000ms', 0],
    ['5s', 5000],
  ])('with allowZero: %j → %i ms', (raw, ms) => expect(parseDuration(raw, { allowZero: true })).toBe(ms));

  it.each(['', '5', '-1s', 'soon'])('with allowZero still rejects %j', (raw) => expect(() => parseDuration(raw, { allowZero: true })).toThrow(/is not a duration/));
});

describe('formatPromDuration', () => {
  it.each([
    [60_000, '1m'],
    [90_000, '90s'],
    [7_200_000, '2h'],
    [1500, '1500ms'],
  ])('%i ms → %s', (ms, text) => expect(formatPromDuration(ms)).toBe(text));

  it('rejects fractions and non-positive values', () => {
    expect(() => formatPromDuration(0)).toThrow();
    expect(() => formatPromDuration(1.5)).toThrow();
  });
});
