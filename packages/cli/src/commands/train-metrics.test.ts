/**
 * models/train.py's pure pieces on cases worked out by hand: precision-at-recall (the number
 * models/README compares the models and persistence by), the threshold rules of --threshold-rule, and
 * the voting strategies the CV reports score. Runs the project's Python (.venv, scripts/setup-python.sh).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../test-support.js';

const PYTHON = join(REPO, '.venv/bin/python');

/** Runs `expression` (Python, with numpy as np and models/train.py as train) and returns its JSON. */
const execFileAsync = promisify(execFile);

/**
 * Runs Python asynchronously: each call takes seconds (importing scikit-learn and XGBoost), and a test file
 * of synchronous calls blocks its vitest worker long enough for the worker's RPC to time out.
 */
async function runPython(code: string): Promise<string> {
  const { stdout } = await execFileAsync(PYTHON, ['-c', code], { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 24 });
  return stdout;
}

async function python(expression: string): Promise<unknown> {
  const code = `import sys, json; sys.path.insert(0, 'models'); import numpy as np, train
print(json.dumps(${expression}))`;
  return JSON.parse(await runPython(code));
}

function precisionAtRecall(y: number[], score: number[], target: number): Promise<unknown> {
  return python(`train.precision_at_recall(np.array(${JSON.stringify(y)}), np.array(${JSON.stringify(score)}, dtype=float), ${target})`);
}

describe.skipIf(!existsSync(PYTHON) && !process.env.CI)('train.py precision_at_recall', () => {
  // y = 1 0 1 0 ranked by score 0.9 0.8 0.7 0.1: cuts give (tp, fp) = (1,0) (1,1) (2,1) (2,2).
  it.each([
    { name: 'recall 1 first reached at 0.7: 2 of 3', y: [1, 0, 1, 0], score: [0.9, 0.8, 0.7, 0.1], target: 1, want: { precision: 2 / 3, recall: 1, cut: 0.7 } },
    { name: 'recall 0.5: the top row alone', y: [1, 0, 1, 0], score: [0.9, 0.8, 0.7, 0.1], target: 0.5, want: { precision: 1, recall: 0.5, cut: 0.9 } },
    { name: 'tied scores are one cut: 1 1 | 0 0', y: [1, 0, 1, 0], score: [1, 1, 0, 0], target: 0.75, want: { precision: 0.5, recall: 1, cut: 0 } },
    { name: 'no positives: none', y: [0, 0], score: [0.3, 0.2], target: 0.5, want: null },
  ])('$name', async ({ y, score, target, want }) => {
    const got = (await precisionAtRecall(y, score, target)) as { precision: number; recall: number; cut: number } | null;
    if (want === null) expect(got).toBeNull();
    else {
      expect(got!.precision).toBeCloseTo(want.precision, 12);
      expect([got!.recall, got!.cut]).toEqual([want.recall, want.cut]);
    }
  });
});

describe.skipIf(!existsSync(PYTHON) && !process.env.CI)('train.py threshold rules (--threshold-rule)', () => {
  // y 1 0 1 0 1 0 ranked by p 0.9 0.8 0.7 0.6 0.3 0.2; the cut-offs give (precision, recall, F1):
  // 0.9 (1, 1/3, 0.5)  0.8 (1/2, 1/3, 0.4)  0.7 (2/3, 2/3, 0.667)  0.6 (1/2, 2/3, 0.571)  0.3 (3/5, 1, 0.75)  0.2 (1/2, 1, 0.667).
  // The threshold sits midway between the chosen cut-off and the next lower probability.
  const y = [1, 0, 1, 0, 1, 0];
  const p = [0.9, 0.8, 0.7, 0.6, 0.3, 0.2];
  it.each([
    { rule: 'f1', y, p, want: 0.25, why: 'best F1 0.75 at 0.3' },
    { rule: 'precision:0.65', y, p, want: 0.65, why: 'precision >= 0.65 at 0.9 and 0.7; 0.7 has the higher recall' },
    { rule: 'precision:0.99', y, p, want: 0.85, why: 'only 0.9 reaches precision 0.99' },
    { rule: 'precision:0.5', y, p, want: 0.25, why: 'all reach it; recall 1 at 0.3 and 0.2 ties, 0.3 has the higher precision' },
    { rule: 'recall:0.5', y, p, want: 0.65, why: 'recall >= 0.5 from 0.7 down; 0.7 has the best precision' },
    { rule: 'recall:0.9', y, p, want: 0.25, why: 'recall 1 at 0.3 and 0.2; 0.3 has the better precision' },
    // y 0 1 1 0 by p 0.9 0.8 0.7 0.1: precision 0, 1/2, 2/3, 1/2; nothing reaches 0.9, so the best F1 (0.8 at 0.7).
    { rule: 'precision:0.9', y: [0, 1, 1, 0], p: [0.9, 0.8, 0.7, 0.1], want: 0.4, why: 'unreachable: falls back to best F1' },
  ])('$rule: $why', async ({ rule, y, p, want }) => {
    const got = await python(`train.choose_threshold(np.array(${JSON.stringify(y)}), np.array(${JSON.stringify(p)}, dtype=float), train.parse_threshold_rule('${rule}'))`);
    expect(got as number).toBeCloseTo(want, 12);
  });

  it.each(['precision:0', 'recall:1', 'recall', 'precision:x', 'f2'])('refuses %s', async (rule) => {
    await expect(python(`train.parse_threshold_rule('${rule}')`)).rejects.toThrow(/expected f1, precision:P or recall:R/);
  });

  it('recall:R ties in precision go to the higher recall', async () => {
    // y 1 1 0 0 by p 0.9 0.8 0.7 0.6: precision 1 at 0.9 (recall 0.5) and at 0.8 (recall 1); 0.8 wins, midway to 0.7.
    expect(await python(`train.choose_threshold(np.array([1, 1, 0, 0]), np.array([0.9, 0.8, 0.7, 0.6]), train.parse_threshold_rule('recall:0.5'))`) as number).toBeCloseTo(0.75, 12);
  });

  it.each([
    ['precision:.70', 'precision:0.7'],
    ['recall: 0.8', 'recall:0.8'],
    ['f1', 'f1'],
  ])('%s is the rule %s (one column in the nested report)', async (text, want) => {
    expect(await python(`train.rule_name('${text}')`)).toBe(want);
  });
});

