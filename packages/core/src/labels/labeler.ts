import { missingPollsBetween } from '../schema.js';

/** What a label means; stamped into model cards and reports. */
export interface LabelDefinition {
  metric: 'p95_latency_ms';
  sloMs: number;
  /** k: the label looks at polls t+1..t+k of the same service. */
  lookahead: number;
}

export const describeLabel = (d: LabelDefinition) =>
  `1 if p95_latency_ms > ${d.sloMs} ms in any of the next ${d.lookahead} polls (t+1..t+${d.lookahead}) of the same service, else 0; the current poll is not looked at`;

export interface Labelled<T> {
  item: T;
  /** null: the series ended before the lookahead was complete (unlabelled, excluded from metrics). */
  label: 0 | 1 | null;
}

export interface LabelerOptions {
  /**
   * The polls' interval. With it, and a time given to every push, a poll that is missing from a series
   * (its next poll comes more than one interval later) still takes its place in the lookahead, as a gap:
   * "the next k polls" keeps meaning the next k intervals of time, and a row whose window held a gap
   * and no observed violation is unlabelled (null), since "no violation" is not known. Collect's
   * PollLabeler applies the same rule slot by slot. Without it, polls are counted by position.
   */
  pollIntervalMs?: number;
  /** Services whose SLO differs from the definition's (a config file's per-service `slo`), in ms. */
  sloMsByService?: Readonly<Record<string, number>>;
}

interface Pending<T> {
  item: T;
  positive: boolean;
  seen: number;
  sawGap: boolean;
}

/**
 * label(t) = any(p95[t+1..t+k] > SLO), future only, per service. Streaming: each service keeps at most
 * k items waiting for their future, so memory is O(services × k). A poll with no latency data (no
 * requests) is not a violation. `finish` ends the run: the last k polls of each series stay unlabelled.
 */
export class Labeler<T> {
  private readonly pending = new Map<string, Pending<T>[]>();
  private readonly lastTimeMs = new Map<string, number>();
  /** Rows left unlabelled because their lookahead window held a missing poll (with pollIntervalMs). */
  gapUnlabelled = 0;

  constructor(
    readonly definition: LabelDefinition,
    readonly options: LabelerOptions = {},
  ) {
    if (!(definition.sloMs > 0)) throw new Error(`SLO must be a positive number of ms, got ${definition.sloMs}`);
    if (!Number.isInteger(definition.lookahead) || definition.lookahead < 1) {
      throw new Error(`lookahead must be a whole number of polls ≥ 1, got ${definition.lookahead}`);
    }
    if (options.pollIntervalMs !== undefined && !(options.pollIntervalMs > 0)) throw new Error(`poll interval must be > 0 ms, got ${options.pollIntervalMs}`);
    for (const [service, slo] of Object.entries(options.sloMsByService ?? {})) if (!(slo > 0)) throw new Error(`SLO of ${service} must be a positive number of ms, got ${slo}`);
  }

  /**
   * Adds service's next poll (at `timeMs`, needed with pollIntervalMs); returns the earlier items of that
   * service whose label is now known.
   */
  push(service: string, p95Ms: number | null, item: T, out: Labelled<T>[] = [], timeMs?: number): Labelled<T>[] {
    let queue = this.pending.get(service);
    if (!queue) {
      queue = [];
      this.pending.set(service, queue);
    }
    const interval = this.options.pollIntervalMs;
    if (interval !== undefined && timeMs !== undefined) {
      const previous = this.lastTimeMs.get(service);
      this.lastTimeMs.set(service, timeMs);
      if (previous !== undefined) {
        // Polls sit on a grid of the interval: the slots between the two polls are missing ones.
        const missing = Math.min(this.definition.lookahead, missingPollsBetween(timeMs - previous, interval));
        for (let g = 0; g < missing && queue.length > 0; g++) this.advance(queue, false, true, out);
      }
    }
    this.advance(queue, p95Ms !== null && p95Ms > this.sloMs(service), false, out);
    queue.push({ item, positive: false, seen: 0, sawGap: false });
    return out;
  }

  /**
   * A slot of `service` passes without a poll (a missing poll, when the caller counts slots itself, as
   * collect does): it counts in the waiting items' lookahead as a gap. Returns the items now labelled.
   */
  skip(service: string, out: Labelled<T>[] = []): Labelled<T>[] {
    const queue = this.pending.get(service);
    if (queue && queue.length > 0) this.advance(queue, false, true, out);
    return out;
  }

  /** The SLO a service's label is taken against. */
  sloMs(service: string): number {
    return this.options.sloMsByService?.[service] ?? this.definition.sloMs;
  }

  /** The services seen so far in this run. */
  services(): IterableIterator<string> {
    return this.pending.keys();
  }

  /** One slot of the series passes for every waiting item: an observed poll, or a gap. */
  private advance(queue: Pending<T>[], violating: boolean, gap: boolean, out: Labelled<T>[]) {
    const k = this.definition.lookahead;
    let done = 0;
    for (const p of queue) {
      if (violating) p.positive = true;
      if (gap) p.sawGap = true;
      if (++p.seen === k) done++;
    }
    // Items complete in arrival order, so the finished ones are a prefix of the queue.
    for (let i = 0; i < done; i++) {
      const p = queue.shift()!;
      const label = p.positive ? 1 : p.sawGap ? null : 0;
      if (label === null) this.gapUnlabelled++;
      out.push({ item: p.item, label });
    }
  }

  /** Ends the run: every item still waiting is returned unlabelled. */
  finish(out: Labelled<T>[] = []): Labelled<T>[] {
    for (const queue of this.pending.values()) for (const p of queue) out.push({ item: p.item, label: null });
    this.pending.clear();
    this.lastTimeMs.clear();
    return out;
  }
}
