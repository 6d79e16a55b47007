import { describe, expect, it } from 'vitest';
import type { LoadRunSummary } from './run-recorder.js';
import { checkThresholds } from './thresholds.js';

const summary = (o: { completed: number; transportErrors?: number; errors?: number; abandoned?: number; p95Ms?: number }): LoadRunSummary =>
  ({
    completed: o.completed,
    transportErrors: o.transportErrors ?? 0,
    errors: o.errors ?? 0,
    abandoned: o.abandoned ?? 0,
    latency: { p95Ms: o.p95Ms ?? NaN },
  }) as unknown as LoadRunSummary;

describe('checkThresholds', () => {
  it.each([
    ['all answered fast', { completed: 100, p95Ms: 10 }, true, []],
    ['1 % errors is at the default limit', { completed: 100, errors: 1, p95Ms: 10 }, true, []],
    ['2 % error responses', { completed: 100, errors: 2, p95Ms: 10 }, false, [/errors 2\.00 % > --max-error-rate 1 %/]],
    ['a dead target: every request refused', { completed: 0, transportErrors: 50, errors: 50 }, false, [/errors 100\.00 % > --max-error-rate 1 %/]],
    ['the SLO missed', { completed: 100, p95Ms: 50 }, false, [/p95 50\.00 ms > --slo 35\.68 ms/]],
    ['both', { completed: 10, transportErrors: 10, errors: 10, p95Ms: 50 }, false, [/errors 50\.00 %/, /p95 50\.00 ms/]],
    // Requests the engine aborted at Ctrl-C are the user's doing, not the target's.
    ['stopped by a signal with requests in flight', { completed: 100, errors: 30, abandoned: 30, p95Ms: 10 }, true, []],
    ['nothing ended at all', { completed: 0 }, true, []],
  ] as const)('%s', (_, s, passed, failures) => {
    const v = checkThresholds(summary(s), { maxErrorRatePct: 1, sloMs: 35.68 });
    expect(v.passed).toBe(passed);
    expect(v.failures).toHaveLength(failures.length);
    failures.forEach((f, i) => expect(v.failures[i]).toMatch(f));
  });

  it('reports the error rate over the requests that ended on their own', () => {
    expect(checkThresholds(summary({ completed: 90, transportErrors: 10, errors: 15, abandoned: 5, p95Ms: 1 }), { maxErrorRatePct: 5, sloMs: 35 })).toMatchObject({
      errorRatePct: 10,
      p95Ms: 1,
      sloMet: true,
      passed: false,
    });
  });
});
