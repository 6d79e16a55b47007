/** One poll: slot n of the schedule, due at start + n·interval. */
export interface PollSlot {
  slot: number;
  timeMs: number;
}

export interface PollScheduleOptions {
  startMs: number;
  intervalMs: number;
  /** Number of slots; unbounded when absent. */
  slots?: number;
  /**
   * A slot that began at most this long ago is still taken (Prometheus evaluates `time=` in the past
   * just as well); older ones are skipped. Default: a tenth of the interval, at most 1 s.
   */
  lateToleranceMs?: number;
}

/**
 * Poll times on a fixed grid: slot n is due at start + n·interval, computed from n and never from the
 * previous poll's end, so polls do not drift. A poll that overruns (or a suspended process) makes the
 * next poll skip the slots already past instead of firing them back to back: bunched polls would all
 * read the same 1-minute window and duplicate data. Skipped slots are returned, to be counted as
 * missing polls. Pure: the caller passes the clock.
 */
export class PollSchedule {
  readonly startMs: number;
  readonly intervalMs: number;
  readonly slots: number;
  readonly lateToleranceMs: number;

  constructor(options: PollScheduleOptions) {
    if (!(options.intervalMs > 0)) throw new Error(`poll interval must be positive, got ${options.intervalMs} ms`);
    if (options.slots !== undefined && !(Number.isInteger(options.slots) && options.slots >= 1)) throw new Error(`slots must be a whole number ≥ 1, got ${options.slots}`);
    this.startMs = options.startMs;
    this.intervalMs = options.intervalMs;
    this.slots = options.slots ?? Infinity;
    this.lateToleranceMs = options.lateToleranceMs ?? Math.min(1000, options.intervalMs / 10);
  }

  /**
   * A schedule whose first slot is the next multiple of the interval since the epoch (":00 and :30"
   * for 30 s), so runs line up with each other and with Prometheus's own evaluation grid, and whose
   * slots fill `durationMs` (at least one).
   */
  static aligned(nowMs: number, intervalMs: number, durationMs?: number, lateToleranceMs?: number): PollSchedule {
    const startMs = Math.ceil(nowMs / intervalMs) * intervalMs;
    const slots = durationMs === undefined ? undefined : Math.max(1, Math.floor(durationMs / intervalMs));
    return new PollSchedule({ startMs, intervalMs, slots, lateToleranceMs });
  }

  timeOf(slot: number): number {
    return this.startMs + slot * this.intervalMs;
  }

  /**
   * The slot to poll next after `previous` (-1 before the first), given the time now: the first later
   * slot not more than lateToleranceMs in the past. `next` is null when the schedule is over; `skipped`
   * lists the slots passed over (within the schedule).
   */
  next(nowMs: number, previous = -1): { next: PollSlot | null; skipped: PollSlot[] } {
    let slot = previous + 1;
    const late = nowMs - this.lateToleranceMs - this.startMs;
    if (late > 0) slot = Math.max(slot, Math.ceil(late / this.intervalMs));
    const skipped: PollSlot[] = [];
    for (let s = previous + 1; s < Math.min(slot, this.slots); s++) skipped.push({ slot: s, timeMs: this.timeOf(s) });
    return { next: slot < this.slots ? { slot, timeMs: this.timeOf(slot) } : null, skipped };
  }
}
