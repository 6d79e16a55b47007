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