describe.skipIf(!existsSync(PYTHON) && !process.env.CI)('train.py voting strategies as the CV reports score them', () => {
  // Two rows; probabilities of models a, b, c: row 0 (0.9, 0.4, 0.6), row 1 (0.2, 0.1, 0.7).
  const probs = `{'a': np.array([0.9, 0.2]), 'b': np.array([0.4, 0.1]), 'c': np.array([0.6, 0.7])}`;
  const run = async (thresholds: string, weights: string) =>
    (await python(`{k: [d.tolist(), [round(x, 12) for x in s.tolist()]] for k, (d, s) in train.ensemble_predictors(${probs}, ${thresholds}, ${weights}).items()}`)) as Record<string, [boolean[], number[]]>;

  it('majority and unanimous count votes at each threshold; weighted means the probabilities against 0.5', async () => {
    const got = await run(`{'a': 0.5, 'b': 0.5, 'c': 0.5}`, `{'a': 2.0, 'b': 1.0, 'c': 0.0}`);
    // votes: row 0 a, c; row 1 c.
    expect(got['ensemble:majority']).toEqual([[true, false], [2 / 3, 1 / 3].map((x) => Math.round(x * 1e12) / 1e12)]);
    expect(got['ensemble:unanimous'][0]).toEqual([false, false]);
    // equal weights: (0.9 + 0.4 + 0.6) / 3 = 0.6333, (0.2 + 0.1 + 0.7) / 3 = 0.3333.
    expect(got['ensemble:weighted']).toEqual([[true, false], [0.633333333333, 0.333333333333]]);
    // weights 2, 1, 0: (1.8 + 0.4) / 3 = 0.7333, (0.4 + 0.1) / 3 = 0.1667.
    expect(got['ensemble:weighted-f1']).toEqual([[true, false], [0.733333333333, 0.166666666667]]);
  });

  it('every weight 0 counts the models alike, as the runtime does', async () => {
    const got = await run(`{'a': 0.5, 'b': 0.5, 'c': 0.5}`, `{'a': 0.0, 'b': 0.0, 'c': 0.0}`);
    expect(got['ensemble:weighted-f1']).toEqual(got['ensemble:weighted']);
  });

  it('thresholds per row (the nested report: each outer fold has its own)', async () => {
    // a's threshold is 0.95 on row 0 and 0.1 on row 1: votes row 0 c only, row 1 a and c.
    const got = await run(`{'a': np.array([0.95, 0.1]), 'b': 0.5, 'c': 0.5}`, `{'a': 1.0, 'b': 1.0, 'c': 1.0}`);
    expect(got['ensemble:majority'][0]).toEqual([false, true]);
  });

  it('regime: hot polls are alarms (score 1), calm polls with latency data the model against the calm cut, polls without data never', async () => {
    // Rows: hot with a low p; calm at the cut; calm under it; no latency data with a high p; calm with a per-row NaN cut (no cut chosen).
    const got = (await python(
      `(lambda d, s: [d.tolist(), s.tolist()])(*train.regime_predictor(np.array([0.1, 0.3, 0.29, 0.99, 0.9]), np.array([True, False, False, False, False]), np.array([True, True, True, False, True]), np.array([0.3, 0.3, 0.3, 0.3, np.nan])))`,
    )) as [boolean[], number[]];
    expect(got[0]).toEqual([true, true, false, false, false]);
    expect(got[1]).toEqual([1, 0.3, 0.29, 0, 0.9]);
  });
});

