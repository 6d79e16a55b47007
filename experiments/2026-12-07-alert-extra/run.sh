#!/usr/bin/env bash
# Criterion v10's judgement (docs/EXPERIMENTS.md, "Criterion v10"): seed 21000, never run before, the nine
# evaluation loads at 100, 150, 200 and 300 rps, 20 runs each, after the 90 s warm-up (../lab-peaks.sh).
# The chosen setting's flags are in chosen-flags.txt (criterion v5's score.py on this sweep, committed
# before this ran); beside it, on the same arrivals: the current default and the HPA at 40–90 % (for
# frontier.mjs). The current default is criterion v9's, the lab's no-flag default (the per-service floor:
# 92 %, catalogue 50 %, carts 70 %), so CURRENT_DEFAULT=() below: lab-peaks.sh runs the "-current-default"
# variant with no policy flags at all (without it lab-peaks.sh would run criterion v6's uniform 92 % floor, V6,
# as criteria v8 and v9 did). Run files go to $OUT (default /tmp/lab-v10); each lab.json is kept as
# results/fresh-21000/peak-<rps>/<load>[-variant].json; ../2026-12-07-criterion-v5/compare.mjs writes
# compare-peak-<rps>.md, ../2026-12-07-peak-load/frontier.mjs frontier-peak-<rps>.md.
#
#   nice -n 10 python3 experiments/2026-12-05-hpa-floor/sweep.py experiments/2026-12-07-alert-extra/candidates.txt \
#     --peaks 100,150,200,300 --with-traces --warmup 90s --jsonl experiments/2026-12-07-alert-extra/sweep.jsonl \
#     > experiments/2026-12-07-alert-extra/sweep.txt                                                   # the choice
#   python3 experiments/2026-12-07-criterion-v5/score.py experiments/2026-12-07-alert-extra/sweep.jsonl > experiments/2026-12-07-alert-extra/score.txt
#   nice -n 10 bash experiments/2026-12-07-alert-extra/run.sh                                           # the judgement
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/2026-12-07-alert-extra
OUT=${OUT:-/tmp/lab-v10}
SEED=21000
CHOICE="criterion v10's choice"
CURRENT_DEFAULT=()
# Ran with the lab's calmPolls of 0, the default until criterion v12's decision (2026-12-08).
AS_RUN=(--policy-set calmPolls=0)
source experiments/lab-peaks.sh
