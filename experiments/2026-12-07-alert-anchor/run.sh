#!/usr/bin/env bash
# Criterion v8's judgement (docs/EXPERIMENTS.md, "Criterion v8"): seed 15000, never run before, the nine
# evaluation loads at 100, 150, 200 and 300 rps, 20 runs each, after the 90 s warm-up (../lab-peaks.sh).
# The chosen setting's flags are in chosen-flags.txt (criterion v5's score.py on this sweep, committed
# before this ran); beside it, on the same arrivals: the
# current default (criterion v6's choice) and the HPA at 40–90 % (for frontier.mjs). Run files go to $OUT
# (default /tmp/lab-v8); each lab.json is kept as results/fresh-15000/peak-<rps>/<load>[-variant].json;
# ../2026-12-07-criterion-v5/compare.mjs writes compare-peak-<rps>.md, ../2026-12-07-peak-load/frontier.mjs
# frontier-peak-<rps>.md.
#
#   python3 experiments/2026-12-05-hpa-floor/sweep.py experiments/2026-12-07-alert-anchor/candidates.txt \
#     --peaks 100,150,200,300 --with-traces --warmup 90s --jsonl experiments/2026-12-07-alert-anchor/sweep.jsonl  # the choice (~12 min)
#   python3 experiments/2026-12-07-criterion-v5/score.py experiments/2026-12-07-alert-anchor/sweep.jsonl
#   bash experiments/2026-12-07-alert-anchor/run.sh                                                        # the judgement (~12 min)
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/2026-12-07-alert-anchor
OUT=${OUT:-/tmp/lab-v8}
SEED=15000
CHOICE="criterion v8's choice"
# Ran with the lab's calmPolls of 0, the default until criterion v12's decision (2026-12-08).
AS_RUN=(--policy-set calmPolls=0)
source experiments/lab-peaks.sh
