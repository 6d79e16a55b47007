#!/usr/bin/env bash
# Callee attribution under criterion v2 (docs/EXPERIMENTS.md, "Callee attribution"): the setting chosen on
# the tuning set (sweep-tuning.txt, from candidates.txt), run once on the evaluation set (seed 2000, 20
# runs per load, the five bundled patterns and the GKE recordings' run 1 as traces), counted after a 90 s
# warm-up. The lab is deterministic: rerunning writes the same files, byte for byte. Run files go to $OUT
# (default /tmp/lab-attribution); each lab.json is copied under results/$SET, and
# ../2026-12-04-lab-policy/tables.mjs turns them into results-<set>.md (after the warm-up) and
# results-<set>-whole-runs.md.
#
#   bash experiments/2026-12-06-attribution/run.sh            # evaluation set (10–20 min on 2 cores)
#   SET=tuning bash experiments/2026-12-06-attribution/run.sh # the tuning set (seed 1000, 10 runs)
#   python3 experiments/2026-12-05-hpa-floor/sweep.py experiments/2026-12-06-attribution/candidates.txt --warmup 90s  # the choice
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/2026-12-06-attribution
OUT=${OUT:-/tmp/lab-attribution}
source experiments/lab-sets.sh

W=(--warmup 90s)
# Chosen by criterion v2's rule 3: the v2 floor setting with callee attribution at 65 % utilisation.
V2=(--hpa-floor 82 --rate-window 30s --policy-set targetUtilizationPct=130 --policy-set leadMs=30s --policy-set trendPolls=3 --policy-set attributionMinUtilization=0 --policy-set midTierAttributionMinUtilization=0 --policy-set midTierMinReplicas=0)
CHOSEN=("${V2[@]}" --policy-set attributionMinUtilization=0.65)

one() { # label, then the load's flags
  local label=$1; shift
  lab "$label" "$@" --condition proactive,reactive,static "${CHOSEN[@]}" "${W[@]}"
  for t in 40 50 60 80 82 90; do lab "$label-hpa$t" "$@" --condition reactive --hpa-target "$t" "${W[@]}"; done
  lab "$label-no-attribution" "$@" --condition proactive "${V2[@]}" "${W[@]}"
  lab "$label-no-models" "$@" --condition proactive "${CHOSEN[@]}" --policy-set alertMinUsage=1000000 "${W[@]}"
}

for p in constant ramp step spike mixed; do one "$p" --pattern "$p" --duration 10m --peak-rps 200; done
if [ "$SET" = evaluation ]; then
  for p in constant ramp spike step; do one "gke-$p-run1" --pattern trace --trace "fixtures/sockshop-gke/runs/$p/run_1.csv" --peak-rps 200; done
fi
export PROACTIVE='sockml over an HPA at 82 %, callee attribution' VARIANTS=hpa40,hpa50,hpa60,hpa80,hpa82,hpa90,no-attribution,no-models
WARMUP=1 node experiments/2026-12-04-lab-policy/tables.mjs "$HERE/results/$SET" > "$HERE/results-$SET.md"
node experiments/2026-12-04-lab-policy/tables.mjs "$HERE/results/$SET" > "$HERE/results-$SET-whole-runs.md"
echo "wrote $HERE/results-$SET.md and $HERE/results-$SET-whole-runs.md" >&2
