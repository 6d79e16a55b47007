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

/**
 * label(t) = any(p95[t+1..t+k] > SLO), future only, per service. Streaming: each service keeps at most
 * k items waiting for their future, so memory is O(services × k). A poll with no latency data (no
 * requests) is not a violation. `finish` ends the run: the last k polls of each series stay unlabelled.
 */
export class Labeler<T> {
  private readonly pending = new Map<string, { item: T; positive: boolean; seen: number }[]>();

  constructor(readonly definition: LabelDefinition) {
    if (!(definition.sloMs > 0)) throw new Error(`SLO must be a positive number of ms, got ${definition.sloMs}`);
    if (!Number.isInteger(definition.lookahead) || definition.lookahead < 1) {
      throw new Error(`lookahead must be a whole number of polls ≥ 1, got ${definition.lookahead}`);
    }
  }

  /** Adds service's next poll; returns the earlier items of that service whose label is now known. */
  push(service: string, p95Ms: number | null, item: T, out: Labelled<T>[] = []): Labelled<T>[] {
    let queue = this.pending.get(service);
    if (!queue) {
      queue = [];
      this.pending.set(service, queue);
    }
    const violating = p95Ms !== null && p95Ms > this.definition.sloMs;
    const k = this.definition.lookahead;
    let done = 0;
    for (const p of queue) {
      if (violating) p.positive = true;
      if (++p.seen === k) done++;
    }
    // Items complete in arrival order, so the finished ones are a prefix of the queue.
    for (let i = 0; i < done; i++) {
      const p = queue.shift()!;
      out.push({ item: p.item, label: p.positive ? 1 : 0 });
    }
    queue.push({ item, positive: false, seen: 0 });
    return out;
  }

  /** Ends the run: every item still waiting is returned unlabelled. */
  finish(out: Labelled<T>[] = []): Labelled<T>[] {
    for (const queue of this.pending.values()) for (const p of queue) out.push({ item: p.item, label: null });
    this.pending.clear();
    return out;
  }
}
