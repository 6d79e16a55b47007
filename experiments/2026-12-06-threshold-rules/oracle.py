#!/usr/bin/env python3
"""The best F1 any cut-off reaches on the held-out runs, for each bundled model and for mean-probability
ensembles: an upper bound on what choosing thresholds can do there (the cut-off is chosen on the very rows it
is scored on, so this is not an estimate of anything, only a ceiling).

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
