#!/usr/bin/env bash
# Criterion v12's judgement (docs/EXPERIMENTS.md, "Criterion v12"): seed 23000, never run before, the nine
# evaluation loads at 100, 150, 200 and 300 rps, 20 runs each, after the 90 s warm-up (../lab-peaks.sh). The
# chosen flags are in chosen-flags.txt (criterion v5's score.py on this sweep, committed before this ran);
# beside them, on the same arrivals: the current default (the lab's no-flag default: majority, the per-service
# floor; CURRENT_DEFAULT=()) and the HPA at 40–90 % (for frontier.mjs). Run files go to $OUT (default
# /tmp/lab-v12); each lab.json is kept as results/fresh-23000/peak-<rps>/<load>[-variant].json.
#
#   nice -n 5 python3 experiments/2026-12-05-hpa-floor/sweep.py experiments/2026-12-08-cost-trade/candidates.txt \
#     --peaks 100,150,200,300 --with-traces --warmup 90s --jsonl experiments/2026-12-08-cost-trade/sweep.jsonl \
#     > experiments/2026-12-08-cost-trade/sweep.txt                                                  # the choice (~10 min)
#   python3 experiments/2026-12-07-criterion-v5/score.py experiments/2026-12-08-cost-trade/sweep.jsonl > experiments/2026-12-08-cost-trade/score.txt
#   nice -n 5 bash experiments/2026-12-08-cost-trade/run.sh                                         # the judgement
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/2026-12-08-cost-trade
OUT=${OUT:-/tmp/lab-v12}
SEED=23000
CHOICE="criterion v12's choice"
# The current default of the judgement: the lab's no-flag default then, calmPolls 0 (2 since this criterion's decision).
CURRENT_DEFAULT=(--policy-set calmPolls=0)
source experiments/lab-peaks.sh
