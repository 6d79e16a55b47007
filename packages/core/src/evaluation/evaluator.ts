import { BinaryMetrics, type BinaryMetricsSummary } from './binary-metrics.js';
import { EpisodeTracker, type EpisodeSummary } from './episode-tracker.js';

export interface EvaluationSummary {
  predictors: Record<string, BinaryMetricsSummary>;
  episodes: EpisodeSummary;
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

  summary(): EvaluationSummary {
    const predictors: Record<string, BinaryMetricsSummary> = {};
    this.predictors.forEach((p, i) => (predictors[p] = this.metrics[i].summary()));
    return { predictors, episodes: this.episodes.summary() };
  }
}
