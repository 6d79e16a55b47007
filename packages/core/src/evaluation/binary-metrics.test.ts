import { describe, expect, it } from 'vitest';
import { BinaryMetrics } from './binary-metrics.js';

/** ROC-AUC by definition: P(score of a random positive > random negative), ties count one half. */
function referenceRocAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

/** Average precision by definition over distinct scores (sklearn's average_precision_score). */
function referenceAp(scores: number[], labels: number[]): number {
  const P = labels.filter((l) => l === 1).length;
  const thresholds = [...new Set(scores)].sort((a, b) => b - a);
  let ap = 0;
  let prevRecall = 0;
  for (const t of thresholds) {
    let tp = 0;
    let fp = 0;
    scores.forEach((s, i) => {
      if (s >= t) labels[i] === 1 ? tp++ : fp++;
    });
    const recall = tp / P;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('BinaryMetrics', () => {
  it('counts the confusion matrix and derives precision, recall, F1, accuracy', () => {
    const m = new BinaryMetrics();
    const rows: [0 | 1, boolean][] = [[1, true], [1, true], [1, false], [0, true], [0, false], [0, false], [0, false]];
    for (const [l, p] of rows) m.add(l, p, p ? 1 : 0);
    const s = m.summary();
    expect(s).toMatchObject({ n: 7, positives: 3, tp: 2, fn: 1, fp: 1, tn: 3 });
    expect(s.precision).toBeCloseTo(2 / 3, 12);
    expect(s.recall).toBeCloseTo(2 / 3, 12);
    expect(s.f1).toBeCloseTo(2 / 3, 12);
    expect(s.accuracy).toBeCloseTo(5 / 7, 12);
  });

  it.each([1, 2, 3])('matches the definitions of ROC-AUC and average precision on random data (seed %i)', (seed) => {
    const r = rng(seed);
    const scores: number[] = [];
    const labels: number[] = [];
    const m = new BinaryMetrics();
    for (let i = 0; i < 400; i++) {
      const label = r() < 0.25 ? 1 : 0;
      // Scores on a 1e-3 grid, informative but noisy, with ties.
      const s = Math.round(Math.min(1, Math.max(0, 0.3 * label + 0.7 * r())) * 1000) / 1000;
      scores.push(s);
      labels.push(label);
      m.add(label as 0 | 1, s >= 0.5, s);
    }
    const sum = m.summary();
    expect(sum.rocAuc!).toBeCloseTo(referenceRocAuc(scores, labels), 9);
    expect(sum.prAuc!).toBeCloseTo(referenceAp(scores, labels), 9);
  });

  it('refuses a non-finite score instead of skewing the AUCs', () => {
    expect(() => new BinaryMetrics().add(1, true, NaN)).toThrow(/score must be a finite number, got NaN/);
  });

  it('reports undefined metrics as null rather than inventing them', () => {
    const m = new BinaryMetrics();
    m.add(0, false, 0.1);
    m.add(0, false, 0.2);
    expect(m.summary()).toMatchObject({ precision: null, recall: null, f1: null, rocAuc: null, prAuc: null, accuracy: 1 });
  });
});

describe('BinaryMetrics: precision at recall and PR curves', () => {
  const metrics = (y: number[], score: number[]) => {
    const m = new BinaryMetrics();
    y.forEach((l, i) => m.add(l as 0 | 1, score[i] >= 0.5, score[i]));
    return m;
  };
  // The trainer's precision_at_recall cases (train-metrics.test.ts): y = 1 0 1 0 ranked by 0.9 0.8 0.7 0.1,
  // cuts give (tp, fp) = (1,0) (1,1) (2,1) (2,2).
  it.each([
    { name: 'recall 1 first reached at 0.7: 2 of 3', y: [1, 0, 1, 0], score: [0.9, 0.8, 0.7, 0.1], target: 1, want: { precision: 2 / 3, recall: 1, cut: 0.7 } },
    { name: 'recall 0.5: the top row alone', y: [1, 0, 1, 0], score: [0.9, 0.8, 0.7, 0.1], target: 0.5, want: { precision: 1, recall: 0.5, cut: 0.9 } },
    { name: 'tied scores are one cut: 1 1 | 0 0', y: [1, 0, 1, 0], score: [1, 1, 0, 0], target: 0.75, want: { precision: 0.5, recall: 1, cut: 0 } },
    { name: 'no positives: none', y: [0, 0], score: [0.3, 0.2], target: 0.5, want: null },
  ])('$name', ({ y, score, target, want }) => {
    const got = metrics(y, score).precisionAtRecall(target);
    if (want === null) expect(got).toBeNull();
    else {
      expect(got!.precision).toBeCloseTo(want.precision, 12);
      expect([got!.recall, got!.cut]).toEqual([want.recall, want.cut]);
    }
  });

  it('a PR curve gives the best precision at each recall level, null where no cut reaches it', () => {
    const curve = metrics([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]).prCurve([0.25, 0.5, 0.75, 1]);
    expect(curve.map((p) => [p.recallAtLeast, p.precision, p.recall, p.cut])).toEqual([
      [0.25, 1, 0.5, 0.9],
      [0.5, 1, 0.5, 0.9],
      [0.75, 2 / 3, 1, 0.7],
      [1, 2 / 3, 1, 0.7],
    ]);
    // Precision at a level is the best at any recall reaching it: the lower cut wins here at both levels.
    const rule = metrics([1, 1, 0, 1], [1, 1, 1, 0]).prCurve([0.6, 0.7]);
    expect(rule.map((p) => [p.precision, p.recall])).toEqual([[0.75, 1], [0.75, 1]]);
    expect(new BinaryMetrics().prCurve([0.5])).toEqual([{ recallAtLeast: 0.5, precision: null, recall: null, cut: null }]);
  });
});
