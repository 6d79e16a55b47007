import { QUERY_NAMES, RetryPolicy, type CollectQueries, type QueryName } from '@sockml/core';
import { PrometheusQueryError, type PrometheusClient } from './prometheus-client.js';

export interface PollAttemptOptions {
  client: PrometheusClient;
  queries: CollectQueries;
  /** The slot's time: every query is evaluated at it. */
  timeMs: number;
  deadlineMs: number;
  retry: RetryPolicy;
  requestTimeoutMs: number;
  signal: AbortSignal;
  now?: () => number;
}

export type PollOutcome =
  | { ok: true; responses: Record<QueryName, unknown>; attempts: number }
  | { ok: false; reason: string; attempts: number; aborted: boolean };

/**
 * Runs one poll's queries in parallel and retries the failed ones per the RetryPolicy until the
 * deadline. All or nothing: a poll is complete only when every query answered, otherwise it is a
 * missing poll (a row built from part of the queries would mix a measured rate with nulls that only
 * mean "Prometheus was busy", which the missing-series counts could not tell apart). A query that
 * Prometheus rejects (bad_data) is thrown: retrying cannot fix it.
 */
export async function pollWithRetry(o: PollAttemptOptions): Promise<PollOutcome> {
  const now = o.now ?? Date.now;
  const responses: Partial<Record<QueryName, unknown>> = {};
  let todo: QueryName[] = [...QUERY_NAMES];
  let lastError = '';
  for (let attempt = 1; ; attempt++) {
    const timeoutMs = o.retry.attemptTimeout(now(), o.deadlineMs, o.requestTimeoutMs);
    const results = await Promise.allSettled(todo.map((name) => o.client.query(o.queries[name], o.timeMs, { timeoutMs, signal: o.signal })));
    const failed: QueryName[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') responses[todo[i]] = r.value;
      else {
        if (r.reason instanceof PrometheusQueryError && !r.reason.retryable) throw r.reason;
        failed.push(todo[i]);
        lastError = r.reason instanceof Error ? r.reason.message : String(r.reason);
      }
    });
    if (o.signal.aborted) return { ok: false, reason: 'stopped', attempts: attempt, aborted: true };
    if (failed.length === 0) return { ok: true, responses: responses as Record<QueryName, unknown>, attempts: attempt };
    todo = failed;
    const at = o.retry.retryAt(attempt, now(), o.deadlineMs);
    if (at === null) return { ok: false, reason: lastError, attempts: attempt, aborted: false };
    await sleepUntil(at, o.signal, now);
    if (o.signal.aborted) return { ok: false, reason: 'stopped', attempts: attempt, aborted: true };
  }
}

/** Resolves at `timeMs` (by the given clock) or as soon as the signal aborts. */
export function sleepUntil(timeMs: number, signal?: AbortSignal, now: () => number = Date.now): Promise<void> {
  const ms = timeMs - now();
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
