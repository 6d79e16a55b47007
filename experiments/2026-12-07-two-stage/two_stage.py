#!/usr/bin/env python3
"""Two-stage (regime-split) predictors for issue 11: persistence where p95_t > SLO, a model where it is not.

Command (from the repository root; builds both matrices itself with `sockml dataset build`; about 15 minutes
of CPU on 2 cores, 878 s and 3129 model fits in the recorded run):

    nice -n 10 .venv/bin/python experiments/2026-12-07-two-stage/two_stage.py

writes experiments/2026-12-07-two-stage/results.md (and results.json beside it). `--quick` uses only the
first grid candidate of every model (a smoke test; its numbers are not the experiment's).

Everything that defines the data comes from models/train.py, imported, not copied: load_matrix, the data gate
(gate_series, to_data, gate `report`), the grouped folds (out_of_fold, inner_choice: hyperparameters by the
best mean inner leave-one-run-out PR-AUC, thresholds by choose_threshold), the voting strategies
(ensemble_predictors), the metrics (binary_metrics, evaluate) and the definition of onsets caught early
(onsets_caught_early). The labels are the matrix's, i.e. the TypeScript Labeler's (p95 > 35.68 ms in one of
polls t+1..t+2), as `sockml train` and `sockml replay` use them.

Regimes: a row is *hot* when its own p95 is over the SLO (train.py's `violating`; no latency data = calm) and
*calm* otherwise. Stages, each with the repo's grid chosen inside every (outer) fold on that stage's rows:
- onset stage: XGBoost / random forest / logistic regression trained on calm rows only (`*_calm`), or the
  repo's models trained on all rows (`*_all`, i.e. no retraining, only a threshold for calm rows);
- continuation stage: XGBoost / random forest trained on hot rows only (`*_hot`).
Predictors:
- (a) `persistence OR onset`: hot -> 1; calm -> onset score >= t_calm;
- (b) `continuation x onset`: hot -> continuation score >= t_hot; calm -> onset score >= t_calm;
- (c) the onset stage as the 3-model majority vote of the calm models (each model's own threshold).
Threshold rules (all on the inner leave-one-run-out out-of-fold probabilities of the outer fold's training runs):
- `calm-f1`, `calm-p0.6`, `calm-p0.7`: train.py's choose_threshold on the calm rows (f1, precision:0.6, precision:0.7);
- `comb-f1`: the cut-off maximising the F1 of the whole two-stage predictor over all inner rows;
- `onsets-0.5`: the best whole-predictor F1 among the cut-offs that still catch at least half of the inner onsets early;
- `hot-f1`: choose_threshold on the hot rows; `joint-f1` / `joint-onsets-0.5`: t_hot and t_calm together (2-D).
Cut-offs are placed as choose_threshold places them (midway to the next lower score, clipped to [0.05, 0.95]).
Variants marked † are latency-gated: the onset stage decides only calm polls with latency data (none: 0), its
thresholds chosen on those rows. They were added after the first run (whose held-out numbers had been printed)
showed the calm models' false alarms on low-traffic series, so they are scored on the outer folds only.

Scored: outer folds by run (12) and by pattern (5), series that pass the data gate (the README's nested table),
and once, the held-out GKE runs 3 and 6 (all 1421 labelled rows, as `sockml replay` scores them), with every
stage fitted on all 12 training runs and thresholds from inner LORO on those runs only.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'models'))
import train as T  # noqa: E402  (models/train.py)

SLO = 35.68
LOOKAHEAD = 2
FEATURE_SET = 'seed-v1'
SEED = 42  # sockml train's default
GOAL = T.NESTED_GOAL
CALM_RULES = ['f1', 'precision:0.6', 'precision:0.7']
CALM_RULE_LABEL = {'f1': 'calm-f1', 'precision:0.6': 'calm-p0.6', 'precision:0.7': 'calm-p0.7'}
OFF = math.inf  # a stage threshold that flags nothing


def log(msg: str) -> None:
    T.log(msg)


# ------------------------------------------------------------------------------------------ data


def build_matrix(listing: str, out: str) -> None:
    runs = [l.strip() for l in open(os.path.join(ROOT, 'models', listing)) if l.strip() and not l.startswith('#')]
    subprocess.run(
        ['node', 'packages/cli/bin/run.js', 'dataset', 'build', *runs, '-o', out, '--feature-set', FEATURE_SET, '--slo', str(SLO), '--lookahead', str(LOOKAHEAD)],
        cwd=ROOT, check=True, stdout=sys.stderr,
    )


def load(path: str) -> tuple[T.Data, list[str]]:
    df, features = T.load_matrix(path)
    # This study ran (2026-12-07) on matrices of labelled rows only; since 2026-12-08 `dataset build` also writes a
    # series' unlabelled last polls, which this script's thresholds and metrics do not mask. Drop them, so a rerun
    # reproduces results.md (episodes counted over labelled rows, as then).
    df = df[df['label'] >= 0].reset_index(drop=True)
    low, _ = T.gate_series(df, T.DEFAULT_MIN_LATENCY_SHARE)
    data = T.to_data(df, features, SLO, low, T.DEFAULT_GATE)
    # For the latency-gated variants (†): the poll has latency data (train.py's gate measures the same thing).
    data.has_latency = df['p95_now_ms'].notna().to_numpy(bool)
    return data, features


def stage_mask(data: T.Data, gated: bool) -> np.ndarray:
    """The rows the onset stage decides: calm ones, and with the latency gate (†) only those with latency data."""
    return ~data.violating & (data.has_latency if gated else True)


# ------------------------------------------------------------------------------------ thresholds


def place(cut: float, p: np.ndarray) -> float:
    """choose_threshold's placement: midway between the chosen cut-off and the next lower score, clipped."""
    if cut == OFF:
        return OFF
    below = p[p < cut]
    t = (cut + below.max()) / 2 if below.size else cut / 2
    return float(np.clip(t, *T.THRESHOLD_BOUNDS))


