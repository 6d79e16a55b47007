import { Labeler, type LabelDefinition, type Labelled } from '../labels/labeler.js';

/**
 * Future-only labels for a live collection, where polls can be missing. The core Labeler counts
 * polls by position; here a missing poll (or a known service absent from a poll) still takes its
 * slot, as a gap (`Labeler.skip`), so "the next k polls" keeps meaning the next k·interval of time. A
 * row whose window held a gap and no observed violation is left unlabelled (null): "no violation" is
 * not known. A violation seen in the rest of the window is known, so such a row is still labelled 1.
 *
 * Call `poll` once per schedule slot, including missing polls (with no rows).
 */
export class PollLabeler<T> {
  private readonly inner: Labeler<T>;

  constructor(
    readonly definition: LabelDefinition,
    /** Per-service SLOs that differ from the definition's (ms). */
    sloMsByService?: Readonly<Record<string, number>>,
  ) {
    this.inner = new Labeler(definition, { sloMsByService });
  }

  /** Rows left unlabelled because their lookahead window held a gap. */
  get gapUnlabelled(): number {
    return this.inner.gapUnlabelled;
  }

  /** One slot's rows (at most one per service); returns the earlier rows whose label is now known. */
  poll(rows: readonly { service: string; p95Ms: number | null; item: T }[]): Labelled<T>[] {
    const out: Labelled<T>[] = [];
    const present = new Set(rows.map((r) => r.service));
    for (const service of [...this.inner.services()]) if (!present.has(service)) this.inner.skip(service, out);
    for (const r of rows) this.inner.push(r.service, r.p95Ms, r.item, out);
    return out;
  }

  /** Ends the run: every row still waiting for its future is returned unlabelled. */
  finish(): Labelled<T>[] {
    return this.inner.finish();
  }
}