describe.skipIf(!existsSync(PYTHON) && !process.env.CI)('train.py Platt calibration (--calibrate)', () => {
  it('stops where the log-loss gradient vanishes, keeps the ranking (a > 0), and calibrates', async () => {
    // 200 rows whose true probability of a positive is p**2, scored by p: a score that needs calibrating.
    const got = (await python(`(lambda rng: (lambda p, y: (lambda c: {
      'a': c['a'], 'b': c['b'],
      'grad': (lambda q, t, z: [float(np.sum((q - t) * z)), float(np.sum(q - t))])(
        train.sigmoid(c['a'] * train.logit(p) + c['b']),
        np.where(y == 1, (y.sum() + 1) / (y.sum() + 2), 1 / ((1 - y).sum() + 2)),
        train.logit(p)),
      'meanCalibrated': float(train.calibrate(c, p).mean()), 'positiveShare': float(y.mean())})(train.fit_platt(y, p)))(
        *(lambda p: (p, (rng.random(200) < p ** 2).astype(int)))(rng.random(200))))(np.random.default_rng(7))`)) as {
      a: number;
      b: number;
      grad: number[];
      meanCalibrated: number;
      positiveShare: number;
    };
    expect(got.a).toBeGreaterThan(0);
    for (const g of got.grad) expect(Math.abs(g)).toBeLessThan(1e-6);
    // At the optimum the calibrated mean equals the smoothed targets' mean, within Platt's smoothing.
    expect(Math.abs(got.meanCalibrated - got.positiveShare)).toBeLessThan(0.01);
  });
});

describe.skipIf(!existsSync(PYTHON) && !process.env.CI)('train.py nested CV: nothing of a held-out run reaches its fold', () => {
  it("flipping every label of one run changes no choice of that run's outer fold, and changes the others'", async () => {
    // Four synthetic runs of 50 rows (two patterns); a label that a feature predicts. Run r0's labels are then
    // flipped: the fold that holds r0 out must choose exactly as before (hyperparameters, thresholds, weights,
    // calibration, stacking), while the folds that train on r0 must notice (where flipped labels make a model rank
    // backwards out of fold, it is left uncalibrated instead of failing).
    const code = `import sys, json; sys.path.insert(0, 'models'); import numpy as np, train
def data(flip):
    rng = np.random.default_rng(3)
    runs = np.repeat(['r0', 'r1', 'r2', 'r3'], 50)
    X = rng.normal(size=(200, 10)).astype(np.float32)
    y = ((X[:, 0] + 0.7 * rng.normal(size=200)) > 0.8).astype(int)
    if flip: y = np.where(runs == 'r0', 1 - y, y)
    t = np.tile(np.arange(50), 4) * 30_000_000
    return train.Data(X=X, y=y, labelled=np.ones(200, dtype=bool), run=runs, pattern=np.where(np.isin(runs, ['r0', 'r1']), 'ramp', 'step'), service=np.full(200, 'front-end'),
        timestamp=t.astype(str), time_us=t, violating=X[:, 0] > 1.0, latency=np.ones(200, dtype=bool), low_traffic=np.zeros(200, dtype=bool), train=np.ones(200, dtype=bool))
specs = train.model_specs(42)
out = {}
for flip in (False, True):
    d = data(flip)
    r = train.nested_cv(specs, d, 'loro', d.run, True, ['f1', 'precision:0.7'], 2, True, 42, train.FitCache(d))
    out[str(flip)] = {f['heldOut']: json.dumps({'models': f['models'], 'ensembles': f['ensembles']}, sort_keys=True) for f in r['folds']}
print(json.dumps({run: out['False'][run] == out['True'][run] for run in out['False']}))`;
    const stdout = await runPython(code);
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ r0: true, r1: false, r2: false, r3: false });
  }, 300_000);
});

describe.skipIf(!existsSync(PYTHON) && !process.env.CI)('train.py evaluate: unlabelled rows', () => {
  // One series, lookahead 2, polls p95 10 10 10 50 (violating at the last), the last two unlabelled (the matrix's
  // tail). The predictor flags poll 2 (labelled, label 1: poll 4 violates) and poll 3 (unlabelled).
  it('are counted in episodes (an onset at the last poll, caught early) but never scored', async () => {
    const got = (await python(`(lambda d: train.evaluate(d, {'p': (np.array([False, True, True, False]), np.array([0.1, 0.9, 0.9, 0.2]))}, np.ones(4, dtype=bool), 2)['p'])(
      train.Data(X=np.zeros((4, 1), dtype=np.float32), y=np.array([0, 1, 0, 0]), labelled=np.array([True, True, False, False]), run=np.full(4, 'r'),
        pattern=np.full(4, 'step'), service=np.full(4, 'front-end'), timestamp=np.arange(4).astype(str), time_us=np.arange(4) * 30_000_000,
        violating=np.array([False, False, False, True]), latency=np.ones(4, dtype=bool), low_traffic=np.zeros(4, dtype=bool), train=np.array([True, True, False, False])))`)) as {
      tp: number; fp: number; fn: number; tn: number; onsets: { episodes: number; caughtEarly: number; meanLeadSeconds: number };
    };
    expect([got.tp, got.fp, got.fn, got.tn]).toEqual([1, 0, 0, 1]); // poll 2's flag is scored, poll 3's is not (no false positive)
    expect(got.onsets).toEqual({ episodes: 1, caughtEarly: 1, meanLeadSeconds: 60 }); // flagged two polls before the onset
  });
});
