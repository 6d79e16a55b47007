import { Labeler, type LabelDefinition, type Labelled } from '../labels/labeler.js';

/** What the poll labeler holds per row: the caller's item and whether its future had a hole. */
interface Entry<T> {
  item: T;
  sawGap: boolean;
}

/**
 * Future-only labels for a live collection, where polls can be missing. The core Labeler counts
 * polls by position; here a missing poll (or a known service absent from a poll) still takes its
 * slot, as a gap, so "the next k polls" keeps meaning the next k·interval of time. A row whose window
 * held a gap and no observed violation is left unlabelled (null): "no violation" is not known. A
 * violation seen in the rest of the window is known, so such a row is still labelled 1.
 *
 * Call `poll` once per schedule slot, including missing polls (with no rows).
 */
export class PollLabeler<T> {
  private readonly inner: Labeler<Entry<T> | null>;
  private readonly pending = new Map<string, Set<Entry<T>>>();
  /** Rows left unlabelled because their lookahead window held a gap. */
  gapUnlabelled = 0;

  constructor(readonly definition: LabelDefinition) {
    this.inner = new Labeler(definition);
  }

  /** One slot's rows (at most one per service); returns the earlier rows whose label is now known. */
  poll(rows: readonly { service: string; p95Ms: number | null; item: T }[]): Labelled<T>[] {
    const out: Labelled<T>[] = [];
    const present = new Set(rows.map((r) => r.service));
    for (const [service, entries] of this.pending) {
      if (present.has(service)) continue;
      for (const e of entries) e.sawGap = true; // mark first: rows completing at this slot saw it too
      this.drain(service, this.inner.push(service, null, null), out);
    }
    for (const r of rows) {
      const entry: Entry<T> = { item: r.item, sawGap: false };
      this.drain(r.service, this.inner.push(r.service, r.p95Ms, entry), out);
      let set = this.pending.get(r.service);
      if (!set) this.pending.set(r.service, (set = new Set()));
      set.add(entry);
    }
    return out;
  }

  /** Ends the run: every row still waiting for its future is returned unlabelled. */
  finish(): Labelled<T>[] {
    this.pending.clear();
    return this.inner.finish().flatMap((l) => (l.item ? [{ item: l.item.item, label: null }] : []));
  }

  private drain(service: string, done: Labelled<Entry<T> | null>[], out: Labelled<T>[]) {
    for (const d of done) {
      if (!d.item) continue; // a gap's own slot is not a row
      this.pending.get(service)?.delete(d.item);
      const unknown = d.label === 0 && d.item.sawGap;
      if (unknown) this.gapUnlabelled++;
      out.push({ item: d.item.item, label: unknown ? null : d.label });
    }
  }
}
