import { describe, expect, it } from 'vitest';
import { RetryPolicy } from './retry-policy.js';

describe('RetryPolicy', () => {
  const p = new RetryPolicy({ initialDelayMs: 100, multiplier: 2, maxDelayMs: 500, minAttemptMs: 50 });

  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 500],
    [10, 500],
  ])('retry %i waits %i ms (exponential, capped)', (retry, ms) => expect(p.delay(retry)).toBe(ms));

  it.each([
    { name: 'plenty of time', retry: 1, now: 0, deadline: 10_000, at: 100 },
    { name: 'exactly enough for a minimal attempt', retry: 2, now: 1000, deadline: 1250, at: 1200 },
    { name: 'too late: the poll is missing', retry: 2, now: 1000, deadline: 1249, at: null },
    { name: 'capped delay near the deadline', retry: 6, now: 0, deadline: 549, at: null },
  ])('$name', ({ retry, now, deadline, at }) => expect(p.retryAt(retry, now, deadline)).toBe(at));

  it('a whole failing poll: retries until the deadline, then stops', () => {
    const deadline = RetryPolicy.deadline(0, 2000); // 1600
    const starts = [0];
    let now = 0;
    for (let retry = 1; ; retry++) {
      now += 30; // each failed attempt takes 30 ms (connection refused)
      const at = p.retryAt(retry, now, deadline);
      if (at === null) break;
      starts.push((now = at));
    }
    expect(starts).toEqual([0, 130, 360, 790, 1320]);
    expect(starts.at(-1)! + 50).toBeLessThanOrEqual(deadline);
  });

  it.each([
    { now: 0, deadline: 1600, timeout: 10_000, expected: 1600 },
    { now: 0, deadline: 1600, timeout: 500, expected: 500 },
    { now: 1700, deadline: 1600, timeout: 500, expected: 0 },
  ])('attempt timeout at $now with deadline $deadline', ({ now, deadline, timeout, expected }) => {
    expect(p.attemptTimeout(now, deadline, timeout)).toBe(expected);
  });

  it('rejects nonsense', () => {
    expect(() => new RetryPolicy({ multiplier: 0.5 })).toThrow(/invalid retry policy/);
    expect(() => new RetryPolicy({ initialDelayMs: 1000, maxDelayMs: 10 })).toThrow(/invalid retry policy/);
  });
});
