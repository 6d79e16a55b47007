import { BinaryMetrics, type BinaryMetricsSummary, type OperatingPoint, type PrCurvePoint } from './binary-metrics.js';
import { EpisodeTracker, type EpisodeSummary } from './episode-tracker.js';

export interface EvaluationSummary {
  predictors: Record<string, BinaryMetricsSummary>;
  episodes: EpisodeSummary;
}

/** Every other predictor's precision at the reference predictor's recall (see BinaryMetrics.precisionAtRecall). */
export interface MatchedRecall {
  reference: string;
  /** The reference's own precision and recall (null without positives or positive predictions). */
  precision: number | null;
  recall: number | null;
  predictors: Record<string, OperatingPoint | null>;
}

/**
 * Scores several predictors on the same rows: per predictor a streaming confusion matrix, accuracy,
 * precision, recall, F1, ROC-AUC and PR-AUC (BinaryMetrics), and for all of them together the violation
 * episodes and the onsets each flagged early (EpisodeTracker). Replay uses it for the models, the
 * ensemble and the persistence baseline; anything that judges decisions later (shadow-mode scaling,
 * experiments) can use the same object.
 */
export class Evaluator {
  private readonly metrics: BinaryMetrics[];
  private readonly episodes: EpisodeTracker;

  constructor(
    readonly predictors: readonly string[],
    lookahead: number,
  ) {
    this.metrics = predictors.map(() => new BinaryMetrics());
    this.episodes = new EpisodeTracker(predictors, lookahead);
  }

  /** One poll of a series, in time order: is it violating now, and which predictors flagged it (bit i). */
  observe(seriesKey: string, timeMs: number, violatingNow: boolean, flags: number): void {
    this.episodes.add(seriesKey, timeMs, violatingNow, flags);
  }

  /** Predictor `index`'s hard decision and score on a row whose label is now known. */
  score(index: number, label: 0 | 1, predicted: boolean, score: number): void {
    this.metrics[index].add(label, predicted, score);
  }

  /** Series of different runs never join into one episode. */
  endRun(): void {
    this.episodes.endRun();
  }

  /**
   * Precision at `reference`'s recall for every predictor in `names` (the fair comparison of a ranking with
   * a 0/1 rule such as persistence), and `reference`'s own operating point.
   */
  matchedRecall(reference: string, names: readonly string[]): MatchedRecall {
    const ref = this.metrics[this.indexOf(reference)].summary();
    const predictors: Record<string, OperatingPoint | null> = {};
    for (const n of names) predictors[n] = ref.recall === null ? null : this.metrics[this.indexOf(n)].precisionAtRecall(ref.recall);
    return { reference, precision: ref.precision, recall: ref.recall, predictors };
  }

  /** The PR curves of the predictors in `names`. */
  prCurves(names: readonly string[]): Record<string, PrCurvePoint[]> {
    return Object.fromEntries(names.map((n) => [n, this.metrics[this.indexOf(n)].prCurve()]));
  }

  private indexOf(name: string): number {
    const i = this.predictors.indexOf(name);
    if (i < 0) throw new Error(`Evaluator: no predictor '${name}' (known: ${this.predictors.join(', ')})`);
    return i;
  }

  summary(): EvaluationSummary {
    const predictors: Record<string, BinaryMetricsSummary> = {};
    this.predictors.forEach((p, i) => (predictors[p] = this.metrics[i].summary()));
    return { predictors, episodes: this.episodes.summary() };
  }
}
