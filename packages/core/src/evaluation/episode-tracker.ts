/**
 * Violation episodes: maximal stretches of polls with p95 > SLO in one service's series. For each
 * predictor it counts the episodes it flagged early — a positive prediction on one of the `lookahead`
 * polls just before the onset (the polls whose future-only label the episode makes positive), after
 * any earlier episode ended — and the lead time from the earliest such flag to the onset.
 * The persistence rule can never catch an onset early: the poll before an onset is not violating.
 */
export interface EpisodeSummary {
  count: number;
  caughtEarly: Record<string, number>;
  /** Mean seconds from the earliest early flag to the onset, over the episodes caught; null if none. */
  meanLeadSeconds: Record<string, number | null>;
}

interface SeriesState {
  violating: boolean;
  /** Recent non-violating polls since the last episode: time and predictor flags (bit i = predictor i). */
  recent: { timeMs: number; flags: number }[];
}

export class EpisodeTracker {
  count = 0;
  private readonly caught: number[];
  private readonly leadMsSum: number[];
  private readonly series = new Map<string, SeriesState>();

  constructor(
    readonly predictors: readonly string[],
    readonly lookahead: number,
  ) {
    if (predictors.length > 30) throw new Error('EpisodeTracker: at most 30 predictors (flags are a bit mask)');
    this.caught = predictors.map(() => 0);
    this.leadMsSum = predictors.map(() => 0);
  }

  /**
   * Feeds one poll of `seriesKey` in time order; bit i of `flags` is set when predictor i predicted a
   * violation on this poll (a bit mask, as this runs once per replayed row).
   */
  add(seriesKey: string, timeMs: number, violatingNow: boolean, flags: number): void {
    let s = this.series.get(seriesKey);
    if (!s) {
      s = { violating: false, recent: [] };
      this.series.set(seriesKey, s);
    }
    if (violatingNow) {
      if (!s.violating) {
        this.count++;
        for (let i = 0; i < this.predictors.length; i++) {
          const first = s.recent.find((r) => (r.flags & (1 << i)) !== 0);
          if (first) {
            this.caught[i]++;
            this.leadMsSum[i] += timeMs - first.timeMs;
          }
        }
      }
      s.violating = true;
      s.recent = [];
      return;
    }
    s.violating = false;
    s.recent.push({ timeMs, flags });
    if (s.recent.length > this.lookahead) s.recent.shift();
  }

  /** Ends a run: series of different runs never join into one episode. */
  endRun(): void {
    this.series.clear();
  }

  summary(): EpisodeSummary {
    const caughtEarly: Record<string, number> = {};
    const meanLeadSeconds: Record<string, number | null> = {};
    this.predictors.forEach((p, i) => {
      caughtEarly[p] = this.caught[i];
      meanLeadSeconds[p] = this.caught[i] === 0 ? null : this.leadMsSum[i] / this.caught[i] / 1000;
    });
    return { count: this.count, caughtEarly, meanLeadSeconds };
  }
}
