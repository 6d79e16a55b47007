#!/usr/bin/env bash
# Criterion v7's judgement (docs/EXPERIMENTS.md, "Criterion v7"): seed 13000, never run before, the nine
# evaluation loads (five patterns and the GKE recordings' run 1 as traces), 20 runs each, counted after the
# 90 s warm-up. The chosen setting's flags are in chosen-flags.txt (criterion v5's score.py on this sweep,
# committed before this ran); beside it, on the same runs: the current default (criterion v6's choice), the
# HPA at 70 % with the chosen floor window as its own scale-down window (the window without sockml), the HPA
# at 40–90 % and static. Run files go to $OUT (default /tmp/lab-v7); each lab.json is kept under
# results/$SET; ../2026-12-04-lab-policy/tables.mjs writes results-$SET.md (after the warm-up) and
# results-$SET-whole-runs.md; ../2026-12-07-criterion-v5/compare.mjs the side by side.
#
#   python3 experiments/2026-12-05-hpa-floor/sweep.py experiments/2026-12-07-floor-window/candidates.txt \
#     --warmup 90s --with-diagnosis --with-traces --jsonl experiments/2026-12-07-floor-window/sweep.jsonl   # the choice (~5 min)
#   python3 experiments/2026-12-07-criterion-v5/score.py experiments/2026-12-07-floor-window/sweep.jsonl
#   bash experiments/2026-12-07-floor-window/run.sh                                                         # the judgement (~4 min)
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/2026-12-07-floor-window
OUT=${OUT:-/tmp/lab-v7}
SET=${SET:-fresh-13000}
source experiments/lab-sets.sh

W=(--warmup 90s)
read -r -a CHOSEN < "$HERE/chosen-flags.txt"
V6=(--hpa-floor 92 --rate-window 30s --policy-set targetUtilizationPct=130 --policy-set leadMs=30s --policy-set trendPolls=3 --policy-set midTierAttributionMinUtilization=0 --policy-set attributionMinUtilization=0.55 --policy-set midTierMinReplicas=2)
# The chosen floor window, for the HPA at 70 % without sockml.
WINDOW=$(sed -n 's/.*--hpa-floor-scale-down-window \([^ ]*\).*/\1/p' "$HERE/chosen-flags.txt")

one() { # label, then the load's flags
  local label=$1; shift
  lab "$label" "$@" --condition proactive,reactive,static "${CHOSEN[@]}" "${W[@]}"
  for t in 40 50 60 80 85 90; do lab "$label-hpa$t" "$@" --condition reactive --hpa-target "$t" "${W[@]}"; done
  [ -n "$WINDOW" ] && lab "$label-hpa70-window" "$@" --condition reactive --hpa-scale-down-window "$WINDOW" "${W[@]}"
  [ "${CHOSEN[*]}" != "${V6[*]}" ] && lab "$label-current-default" "$@" --condition proactive "${V6[@]}" "${W[@]}"
  return 0
}

for p in constant ramp step spike mixed; do one "$p" --pattern "$p" --duration 10m --peak-rps 200; done
for p in constant ramp spike step; do one "gke-$p-run1" --pattern trace --trace "fixtures/sockshop-gke/runs/$p/run_1.csv" --peak-rps 200; done
VARIANTS=hpa40,hpa50,hpa60,hpa80,hpa85,hpa90
[ -n "$WINDOW" ] && VARIANTS+=,hpa70-window
[ "${CHOSEN[*]}" != "${V6[*]}" ] && VARIANTS+=,current-default
export PROACTIVE="criterion v7's choice ($(cat "$HERE/chosen-flags.txt"))" VARIANTS
WARMUP=1 node experiments/2026-12-04-lab-policy/tables.mjs "$HERE/results/$SET" > "$HERE/results-$SET.md"
node experiments/2026-12-04-lab-policy/tables.mjs "$HERE/results/$SET" > "$HERE/results-$SET-whole-runs.md"
echo "wrote $HERE/results-$SET.md and $HERE/results-$SET-whole-runs.md" >&2
