#!/usr/bin/env bash
# Criterion v5's judgement (docs/EXPERIMENTS.md, "Criterion v5"): seed 7000, never run before, the nine
# evaluation loads (five patterns and the GKE recordings' run 1 as traces), 20 runs each, counted after the
# 90 s warm-up. The chosen setting's flags are in chosen-flags.txt (score.py's choice, committed before this
# ran); beside it, on the same runs: the current default (criterion v3's choice: entry attribution at 70 %,
# the mid-tier rule at 65 %), the previous default (entry attribution at 65 %, no mid-tier rule), the HPA at
# 40–90 % and static. Run files go to $OUT (default /tmp/lab-v5); each lab.json is kept under
# results/$SET; ../2026-12-04-lab-policy/tables.mjs writes results-$SET.md (after the warm-up) and
# results-$SET-whole-runs.md. Deterministic: rerunning writes the same files.
#
#   python3 experiments/2026-12-05-hpa-floor/sweep.py experiments/2026-12-07-criterion-v5/candidates.txt \
#     --warmup 90s --with-diagnosis --with-traces --jsonl experiments/2026-12-07-criterion-v5/sweep.jsonl   # the choice (~7 min)
#   python3 experiments/2026-12-07-criterion-v5/score.py experiments/2026-12-07-criterion-v5/sweep.jsonl
#   bash experiments/2026-12-07-criterion-v5/run.sh                                                         # the judgement (~4 min on a quiet machine)
#   SET=fresh-6000 bash experiments/2026-12-07-criterion-v5/run.sh; SET=evaluation bash …                   # second looks, after it
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/2026-12-07-criterion-v5
OUT=${OUT:-/tmp/lab-v5}
SET=${SET:-fresh-7000} # the judgement; SET=fresh-6000 and SET=evaluation (seed 2000) are second looks only
source experiments/lab-sets.sh

W=(--warmup 90s)
read -r -a CHOSEN < "$HERE/chosen-flags.txt"
CURRENT=(--hpa-floor 82 --rate-window 30s --policy-set targetUtilizationPct=130 --policy-set leadMs=30s --policy-set trendPolls=3 --policy-set attributionMinUtilization=0.7 --policy-set midTierAttributionMinUtilization=0.65 --policy-set midTierMinReplicas=0)
PREVIOUS=(--hpa-floor 82 --rate-window 30s --policy-set targetUtilizationPct=130 --policy-set leadMs=30s --policy-set trendPolls=3 --policy-set attributionMinUtilization=0.65 --policy-set midTierAttributionMinUtilization=0 --policy-set midTierMinReplicas=0)

one() { # label, then the load's flags
  local label=$1; shift
  lab "$label" "$@" --condition proactive,reactive,static "${CHOSEN[@]}" "${W[@]}"
  for t in 40 50 60 80 82 90; do lab "$label-hpa$t" "$@" --condition reactive --hpa-target "$t" "${W[@]}"; done
  [ "${CHOSEN[*]}" != "${CURRENT[*]}" ] && lab "$label-current-default" "$@" --condition proactive "${CURRENT[@]}" "${W[@]}"
  [ "${CHOSEN[*]}" != "${PREVIOUS[*]}" ] && lab "$label-previous-default" "$@" --condition proactive "${PREVIOUS[@]}" "${W[@]}"
  return 0
}

for p in constant ramp step spike mixed; do one "$p" --pattern "$p" --duration 10m --peak-rps 200; done
for p in constant ramp spike step; do one "gke-$p-run1" --pattern trace --trace "fixtures/sockshop-gke/runs/$p/run_1.csv" --peak-rps 200; done
VARIANTS=hpa40,hpa50,hpa60,hpa80,hpa82,hpa90
[ "${CHOSEN[*]}" != "${CURRENT[*]}" ] && VARIANTS+=,current-default
[ "${CHOSEN[*]}" != "${PREVIOUS[*]}" ] && VARIANTS+=,previous-default
export PROACTIVE="criterion v5's choice ($(cat "$HERE/chosen-flags.txt"))" VARIANTS
WARMUP=1 node experiments/2026-12-04-lab-policy/tables.mjs "$HERE/results/$SET" > "$HERE/results-$SET.md"
node experiments/2026-12-04-lab-policy/tables.mjs "$HERE/results/$SET" > "$HERE/results-$SET-whole-runs.md"
echo "wrote $HERE/results-$SET.md and $HERE/results-$SET-whole-runs.md" >&2
