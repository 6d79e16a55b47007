/** How often, and how soon again, a failed read of a service's replicas is retried. */
export interface SeedRetry {
  /** Reads per service in all, the first one included. */
  attempts: number;
  /** Wait after the first failure; doubled after each further one. */
  backoffMs: number;
  /** The longest wait between two reads. */
  maxBackoffMs: number;
}

export const DEFAULT_SEED_RETRY: SeedRetry = { attempts: 5, backoffMs: 1000, maxBackoffMs: 60_000 };

export function validateSeedRetry(r: SeedRetry): SeedRetry {
  if (!Number.isInteger(r.attempts) || r.attempts < 1) throw new Error(`seed retry: 'attempts' must be a whole number ≥ 1, got ${r.attempts}`);
  for (const k of ['backoffMs', 'maxBackoffMs'] as const) if (!(r[k] >= 0)) throw new Error(`seed retry: '${k}' must be ≥ 0, got ${r[k]}`);
  return r;
}

/** What one read of a service's replicas came to. */
export type SeedOutcome =
  | { kind: 'replicas'; replicas: number; attempt: number }
  /** The target does not say (e.g. shadow mode, or a service it does not know): not asked again. */
  | { kind: 'unknown'; attempt: number }
  /** The read failed; `retryAtMs` is when it may be tried again, null when that was the last attempt. */
  | { kind: 'failed'; error: Error; attempt: number; retryAtMs: number | null };

type Status = { kind: 'reading' } | { kind: 'done' } | { kind: 'waiting'; failures: number; notBeforeMs: number };

/**
 * Reads what each service's target runs, once per service, retrying a failed read (the target was
 * unreachable, a timeout) with exponential backoff up to a number of attempts. Time is an input: a read
 * is due when `due(service, nowMs)` says so, and the caller decides when to ask (the scaler asks on the
 * service's next vote).
 */
export class ReplicaSeeder {
  private readonly status = new Map<string, Status>();

  constructor(
    private readonly read: (service: string) => Promise<number | null>,
    readonly retry: SeedRetry = DEFAULT_SEED_RETRY,
  ) {
    validateSeedRetry(retry);
  }

  /** Whether a read of `service` should start now: never tried, or failed and its backoff is over. */
  due(service: string, nowMs: number): boolean {
    const s = this.status.get(service);
    return s === undefined || (s.kind === 'waiting' && nowMs >= s.notBeforeMs);
  }

  /** Reads `service`'s replicas (started at `nowMs`); never rejects: a failure is an outcome. */
  async seed(service: string, nowMs: number): Promise<SeedOutcome> {
    const before = this.status.get(service);
    const failures = before?.kind === 'waiting' ? before.failures : 0;
    const attempt = failures + 1;
    this.status.set(service, { kind: 'reading' });
    try {
      const n = await this.read(service);
      this.status.set(service, { kind: 'done' });
      return n === null ? { kind: 'unknown', attempt } : { kind: 'replicas', replicas: n, attempt };
    } catch (e) {
      if (attempt >= this.retry.attempts) {
        this.status.set(service, { kind: 'done' });
        return { kind: 'failed', error: e as Error, attempt, retryAtMs: null };
      }
      const wait = Math.min(this.retry.maxBackoffMs, this.retry.backoffMs * 2 ** failures);
      this.status.set(service, { kind: 'waiting', failures: attempt, notBeforeMs: nowMs + wait });
      return { kind: 'failed', error: e as Error, attempt, retryAtMs: nowMs + wait };
    }
  }
}
