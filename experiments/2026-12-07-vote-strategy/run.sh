#!/usr/bin/env bash
# Criterion v11's judgement (docs/EXPERIMENTS.md, "Criterion v11"): seed 21000, never run before, the nine
# evaluation loads at 100, 150, 200 and 300 rps, 20 runs each, after the 90 s warm-up (../lab-peaks.sh). The
# chosen flags are in chosen-flags.txt (criterion v5's score.py on this sweep, committed before this ran);
# beside them, on the same arrivals: the current default (the lab's no-flag default: majority, the per-service
# floor; CURRENT_DEFAULT=()) and the HPA at 40–90 % (for frontier.mjs). Run files go to $OUT (default
# /tmp/lab-v11); each lab.json is kept as results/fresh-21000/peak-<rps>/<load>[-variant].json.
#
#   nice -n 5 python3 experiments/2026-12-05-hpa-floor/sweep.py experiments/2026-12-07-vote-strategy/candidates.txt \
#     --peaks 100,150,200,300 --with-traces --warmup 90s --jsonl experiments/2026-12-07-vote-strategy/sweep.jsonl \
#     > experiments/2026-12-07-vote-strategy/sweep.txt                                                  # the choice (~4 min)
#   python3 experiments/2026-12-07-criterion-v5/score.py experiments/2026-12-07-vote-strategy/sweep.jsonl > experiments/2026-12-07-vote-strategy/score.txt
#   nice -n 5 bash experiments/2026-12-07-vote-strategy/run.sh                                         # the judgement
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/2026-12-07-vote-strategy
OUT=${OUT:-/tmp/lab-v11}
SEED=21000
CHOICE="criterion v11's choice"
CURRENT_DEFAULT=()
# Ran with the lab's calmPolls of 0, the default until criterion v12's decision (2026-12-08).
AS_RUN=(--policy-set calmPolls=0)
source experiments/lab-peaks.sh
