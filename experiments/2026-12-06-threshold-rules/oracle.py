#!/usr/bin/env python3
"""The best F1 any cut-off reaches on the held-out runs, for each bundled model and for mean-probability
ensembles: an upper bound on what choosing thresholds can do there (the cut-off is chosen on the very rows it
is scored on, so this is not an estimate of anything, only a ceiling). Then the same with two cut-offs, one
for rows whose p95 is over the SLO now and one for the rest (a state-dependent threshold: the two kinds of
rows have very different base rates), with and without the goal's "at least half the onsets early".

  node packages/cli/bin/run.js dataset build $(grep -v '^#' models/holdout-runs.txt) -o /tmp/holdout-matrix.csv --feature-set seed-v1
  .venv/bin/python experiments/2026-12-06-threshold-rules/oracle.py /tmp/holdout-matrix.csv [MODELS_DIR]
"""
import json, sys

import numpy as np
import onnxruntime as ort
import pandas as pd
from sklearn.metrics import precision_recall_curve

matrix = sys.argv[1]
models_dir = sys.argv[2] if len(sys.argv) > 2 else 'models'
names = ['xgboost', 'random_forest', 'logistic_regression']
cards = {m: json.load(open(f'{models_dir}/{m}.card.json')) for m in names}
df = pd.read_csv(matrix)
df = df[df['label'].notna()].reset_index(drop=True)  # since 2026-12-08 the matrix also carries unlabelled rows (empty label)
X = df[cards['xgboost']['features']].to_numpy(np.float32)
y = df['label'].to_numpy()
probs = {m: ort.InferenceSession(f'{models_dir}/{m}.onnx').run(['probabilities'], {'input': X})[0][:, 1] for m in names}
S = np.column_stack([probs[m] for m in names])
w = np.array([cards[m]['weight'] for m in names])
scores = {**probs, 'mean of the three': S.mean(1), 'card-weighted mean': (S * w).sum(1) / w.sum(), 'mean of xgboost and random_forest': S[:, :2].mean(1)}
print(f'{len(y)} labelled rows, {int(y.sum())} positive')
for name, s in scores.items():
    precision, recall, cut = precision_recall_curve(y, s)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    i = int(np.argmax(f1[:-1]))
    print(f'{name:<36} best F1 {f1[i]:.3f} at precision {precision[i]:.3f}, recall {recall[i]:.3f} (cut-off {cut[i]:.3f})')

# Two cut-offs on a 0.01 grid: `hi` where p95 now is over the SLO, `lo` elsewhere (a missing p95 is not over).
SLO = 35.68
hot = (df['p95_now_ms'].fillna(0) > SLO).to_numpy()
df['_row'] = np.arange(len(df))
onsets = []  # per onset (a hot row after a calm one in its series): the rows one and two polls before it that were calm
for _, g in df.sort_values('timestamp').groupby(['run_id', 'service']):
    rows = g['_row'].to_numpy()
    for k in range(1, len(rows)):
        if hot[rows[k]] and not hot[rows[k - 1]]:
            onsets.append([rows[k - 1]] + ([rows[k - 2]] if k >= 2 and not hot[rows[k - 2]] else []))

def scored(alert):
    tp = int((alert & (y == 1)).sum()); fp = int((alert & (y == 0)).sum()); fn = int((~alert & (y == 1)).sum())
    p = tp / max(tp + fp, 1); r = tp / max(tp + fn, 1)
    return p, r, 2 * p * r / max(p + r, 1e-12), sum(1 for before in onsets if alert[before].any())

p, r, f, _ = scored(hot)
print(f'\ntwo cut-offs (p95 now over the SLO / not); {len(onsets)} onsets; persistence F1 {f:.3f} at precision {p:.3f}')
grid = np.round(np.linspace(0, 1, 101), 2)
for name, s in scores.items():
    best = bestHalf = None
    for hi in grid:
        for lo in grid:
            p, r, f, e = scored(np.where(hot, s >= hi, s >= lo))
            if best is None or f > best[0]: best = (f, p, r, e, hi, lo)
            if 2 * e >= len(onsets) and (bestHalf is None or f > bestHalf[0]): bestHalf = (f, p, r, e, hi, lo)
    line = lambda b: f'F1 {b[0]:.3f} at precision {b[1]:.3f}, recall {b[2]:.3f}, {b[3]} onsets early (hi {b[4]:.2f}, lo {b[5]:.2f})'
    print(f'{name:<36} best {line(best)}; with half the onsets early: ' + (line(bestHalf) if bestHalf else 'none'))
