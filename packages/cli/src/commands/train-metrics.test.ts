/**
 * The trainer's precision-at-recall (models/train.py), the number models/README compares the models and
 * persistence by, on cases worked out by hand. Runs the project's Python (.venv, scripts/setup-python.sh).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../test-support.js';

const PYTHON = join(REPO, '.venv/bin/python');

function precisionAtRecall(y: number[], score: number[], target: number): unknown {
  const code = `import sys, json; sys.path.insert(0, 'models'); import numpy as np, train
print(json.dumps(train.precision_at_recall(np.array(${JSON.stringify(y)}), np.array(${JSON.stringify(score)}, dtype=float), ${target})))`;
  const r = spawnSync(PYTHON, ['-c', code], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describe.skipIf(!existsSync(PYTHON) && !process.env.CI)('train.py precision_at_recall', () => {
  // y = 1 0 1 0 ranked by score 0.9 0.8 0.7 0.1: cuts give (tp, fp) = (1,0) (1,1) (2,1) (2,2).
  it.each([
    { name: 'recall 1 first reached at 0.7: 2 of 3', y: [1, 0, 1, 0], score: [0.9, 0.8, 0.7, 0.1], target: 1, want: { precision: 2 / 3, recall: 1, cut: 0.7 } },
    { name: 'recall 0.5: the top row alone', y: [1, 0, 1, 0], score: [0.9, 0.8, 0.7, 0.1], target: 0.5, want: { precision: 1, recall: 0.5, cut: 0.9 } },
    { name: 'tied scores are one cut: 1 1 | 0 0', y: [1, 0, 1, 0], score: [1, 1, 0, 0], target: 0.75, want: { precision: 0.5, recall: 1, cut: 0 } },
    { name: 'no positives: none', y: [0, 0], score: [0.3, 0.2], target: 0.5, want: null },
  ])('$name', ({ y, score, target, want }) => {
    const got = precisionAtRecall(y, score, target) as { precision: number; recall: number; cut: number } | null;
    if (want === null) expect(got).toBeNull();
    else {
      expect(got!.precision).toBeCloseTo(want.precision, 12);
      expect([got!.recall, got!.cut]).toEqual([want.recall, want.cut]);
    }
  });
});

/** Runs `code` with models/train.py imported as `train` (and numpy as np); its last line prints JSON. */
function python(code: string): any {
  const r = spawnSync(PYTHON, ['-c', `import sys, json; sys.path.insert(0, 'models'); import numpy as np, train\n${code}`], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describe.skipIf(!existsSync(PYTHON) && !process.env.CI)('train.py: the nested procedure’s pieces', () => {
  it('choose_threshold takes the best F1 among cuts reaching the precision target, else the best F1', () => {
    // Ranked 0.9 0.8 0.7 0.6 0.5 0.4 with labels 1 1 0 1 0 0: cuts give P/R 1/.33 1/.67 .67/.67 .75/1 .6/1 .5/1.
    const y = [1, 1, 0, 1, 0, 0];
    const s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    const [atTarget, reached] = python(`print(json.dumps(train.choose_threshold(np.array(${JSON.stringify(y)}), np.array(${JSON.stringify(s)}), 0.75)))`);
    expect([atTarget, reached]).toEqual([0.55, true]); // cut 0.6 (P .75, R 1, F1 .857), placed midway to 0.5
    const [strict, reachedStrict] = python(`print(json.dumps(train.choose_threshold(np.array(${JSON.stringify(y)}), np.array(${JSON.stringify(s)}), 0.95)))`);
    expect([strict, reachedStrict]).toEqual([0.75, true]); // only cuts 0.9 and 0.8 reach P 1: 0.8 has the better F1
    const [none, reachedNone] = python(`print(json.dumps(train.choose_threshold(np.array([0, 1, 0, 1]), np.array([0.9, 0.8, 0.7, 0.6]), 0.9)))`);
    expect([none, reachedNone]).toEqual([0.3, false]); // no cut reaches 0.9: the best F1 (cut 0.6, everything) placed at 0.6 / 2
  });

  it('fit_platt recovers the sigmoid that generated the labels', () => {
    // 2000 rows per logit z in -2..2 with exactly round(2000 * sigmoid(2z - 1)) positives.
    const { a, b } = python(`
z = np.repeat(np.arange(-2, 3), 2000).astype(float)
p = 1 / (1 + np.exp(-z))
y = np.zeros(len(z), dtype=int)
for v in range(-2, 3):
    idx = np.flatnonzero(z == v)
    y[idx[: int(round(2000 / (1 + np.exp(-(2 * v - 1)))))]] = 1
print(json.dumps(train.fit_platt(y, p)))`);
    expect(a).toBeCloseTo(2, 1);
    expect(b).toBeCloseTo(-1, 1);
  });

  it('fit_stacking keeps coefficients ≥ 0: a model that ranks backwards is dropped', () => {
    const c = python(`
rng = np.random.default_rng(1)
y = (rng.random(4000) < 0.3).astype(int)
good = np.clip(0.2 + 0.6 * y + rng.normal(0, 0.15, 4000), 0.01, 0.99)
backwards = np.clip(0.8 - 0.6 * y + rng.normal(0, 0.15, 4000), 0.01, 0.99)
print(json.dumps(train.fit_stacking(y, {'good': good, 'backwards': backwards}, 42)))`);
    expect(c.coefficients.backwards).toBe(0);
    expect(c.coefficients.good).toBeGreaterThan(0);
  });

  it('inner_folds puts whole blocks in folds, largest first, each to the fold with the fewest rows', () => {
    const folds = python(`
units = np.array(['big#0'] * 6 + ['big#1'] * 4 + ['a#0'] * 3 + ['b#0'] * 2 + ['c#0'] * 2 + ['out#0'] * 5)
rows = np.array([True] * 17 + [False] * 5)
print(json.dumps(train.inner_folds(units, rows, 3).tolist()))`);
    // big#0 (6) → 0, big#1 (4) → 1, a (3) → 2, b (2) → 2 (3 < 4 < 6), c (2) → 1 (4 < 5 < 6); rows outside: -1
    expect(folds).toEqual([...Array(6).fill(0), ...Array(4).fill(1), 2, 2, 2, 2, 2, 1, 1, ...Array(5).fill(-1)]);
  });

  it('pr_curve reports the best precision at each recall level, as replay does', () => {
    const curve = python(`print(json.dumps(train.pr_curve(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.1]))))`);
    expect(curve.length).toBe(20);
    expect(curve.find((p: any) => p.recallAtLeast === 0.5)).toEqual({ recallAtLeast: 0.5, precision: 1, recall: 0.5, cut: 0.9 });
    expect(curve.find((p: any) => p.recallAtLeast === 0.75)).toMatchObject({ recall: 1, cut: 0.7 });
  });
});