def curve(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut-offs (descending, OFF first) and the TP / FP of flagging every row with score >= cut-off."""
    order = np.argsort(-s, kind='mergesort')
    ss, yy = s[order], (y[order] == 1).astype(np.int64)
    tp, fp = np.cumsum(yy), np.cumsum(1 - yy)
    last = np.r_[ss[1:] != ss[:-1], True] if len(ss) else np.zeros(0, bool)
    return np.r_[OFF, ss[last]], np.r_[0, tp[last]], np.r_[0, fp[last]]


def f1_of(tp, fp, positives):
    den = 2 * tp + fp + (positives - tp)
    return np.divide(2 * tp, den, out=np.zeros(np.broadcast(tp, fp).shape), where=den > 0)


def onset_cut_limit(data: T.Data, mask: np.ndarray, calm: np.ndarray, s: np.ndarray, cuts: np.ndarray) -> int | None:
    """Index of the highest cut-off (cuts descending) whose calm flags catch >= half of the onsets over `mask`
    early (train.py's onsets_caught_early; only calm polls before an onset count, so the hot stage is irrelevant).
    Binary search: the count only grows as the cut-off falls. None when even the lowest cut-off falls short."""
    def caught(j):
        o = T.onsets_caught_early(data, mask, {'x': calm & (s >= cuts[j])}, LOOKAHEAD)['x']
        return o['caughtEarly'] * 2 >= o['episodes'] and o['episodes'] > 0
    lo, hi = 0, len(cuts) - 1
    if not caught(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if caught(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def combined_cuts(data: T.Data, mask: np.ndarray, s_calm: np.ndarray, s_hot: np.ndarray | None, rule: str, stage: np.ndarray) -> tuple[float, float]:
    """(t_hot, t_calm) by a whole-predictor rule over the rows of `mask`. s_hot None: the hot stage is persistence
    (t_hot = 0, every hot row flagged). Ties go to the lowest cut-offs (the highest recall), as choose_threshold's."""
    y = data.y
    hot, calm = mask & data.violating, mask & stage
    positives = int(y[mask].sum())  # calm rows outside the stage (†) are decided 0: their positives are misses
    cc, ctp, cfp = curve(y[calm], s_calm[calm])
    if s_hot is None:
        hc, htp, hfp = np.array([0.0]), np.array([int(y[hot].sum())]), np.array([int((y[hot] == 0).sum())])
    else:
        hc, htp, hfp = curve(y[hot], s_hot[hot])
    f1 = f1_of(htp[:, None] + ctp[None, :], hfp[:, None] + cfp[None, :], positives)
    if rule.endswith('onsets-0.5'):
        limit = onset_cut_limit(data, mask, calm, s_calm, cc)
        if limit is None:  # none reaches half: the cut-off catching the most
            limit = len(cc) - 1
        f1[:, :limit] = -1
    # The last maximum in row-major order of (descending hot cuts, descending calm cuts): the lowest cut-offs.
    flat = f1.ravel()
    k = len(flat) - 1 - int(np.argmax(flat[::-1]))
    i, j = divmod(k, f1.shape[1])
    t_hot = 0.0 if s_hot is None else place(hc[i], s_hot[hot])
    return t_hot, place(cc[j], s_calm[calm])


# ------------------------------------------------------------------------------------- procedure


class Stages:
    """The three training regimes and their specs; every fit goes through one FitCache."""

    def __init__(self, data: T.Data, quick: bool):
        self.data = data
        self.quick = quick
        specs = {s.name: s for s in T.model_specs(SEED)}
        # The all-rows random forest: the repo's nested report chose max_depth=8, min_samples_leaf=5 in every
        # inner search of all 17 outer folds (models/nested-cv-report.md), so searching only that candidate gives
        # the same choices at a quarter of the cost. Every other model and stage searches the repo's whole grid.
        rf_chosen = next(c['params'] for c in json.load(open(os.path.join(ROOT, 'models', 'cv-report.json')))['models']['random_forest']['grid'] if c['chosen'])
        rf_fixed = dataclasses.replace(specs['random_forest'], grid=[rf_chosen])
        self.regimes = {
            'all': (data, [specs['xgboost'], rf_fixed, specs['logistic_regression']]),
            'calm': (dataclasses.replace(data, train=data.train & ~data.violating), list(specs.values())),
            'hot': (dataclasses.replace(data, train=data.train & data.violating), [specs['xgboost'], specs['random_forest']]),
        }
        self.cache = T.FitCache(data)

    def choose(self, inside: np.ndarray) -> dict[str, dict]:
        """Per regime and model: inner_choice's hyperparameters and per-rule thresholds, and the inner out-of-fold
        probabilities (every row of `inside`) of the chosen candidate (a cache hit: inner_choice fitted it)."""
        out = {}
        for regime, (d, specs) in self.regimes.items():
            rules = CALM_RULES if regime == 'calm' else ['f1']
            choice, _ = T.inner_choice(specs, d, inside, self.quick, rules, cache=self.cache)
            for spec in specs:
                c = choice[spec.name]
                oof, _ = T.out_of_fold(spec, c['params'], d, self.data.run, inside, self.cache)
                out[f'{spec.name}@{regime}'] = {'spec': spec, 'regime': regime, 'params': c['params'], 'rules': c['rules'], 'oof': oof}
        return out

    def predict_fold(self, chosen: dict[str, dict], test: np.ndarray) -> dict[str, np.ndarray]:
        """Outer-fold probabilities (full length, filled on `test`) of each chosen model, fitted on the stage's
        training rows outside the fold."""
        out = {}
        for key, c in chosen.items():
            d, _ = self.regimes[c['regime']]
            p = np.full(len(self.data.y), np.nan)
            p[test] = self.cache.predict(c['spec'], c['params'], d.train & ~test, test)
            out[key] = p
        return out

    def predict_other(self, chosen: dict[str, dict], X: np.ndarray) -> dict[str, np.ndarray]:
        """Probabilities on another matrix (the held-out runs) from each chosen model fitted on all its stage's rows."""
        out = {}
        for key, c in chosen.items():
            d, _ = self.regimes[c['regime']]
            model = T.fit(c['spec'], c['params'], d.X[d.train], d.y[d.train])
            out[key] = T.positive_proba(model, X)
        return out


SHORT = {'xgboost': 'xgb', 'random_forest': 'rf', 'logistic_regression': 'lr'}


def scores_of(probs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Named scores: each model per regime, and the mean of XGBoost and the random forest per regime."""
    s = {f'{SHORT[k.split("@")[0]]}_{k.split("@")[1]}': v for k, v in probs.items()}
    for regime in ('all', 'calm', 'hot'):
        s[f'mean_{regime}'] = (s[f'xgb_{regime}'] + s[f'rf_{regime}']) / 2
    return s


ONSET_SCORES = ['xgb_calm', 'rf_calm', 'mean_calm', 'xgb_all', 'rf_all', 'mean_all']
A_RULES = ['calm-f1', 'calm-p0.6', 'calm-p0.7', 'comb-f1', 'onsets-0.5']
B_PAIRS = [('xgb_calm', 'xgb_hot'), ('rf_calm', 'rf_hot'), ('mean_calm', 'mean_hot')]
B_RULES = ['calm-f1+hot-f1', 'calm-p0.7+hot-f1', 'comb-f1+hot-f1', 'joint-f1', 'joint-onsets-0.5']


def calm_rule_threshold(data: T.Data, rows: np.ndarray, s: np.ndarray, rule: str, stage: np.ndarray) -> float:
    calm = rows & stage
    kind = {'calm-f1': 'f1', 'calm-p0.6': 'precision:0.6', 'calm-p0.7': 'precision:0.7'}[rule]
    return T.choose_threshold(data.y[calm], s[calm], T.parse_threshold_rule(kind))


GATED_A = [(sc, r) for sc in ['xgb_calm', 'mean_calm', 'xgb_all', 'mean_all'] for r in ['calm-f1', 'comb-f1', 'onsets-0.5']]
GATED_B = [(p, r) for p in [B_PAIRS[0], B_PAIRS[2]] for r in ['calm-f1+hot-f1', 'joint-f1', 'joint-onsets-0.5']]
GATED = ' †'  # suffix of the latency-gated variants (outer folds only: added after the held-out runs were scored)


def thresholds_for(data: T.Data, rows: np.ndarray, sc: dict[str, np.ndarray], chosen: dict[str, dict], gated: bool = True) -> dict[str, dict]:
    """Every variant's thresholds, from the inner out-of-fold scores `sc` over the rows `rows` (the outer fold's
    training rows: gate `report`, every row). With `gated`, also the latency-gated variants (†)."""
    hot = rows & data.violating
    th: dict[str, dict] = {}
    models = ['xgboost', 'random_forest', 'logistic_regression']
    for g in ([False, True] if gated else [False]):
        stage = stage_mask(data, g)
        suffix = GATED if g else ''
        for s in ONSET_SCORES:
            for rule in A_RULES:
                if g and (s, rule) not in GATED_A:
                    continue
                if rule.startswith('calm-'):
                    t = calm_rule_threshold(data, rows, sc[s], rule, stage)
                else:
                    _, t = combined_cuts(data, rows, sc[s], None, rule, stage)
                th[f'(a) persistence OR {s} [{rule}]{suffix}'] = {'calm': (s, t), 'gated': g}
        for s, h in B_PAIRS:
            t_hot_f1 = T.choose_threshold(data.y[hot], sc[h][hot])
            for rule in B_RULES:
                if g and ((s, h), rule) not in GATED_B:
                    continue
                if rule.startswith('joint'):
                    t_hot, t = combined_cuts(data, rows, sc[s], sc[h], rule, stage)
                elif rule.startswith('comb-f1'):
                    # t_calm by whole-predictor F1 with the hot stage at its own best-F1 cut.
                    t = comb_f1_given_hot(data, rows, sc[s], sc[h] >= t_hot_f1, stage)
                    t_hot = t_hot_f1
                else:
                    t, t_hot = calm_rule_threshold(data, rows, sc[s], rule.split('+')[0], stage), t_hot_f1
                th[f'(b) {h} x {s} [{rule}]{suffix}'] = {'calm': (s, t), 'hot': (h, t_hot), 'gated': g}
        for rule in (CALM_RULES if not g else ['f1']):
            if g:
                # Each calm model's own cut by the rule, on the rows the gated stage decides.
                calm = rows & stage
                thr = {m: T.choose_threshold(data.y[calm], sc[f'{SHORT[m]}_calm'][calm], T.parse_threshold_rule(rule)) for m in models}
            else:
                # inner_choice's per-rule thresholds: the same choose_threshold on every calm row.
                thr = {m: chosen[f'{m}@calm']['rules'][rule]['threshold'] for m in models}
            ones = {m: 1.0 for m in models}  # majority does not read weights
            th[f'(c) persistence OR majority_calm [{CALM_RULE_LABEL[rule]}]{suffix}'] = {'majority': thr, 'weights': ones, 'gated': g}
            th[f'(c) mean_hot x majority_calm [{CALM_RULE_LABEL[rule]}+hot-f1]{suffix}'] = {
                'majority': thr, 'weights': ones, 'gated': g, 'hot': ('mean_hot', T.choose_threshold(data.y[hot], sc['mean_hot'][hot])),
            }
    # The repo's own procedure (bundled rule f1), for the reproduction check and "persistence OR majority".
    allm = {m: chosen[f'{m}@all']['rules']['f1'] for m in models}
    th['repo: ensemble:majority'] = {'repo': 'ensemble:majority', 'thr': {m: v['threshold'] for m, v in allm.items()}, 'weights': {m: v['weight'] for m, v in allm.items()}}
    th['repo: ensemble:weighted-f1'] = {'repo': 'ensemble:weighted-f1', 'thr': th['repo: ensemble:majority']['thr'], 'weights': th['repo: ensemble:majority']['weights']}
    th['(a) persistence OR repo majority (bundled thresholds)'] = {'repo': 'ensemble:majority', 'or_persistence': True, 'thr': th['repo: ensemble:majority']['thr'], 'weights': th['repo: ensemble:majority']['weights']}
    return th


def comb_f1_given_hot(data: T.Data, rows: np.ndarray, s_calm: np.ndarray, hot_flags: np.ndarray, stage: np.ndarray) -> float:
    """t_calm maximising whole-predictor F1 over `rows` with the hot rows decided by `hot_flags`."""
    hot, calm = rows & data.violating, rows & stage
    y = data.y
    positives = int(y[rows].sum())
    cc, ctp, cfp = curve(y[calm], s_calm[calm])
    htp = int((hot_flags[hot] & (y[hot] == 1)).sum())
    hfp = int((hot_flags[hot] & (y[hot] == 0)).sum())
    f1 = f1_of(htp + ctp, hfp + cfp, positives)
    j = len(f1) - 1 - int(np.argmax(f1[::-1]))
    return place(cc[j], s_calm[calm])


def decide(data: T.Data, sc: dict[str, np.ndarray], probs: dict[str, np.ndarray], spec: dict, rows: np.ndarray) -> np.ndarray:
    """A variant's decisions on `rows` (False elsewhere), from outer-fold scores and the fold's thresholds."""
    hot = data.violating
    model_probs = lambda regime: {m: probs[f'{m}@{regime}'][rows] for m in ['xgboost', 'random_forest', 'logistic_regression']}  # noqa: E731
    d = np.zeros(len(data.y), dtype=bool)
    if 'repo' in spec:
        ens = T.ensemble_predictors(model_probs('all'), spec['thr'], spec['weights'])[spec['repo']][0]
        d[rows] = (ens | hot[rows]) if spec.get('or_persistence') else ens
        return d
    if 'majority' in spec:
        calm_flags = T.ensemble_predictors(model_probs('calm'), spec['majority'], spec['weights'])['ensemble:majority'][0]
    else:
        s, t = spec['calm']
        calm_flags = sc[s][rows] >= t
    if spec.get('gated'):
        calm_flags = calm_flags & data.has_latency[rows]
    if 'hot' in spec:
        h, t_hot = spec['hot']
        hot_flags = sc[h][rows] >= t_hot
    else:
        hot_flags = np.ones(int(rows.sum()), dtype=bool)
    d[rows] = np.where(hot[rows], hot_flags, calm_flags)
    return d


def thresholds_text(spec: dict) -> dict[str, float]:
    if 'repo' in spec:
        return {SHORT[m]: t for m, t in spec['thr'].items()}
    out = {}
    if 'majority' in spec:
        out.update({f'{SHORT[m]}_calm': t for m, t in spec['majority'].items()})
    else:
        out['t_calm'] = spec['calm'][1]
    if 'hot' in spec:
        out['t_hot'] = spec['hot'][1]
    return out


# ------------------------------------------------------------------------------------------ runs


def nested(stages: Stages, groups: np.ndarray, scheme: str) -> tuple[dict[str, np.ndarray], dict[str, list], dict[str, np.ndarray]]:
    data = stages.data
    decisions: dict[str, np.ndarray] = {}
    per_fold: dict[str, list] = {}
    outer_scores: dict[str, np.ndarray] = {}
    for g in sorted(set(groups)):
        started = time.monotonic()
        test = groups == g
        chosen = stages.choose(~test)
        inner = scores_of({k: c['oof'] for k, c in chosen.items()})
        probs = stages.predict_fold(chosen, test)
        outer = scores_of(probs)
        for k, v in outer.items():
            outer_scores.setdefault(k, np.full(len(data.y), np.nan))[test] = v[test]
        th = thresholds_for(data, data.train & ~test, inner, chosen)
        for name, spec in th.items():
            decisions.setdefault(name, np.zeros(len(data.y), dtype=bool))
            decisions[name] |= decide(data, outer, probs, spec, test)
            per_fold.setdefault(name, []).append(thresholds_text(spec))
        params = '; '.join(f'{k} {",".join(str(v) for v in c["params"].values())}' for k, c in chosen.items())
        log(f'{scheme} fold {g}: {int(test.sum())} rows; {params} ({time.monotonic() - started:.1f}s, {stages.cache.fits} fits so far)')
    return decisions, per_fold, outer_scores


def metrics(data: T.Data, decisions: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, dict]:
    predictors = {T.PERSISTENCE: (data.violating, data.violating.astype(float)), **{n: (d, d.astype(float)) for n, d in decisions.items()}}
    out = T.evaluate(data, predictors, mask, LOOKAHEAD)
    for m in out.values():
        m.pop('rocAuc'), m.pop('prAuc')  # of 0/1 decisions: meaningless
    return out


def meets_goal(m: dict) -> bool:
    o = m['onsets']
    return (m['f1'] or 0) >= GOAL['f1'] and (m['precision'] or 0) >= GOAL['precision'] and o['episodes'] > 0 and o['caughtEarly'] / o['episodes'] >= GOAL['onsetsCaughtEarlyShare']


def ceilings(data: T.Data, sc: dict[str, np.ndarray], mask: np.ndarray) -> list[dict]:
    """Post hoc, NOT estimates: one global cut-off pair chosen on the pooled outer-fold scores it is scored on.
    For (a) families: best F1, and best F1 with half the onsets early; for (b) families also the best precision at
    recall >= persistence's (persistence itself is (a) with the calm stage off, so (a) cannot beat it there)."""
    y = data.y
    hot, calm = mask & data.violating, mask & ~data.violating
    positives = int(y[mask].sum())
    p_recall = int(y[hot].sum()) / positives
    rows = []
    families = [(s, None) for s in ONSET_SCORES] + list(B_PAIRS)
    for s, h in families:
        cc, ctp, cfp = curve(y[calm], sc[s][calm])
        if h is None:
            hc, htp, hfp = np.array([0.0]), np.array([int(y[hot].sum())]), np.array([int((y[hot] == 0).sum())])
        else:
            hc, htp, hfp = curve(y[hot], sc[h][hot])
        TP, FP = htp[:, None] + ctp[None, :], hfp[:, None] + cfp[None, :]
        f1 = f1_of(TP, FP, positives)
        prec = np.divide(TP, TP + FP, out=np.zeros(TP.shape), where=(TP + FP) > 0)
        rec = TP / positives
        limit = onset_cut_limit(data, mask, calm, sc[s], cc)
        row = {'family': f'persistence OR {s}' if h is None else f'{h} x {s}'}
        i, j = np.unravel_index(int(np.argmax(f1)), f1.shape)
        row['bestF1'] = (float(f1[i, j]), float(prec[i, j]), float(rec[i, j]))
        if limit is not None:
            f = f1.copy(); f[:, :limit] = -1
            i, j = np.unravel_index(int(np.argmax(f)), f.shape)
            row['bestF1HalfOnsets'] = (float(f1[i, j]), float(prec[i, j]), float(rec[i, j]))
        if h is not None:
            pr = np.where(rec >= p_recall - 1e-12, prec, -1)
            i, j = np.unravel_index(int(np.argmax(pr)), pr.shape)
            row['precisionAtPersistenceRecall'] = (float(prec[i, j]), float(rec[i, j]))
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------- report


def fmt(x):
    return T.fmt(x)


def cell(m: dict) -> str:
    return f'{fmt(m["precision"])} / {fmt(m["recall"])} / {fmt(m["f1"])}{" **goal**" if meets_goal(m) else ""} / {m["onsets"]["caughtEarly"]}'


def fold_range(per_fold: list[dict]) -> str:
    keys = per_fold[0].keys()
    parts = []
    for k in keys:
        v = np.array([f[k] for f in per_fold], dtype=float)
        if np.all(np.isinf(v)):
            parts.append(f'{k} off')
        else:
            fin = v[np.isfinite(v)]
            parts.append(f'{k} {fin.min():.2f}–{fin.max():.2f}' + (f' (off in {int(np.isinf(v).sum())})' if np.isinf(v).any() else ''))
    return ', '.join(parts)


README_ROWS = [  # models/README.md, "Nested cross-validation" (series that pass the gate, rule f1)
    ('bundled: ensemble, majority (README)', '0.671 / 0.604 / 0.636 / 25', '0.522 / 0.587 / 0.552 / 19'),
    ('bundled: ensemble, weighted (README)', '0.746 / 0.675 / 0.709 / 25', '0.637 / 0.648 / 0.642 / 18'),
    ('persistence (README)', '0.820 / 0.680 / 0.743 / 0', '0.820 / 0.680 / 0.743 / 0'),
]


def markdown(res: dict) -> str:
    L = ['# Two-stage predictors: results', '', f'Written by `two_stage.py` ({res["elapsedCpuSeconds"]:.0f} s CPU, {res["fits"]} model fits). '
         f'Training matrix `{res["matrixSha256"][:12]}` (the bundled models\' matrix: {res["sameMatrixAsBundled"]}); '
         f'held-out matrix {res["holdout"]["rows"]} labelled rows, {res["holdout"]["positives"]} positive. '
         f'Low-traffic series (fail the data gate, scored in "all rows" only): {int(res["loroLow"]["persistence"]["n"])} rows, {res["loroLow"]["persistence"]["positives"]} positive.', '']
    L += ['Cells: precision / recall / F1 / onsets caught early (train.py\'s onsets_caught_early). **goal**: F1 ≥ 0.75, precision ≥ 0.70 '
          'and at least half the onsets early. Outer folds: series that pass the data gate '
          f'({res["loro"]["persistence"]["onsets"]["episodes"]} episodes); "all rows F1" adds the low-traffic series. '
          '† = latency-gated: the onset stage decides only calm polls with latency data (no latency data: 0), its thresholds '
          'chosen on those rows; added after the first run showed the calm models\' false alarms on low-traffic series, so '
          'scored on the outer folds only, never on the held-out runs. Held-out episodes are counted on the matrix rows '
          '(33); `sockml replay` counts 34, the 34th beginning on the last, unlabelled poll of constant run 3 front-end.', '']
    L += ['## Outer folds (nested CV) and held-out runs', '',
          f'| predictor | outer by run | outer by pattern | all rows F1 run / pattern | low-traffic FP run / pattern | held-out GKE 3+6 (all {res["holdout"]["rows"]} rows, {res["holdout"]["metrics"]["persistence"]["onsets"]["episodes"]} episodes) |',
          '|---|---|---|---|---|---|']
    for name, r1, r2 in README_ROWS:
        L.append(f'| {name} | {r1} | {r2} | | | |')
    for name in res['loro']:
        L.append(f'| {name} | {cell(res["loro"][name])} | {cell(res["lopo"][name])} | {fmt(res["loroAll"][name]["f1"])} / {fmt(res["lopoAll"][name]["f1"])} | {res["loroLow"][name]["fp"]} / {res["lopoLow"][name]["fp"]} | {cell(res["holdout"]["metrics"][name]) if name in res["holdout"]["metrics"] else "not run"} |')
    L += ['', '## Held-out runs, series that pass the data gate only', '',
          f'({res["holdout"]["passingRows"]} rows, {res["holdout"]["passing"]["persistence"]["onsets"]["episodes"]} episodes)', '', '| predictor | held-out, gate-passing series |', '|---|---|']
    for name, m in res['holdout']['passing'].items():
        L.append(f'| {name} | {cell(m)} |')
    L += ['', '## Ceilings (post hoc: one cut-off pair chosen on the pooled outer-fold scores it is scored on; not estimates)', '',
          'Precision / recall in brackets. Persistence over the same rows: '
          + ', '.join(f'{s}: {fmt(res[s]["persistence"]["precision"])} / {fmt(res[s]["persistence"]["recall"])} / F1 {fmt(res[s]["persistence"]["f1"])}' for s in ('loro', 'lopo')), '',
          '| scheme | family | best F1 | best F1 with ≥ half the onsets early | best precision at recall ≥ persistence\'s |', '|---|---|---|---|---|']
    for scheme in ('loro', 'lopo'):
        for c in res['ceilings'][scheme]:
            b = c['bestF1']; h = c.get('bestF1HalfOnsets'); p = c.get('precisionAtPersistenceRecall')
            L.append(f'| {scheme} | {c["family"]} | {b[0]:.3f} ({b[1]:.3f} / {b[2]:.3f}) | ' + (f'{h[0]:.3f} ({h[1]:.3f} / {h[2]:.3f})' if h else '–') + ' | ' + (f'{p[0]:.3f} at {p[1]:.3f}' if p else 'persistence itself') + ' |')
    L += ['', '## Thresholds chosen per outer fold (range over folds) and for the held-out models', '', '| predictor | by run | by pattern | held-out |', '|---|---|---|---|']
    for name in res['thresholds']['loro']:
        held = res['thresholds']['holdout'].get(name)
        L.append(f'| {name} | {fold_range(res["thresholds"]["loro"][name])} | {fold_range(res["thresholds"]["lopo"][name])} | {fold_range([held]) if held else "not run"} |')
    L += ['', '## Hyperparameters chosen for the held-out models (inner LORO PR-AUC on the stage\'s rows of all 12 training runs)', '']
    L += [f'- {k}: {T.format_params(v)}' for k, v in res['holdout']['params'].items()]
    L.append('')
    return '\n'.join(L)


def finite(o):
    """JSON-safe: an OFF (infinite) threshold becomes null, numpy scalars plain numbers."""
    if isinstance(o, dict):
        return {str(k): finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [finite(v) for v in o]
    if isinstance(o, (float, np.floating)):
        return None if not math.isfinite(o) else float(o)
    if isinstance(o, np.integer):
        return int(o)
    return o


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--quick', action='store_true', help='first grid candidate only (smoke test)')
    ap.add_argument('--out', default=os.path.join(HERE, 'results.md'))
    args = ap.parse_args(argv)
    cpu0 = time.process_time()
    with tempfile.TemporaryDirectory(prefix='two-stage-') as tmp:
        train_csv, hold_csv = os.path.join(tmp, 'train.csv'), os.path.join(tmp, 'holdout.csv')
        build_matrix('training-runs.txt', train_csv)
        build_matrix('holdout-runs.txt', hold_csv)
        sha = T.sha256_file(train_csv)
        # Run ids are paths relative to the directory `dataset build` ran in (the repository root).
        data, features = load(train_csv)
        hold, hfeatures = load(hold_csv)
    bundled_sha = json.load(open(os.path.join(ROOT, 'models', 'cv-report.json')))['matrixSha256']
    assert hfeatures == features
    assert not set(hold.run) & set(data.run), 'held-out runs in the training matrix'
    log(f'training matrix {len(data.y)} rows ({int(data.y.sum())} positive), hot rows {int(data.violating.sum())}; held-out {len(hold.y)} rows')

    stages = Stages(data, args.quick)
    res: dict = {'matrixSha256': sha, 'sameMatrixAsBundled': sha == bundled_sha, 'thresholds': {}, 'ceilings': {}}
    passing, everything = ~data.low_traffic, np.ones(len(data.y), dtype=bool)
    for scheme, groups in (('loro', data.run), ('lopo', data.pattern)):
        decisions, per_fold, outer = nested(stages, groups, scheme)
        res[scheme] = metrics(data, decisions, passing)
        res[f'{scheme}All'] = metrics(data, decisions, everything)
        res[f'{scheme}Low'] = metrics(data, decisions, data.low_traffic)
        res['thresholds'][scheme] = per_fold
        res['ceilings'][scheme] = ceilings(data, outer, passing)

    # The held-out runs, once: every choice on the 12 training runs only.
    log('held-out runs: choosing on all training runs')
    chosen = stages.choose(np.ones(len(data.y), dtype=bool))
    inner = scores_of({k: c['oof'] for k, c in chosen.items()})
    th = thresholds_for(data, data.train, inner, chosen, gated=False)
    hprobs = stages.predict_other(chosen, hold.X)
    hsc = scores_of(hprobs)
    everywhere = np.ones(len(hold.y), dtype=bool)
    hdec = {name: decide(hold, hsc, hprobs, spec, everywhere) for name, spec in th.items()}
    res['holdout'] = {
        'rows': len(hold.y), 'positives': int(hold.y.sum()), 'passingRows': int((~hold.low_traffic).sum()),
        'metrics': metrics(hold, hdec, everywhere), 'passing': metrics(hold, hdec, ~hold.low_traffic),
        'params': {k: c['params'] for k, c in chosen.items()},
    }
    res['thresholds']['holdout'] = {name: thresholds_text(spec) for name, spec in th.items()}
    res['fits'] = stages.cache.fits
    res['elapsedCpuSeconds'] = time.process_time() - cpu0  # this process only (RF/XGBoost threads included)
    with open(os.path.splitext(args.out)[0] + '.json', 'w') as f:
        json.dump(finite(res), f, indent=1, allow_nan=False)
    with open(args.out, 'w') as f:
        f.write(markdown(res))
    log(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
