#!/usr/bin/env python3
"""Criterion v5's choice (docs/EXPERIMENTS.md, "Criterion v5"), applied mechanically to sweep.py's --jsonl
output, so that no one applies the rules by eye (criterion v3's rule 3 was first misapplied that way).

  python3 experiments/2026-12-07-criterion-v5/score.py experiments/2026-12-07-criterion-v5/sweep.jsonl

Per candidate, on each of the eleven tuning loads (after the 90 s warm-up): the load is *met* when sockml
has at most 0.70 × the HPA-at-70 %'s violating snapshots per run at no more replica-seconds per run (the
issue's goal without its significance test, which per-run means cannot give). Rules, in order:
  1. the most loads met;
  2. among those, the lowest mean violation ratio over the eleven loads;
  3. then the lowest mean cost ratio; then the earlier line of candidates.txt (the current default is first).
Prints one row per candidate, best first, and the choice.
"""
import json, sys
from fractions import Fraction

GOAL_VIOLATIONS, GOAL_COST = Fraction(7, 10), Fraction(1)


def exact(x: float) -> Fraction:
    # Per-run means of whole counts over 10–40 runs have a few decimals; rounding to 6 recovers them exactly.
    return Fraction(str(round(x, 6)))


def meets(l: dict) -> bool:
    """The goal in exact arithmetic (since 2026-12-08): as floats, 8.4 / 12 is 0.7000000000000001, and a load at
    exactly 0.70 × would count as missed. The HPA with no violations: met only if sockml has none either."""
    v, h = exact(l['violatingPerRun']), exact(l['hpaViolatingPerRun'])
    cost = exact(l['replicaSecondsPerRun']) <= GOAL_COST * exact(l['hpaReplicaSecondsPerRun'])
    return v <= GOAL_VIOLATIONS * h and cost
rows = []
for i, line in enumerate(open(sys.argv[1])):
    c = json.loads(line)
    loads = c['loads']
    met = [p for p, l in loads.items() if meets(l)]
    mean_v = sum(l['violationRatio'] for l in loads.values()) / len(loads)
    mean_c = sum(l['costRatio'] for l in loads.values()) / len(loads)
    missed = [p for p in loads if p not in met]
    rows.append((-len(met), mean_v, mean_c, i, c['flags'], missed, len(loads)))

rows.sort(key=lambda r: r[:4])
print('met  mean-violations×  mean-cost×  missed | flags')
for neg_met, mean_v, mean_c, i, flags, missed, n in rows:
    print(f'{-neg_met:>2}/{n}  {mean_v:.4f}  {mean_c:.4f}  {",".join(missed) or "-"} | {" ".join(flags)}')
print(f'\nchosen (line {rows[0][3] + 1} of the sweep): {" ".join(rows[0][4])}')
