/**
 * Streaming binary-classification metrics in constant memory. Scores are counted into fixed bins
 * (1e5 over [0, 1]) instead of being stored, so ROC-AUC and PR-AUC are computed from the bin counts;
 * with scores that differ only below 1e-5 treated as ties, the AUCs match exact computation closely
 * (the tests compare against a sort-based reference) and memory stays flat for any input size.
 */
export const SCORE_BINS = 100_000;

/** The recall levels of a PR curve: 0.05, 0.10, …, 1.00 (as the trainer's PR_CURVE_RECALLS). */
export const PR_CURVE_RECALLS: readonly number[] = Array.from({ length: 20 }, (_, i) => Math.round((i + 1) * 5) / 100);

/** One operating point: predict 1 when score ≥ cut. */
export interface OperatingPoint {
  precision: number;
  recall: number;
  cut: number;
}

/** A PR curve point: the best precision among the cuts whose recall reaches `recallAtLeast` (null where none does). */
export interface PrCurvePoint {
  recallAtLeast: number;
  precision: number | null;
  recall: number | null;
  cut: number | null;
}

export interface BinaryMetricsSummary {
  n: number;
  positives: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** null when only one class is present (undefined AUC). */
  rocAuc: number | null;
  prAuc: number | null;
}

export class BinaryMetrics {
  tp = 0;
  fp = 0;
  tn = 0;
  fn = 0;
  private readonly pos = new Float64Array(SCORE_BINS + 1);
  private readonly neg = new Float64Array(SCORE_BINS + 1);

  /** `predicted` is the hard decision; `score` in [0, 1] ranks for the AUCs. */
  add(label: 0 | 1, predicted: boolean, score: number): void {
    // A NaN would land in no bin yet count in P or N, silently lowering both AUCs.
    if (!Number.isFinite(score)) throw new Error(`BinaryMetrics: score must be a finite number, got ${score}`);
    if (label === 1) {
      if (predicted) this.tp++;
      else this.fn++;
    } else if (predicted) this.fp++;
    else this.tn++;
    const s = score <= 0 ? 0 : score >= 1 ? 1 : score;
    const bin = Math.round(s * SCORE_BINS);
    if (label === 1) this.pos[bin]++;
    else this.neg[bin]++;
  }

  summary(): BinaryMetricsSummary {
    const { tp, fp, tn, fn } = this;
    const n = tp + fp + tn + fn;
    const P = tp + fn;
    const N = fp + tn;
    const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
    const precision = ratio(tp, tp + fp);
    const recall = ratio(tp, P);
    const f1 = precision === null || recall === null ? null : precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    let rocAuc: number | null = null;
    let prAuc: number | null = null;
    if (P > 0 && N > 0) {
      // Walk thresholds from the highest score down; each bin is one threshold (ties share it).
      let cumPos = 0;
      let cumNeg = 0;
      let auc = 0;
      let ap = 0;
      for (let b = SCORE_BINS; b >= 0; b--) {
        const p = this.pos[b];
        const q = this.neg[b];
        if (p === 0 && q === 0) continue;
        auc += q * (cumPos + p / 2); // negatives in this bin rank below earlier positives, tie with these
        cumPos += p;
        cumNeg += q;
        if (p > 0) ap += (p / P) * (cumPos / (cumPos + cumNeg)); // average precision (step-wise PR area)
      }
      rocAuc = auc / (P * N);
      prAuc = ap;
    }
    return { n, positives: P, tp, fp, tn, fn, accuracy: ratio(tp + tn, n), precision, recall, f1, rocAuc, prAuc };
  }

  /** Every cut (a bin holding rows, from the highest score down) with its precision and recall; empty without positives. */
  operatingPoints(): OperatingPoint[] {
    const P = this.tp + this.fn;
    if (P === 0) return [];
    const points: OperatingPoint[] = [];
    let cumPos = 0;
    let cumNeg = 0;
    for (let b = SCORE_BINS; b >= 0; b--) {
      if (this.pos[b] === 0 && this.neg[b] === 0) continue;
      cumPos += this.pos[b];
      cumNeg += this.neg[b];
      points.push({ precision: cumPos / (cumPos + cumNeg), recall: cumPos / P, cut: b / SCORE_BINS });
    }
    return points;
  }

  /**
   * The best precision among the cuts whose recall reaches `target`, with that cut and its recall (null
   * when none does or there are no positives). Comparing a ranking with a 0/1 rule at the rule's own
   * recall is fair where PR-AUC is not: a 0/1 score has a single operating point.
   */
  precisionAtRecall(target: number, points = this.operatingPoints()): OperatingPoint | null {
    let best: OperatingPoint | null = null;
    for (const p of points) if (p.recall >= target - 1e-12 && (best === null || p.precision > best.precision)) best = p;
    return best;
  }

  /** The PR curve at PR_CURVE_RECALLS. */
  prCurve(levels: readonly number[] = PR_CURVE_RECALLS): PrCurvePoint[] {
    const points = this.operatingPoints();
    return levels.map((r) => {
      const at = this.precisionAtRecall(r, points);
      return { recallAtLeast: r, precision: at?.precision ?? null, recall: at?.recall ?? null, cut: at?.cut ?? null };
    });
  }
}
