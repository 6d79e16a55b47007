export interface RetryPolicyOptions {
  /** Wait before the first retry. */
  initialDelayMs: number;
  multiplier: number;
  /** Cap on any single wait. */
  maxDelayMs: number;
  /** A retry is only started if at least this long remains before the deadline. */
  minAttemptMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicyOptions = { initialDelayMs: 250, multiplier: 2, maxDelayMs: 5000, minAttemptMs: 200 };

/**
 * Exponential backoff bounded by a deadline inside the poll's slot. The deadline matters more than the
 * attempt count: a poll's answer is only worth having before the next slot is due (its 1-minute window
 * would overlap the next poll's), so retrying stops when the next attempt could not finish in time,
 * and the poll is recorded as missing. No jitter: a single collector does not stampede.
 * Pure: the caller passes the clock.
 */
export class RetryPolicy {
  readonly options: RetryPolicyOptions;

  constructor(options: Partial<RetryPolicyOptions> = {}) {
    this.options = { ...DEFAULT_RETRY_POLICY, ...options };
    const o = this.options;
    if (!(o.initialDelayMs >= 0 && o.multiplier >= 1 && o.maxDelayMs >= o.initialDelayMs && o.minAttemptMs > 0)) {
      throw new Error(`invalid retry policy ${JSON.stringify(o)}`);
    }
  }

  /** The deadline of a poll due at slotTimeMs: a fraction of the interval, leaving time to write. */
  static deadline(slotTimeMs: number, intervalMs: number, fraction = 0.8): number {
    return slotTimeMs + intervalMs * fraction;
  }

  /** Wait before retry number `retry` (1 = the first retry). */
  delay(retry: number): number {
    const o = this.options;
    return Math.min(o.maxDelayMs, o.initialDelayMs * o.multiplier ** (retry - 1));
  }

  /** When to start retry `retry` after a failure at nowMs; null when it could not finish by the deadline. */
  retryAt(retry: number, nowMs: number, deadlineMs: number): number | null {
    const at = nowMs + this.delay(retry);
    return at + this.options.minAttemptMs <= deadlineMs ? at : null;
  }

  /** How long an attempt started at nowMs may take: the request timeout, cut at the deadline. */
  attemptTimeout(nowMs: number, deadlineMs: number, requestTimeoutMs: number): number {
    return Math.max(0, Math.min(requestTimeoutMs, deadlineMs - nowMs));
  }
}
