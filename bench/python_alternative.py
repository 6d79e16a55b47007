"""The obvious Python alternative to `sockml replay`, timed on the same input with the same models.

pandas read_csv, the card's features computed with vectorised pandas (groupby diff/rolling), then
predict_proba of the same three trained models (native copies saved by `sockml train --save-native`),
all on one thread. This is the competitor the benchmark compares with, not part of sockml: training
and inference in sockml compute features only in packages/core.

usage: python bench/python_alternative.py <metrics.csv> <models-dir>   → one JSON line on stdout
"""

import json
import os
import resource
import sys
import time

os.environ.setdefault('OMP_NUM_THREADS', '1')

import joblib  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

NAMES = ['xgboost', 'random_forest', 'logistic_regression']


def features(df: pd.DataFrame, names: list[str]) -> np.ndarray:
    g = df.groupby('service', sort=False)
    for c in ['request_rate_rps', 'error_rate_pct', 'cpu_usage_pct', 'memory_usage_mb']:
        df[c] = g[c].ffill().fillna(0.0)
    has_latency = df['p95_latency_ms'].notna().astype(np.float32)
    for c in ['p50_latency_ms', 'p95_latency_ms', 'p99_latency_ms']:
        df[c] = df[c].fillna(0.0)
    g = df.groupby('service', sort=False)
    out = {c: df[c] for c in ['request_rate_rps', 'error_rate_pct', 'p50_latency_ms', 'p95_latency_ms', 'p99_latency_ms', 'cpu_usage_pct', 'memory_usage_mb']}
    out['delta_rps'] = g['request_rate_rps'].diff().fillna(0.0)
    out['delta_p95_latency_ms'] = g['p95_latency_ms'].diff().fillna(0.0)
    out['delta_cpu_usage_pct'] = g['cpu_usage_pct'].diff().fillna(0.0)
    if len(names) > 10:
        out['has_latency'] = has_latency
        out['p95_prev_ms'] = g['p95_latency_ms'].shift(1).fillna(df['p95_latency_ms'])
        roll = g['p95_latency_ms'].rolling(4, min_periods=1)
        out['p95_mean_4'] = roll.mean().reset_index(level=0, drop=True)
        out['p95_max_4'] = roll.max().reset_index(level=0, drop=True)
        for src, dst in [('request_rate_rps', 'rps_slope_4'), ('p95_latency_ms', 'p95_slope_4'), ('cpu_usage_pct', 'cpu_slope_4')]:
            # least-squares slope over the last 4 polls (fewer at the start), vectorised with shifted columns
            s = [g[src].shift(i) for i in range(4)]  # s[0] = now, s[3] = three polls back
            n = sum(x.notna().astype(float) for x in s)
            xs = [(n - 1 - i) for i in range(4)]  # x position of each shifted value
            mx = (n - 1) / 2
            my = sum(x.fillna(0) for x in s) / n
            num = sum(((xi - mx) * (si - my)).where(si.notna(), 0) for xi, si in zip(xs, s))
            den = sum(((xi - mx) ** 2).where(si.notna(), 0) for xi, si in zip(xs, s))
            out[dst] = (num / den).where(n >= 2, 0.0)
    return np.column_stack([np.asarray(out[c], dtype=np.float32) for c in names])


def main() -> int:
    path, models_dir = sys.argv[1], sys.argv[2]
    names = json.load(open(os.path.join(models_dir, 'xgboost.card.json')))['features']
    models = {n: joblib.load(os.path.join(models_dir, 'native', f'{n}.joblib')) for n in NAMES}
    for m in models.values():
        if hasattr(m, 'set_params'):
            try:
                m.set_params(n_jobs=1)
            except ValueError:
                pass
    started = time.perf_counter()
    df = pd.read_csv(path, na_values=['nan'])
    X = features(df, names)
    probs = {n: m.predict_proba(X)[:, 1] for n, m in models.items()}
    seconds = time.perf_counter() - started
    rows = len(df)
    assert all(len(p) == rows for p in probs.values())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'rows': rows, 'seconds': seconds, 'rowsPerSecond': rows / seconds, 'peakRssMb': peak_mb}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
