#!/usr/bin/env bash
# The evaluation of criterion v2 (docs/EXPERIMENTS.md, "Criterion v2"): violations and replica-seconds
# counted after a 90 s warm-up (lab --warmup 90s; lab.json keeps the whole runs' summary beside it). The
# lab is deterministic: rerunning writes the same files, byte for byte. Run files go to $OUT (default
# /tmp/lab-warmup); each lab.json is copied under results/$SET, and
# ../2026-12-04-lab-policy/tables.mjs turns them into results-<set>.md (after the warm-up) and
# results-<set>-whole-runs.md (every interval, the issue's original count).
#
#   bash experiments/2026-12-05-warmup/run.sh            # evaluation set (seed 2000, 20 runs) and GKE traces
#   SET=tuning bash experiments/2026-12-05-warmup/run.sh # the tuning set (seed 1000, 10 runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/2026-12-05-warmup
OUT=${OUT:-/tmp/lab-warmup}
source experiments/lab-sets.sh

# Chosen on the tuning set by criterion v2 (python3 experiments/2026-12-05-hpa-floor/sweep.py
# experiments/2026-12-05-hpa-floor/warmup-candidates.txt --warmup 90s): an HPA at 82 % CPU as the floor;
# sockml's hybrid policy at a base target of 130 %, a rate forecast 30 s ahead once the rate has risen on
# three polls in a row; collect's rates over 30 s.
W=(--warmup 90s)
CHOSEN=(--hpa-floor 82 --rate-window 30s --policy-set targetUtilizationPct=130 --policy-set leadMs=30s --policy-set trendPolls=3 --policy-set attributionMinUtilization=0 --policy-set midTierAttributionMinUtilization=0 --policy-set midTierMinReplicas=0)
BEFORE=(--hpa-floor 82 --rate-window 30s --policy-set targetUtilizationPct=130 --policy-set leadMs=0 --policy-set attributionMinUtilization=0 --policy-set midTierAttributionMinUtilization=0 --policy-set midTierMinReplicas=0)

one() { # label, then the load's flags
  local label=$1; shift
  lab "$label" "$@" --condition proactive,reactive,static "${CHOSEN[@]}" "${W[@]}"
  for t in 40 50 60 80 82 90; do lab "$label-hpa$t" "$@" --condition reactive --hpa-target "$t" "${W[@]}"; done
  lab "$label-no-forecast" "$@" --condition proactive "${BEFORE[@]}" "${W[@]}"
  lab "$label-no-models" "$@" --condition proactive "${CHOSEN[@]}" --policy-set alertMinUsage=1000000 "${W[@]}"
}

for p in constant ramp step spike mixed; do one "$p" --pattern "$p" --duration 10m --peak-rps 200; done
if [ "$SET" = evaluation ]; then
  for p in constant ramp spike step; do one "gke-$p-run1" --pattern trace --trace "fixtures/sockshop-gke/runs/$p/run_1.csv" --peak-rps 200; done
fi
export PROACTIVE='sockml over an HPA at 82 %, trend forecast' VARIANTS=hpa40,hpa50,hpa60,hpa80,hpa82,hpa90,no-forecast,no-models
WARMUP=1 node experiments/2026-12-04-lab-policy/tables.mjs "$HERE/results/$SET" > "$HERE/results-$SET.md"
node experiments/2026-12-04-lab-policy/tables.mjs "$HERE/results/$SET" > "$HERE/results-$SET-whole-runs.md"
echo "wrote $HERE/results-$SET.md and $HERE/results-$SET-whole-runs.md" >&2
