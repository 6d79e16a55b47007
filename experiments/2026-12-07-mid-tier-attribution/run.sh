#!/usr/bin/env bash
# Criterion v3 (docs/EXPERIMENTS.md, "Criterion v3"): the fresh evaluation set (seed 6000, 20 runs per load,
# the five bundled patterns and the GKE recordings' run 1 as traces), counted after a 90 s warm-up. It was
# first run for the default configuration (the choice was at first misread as the default); rule 3 chose
# entry attribution at 70 % with the mid-tier rule at 65 % (sweep-tuning-diagnosis.txt), run by CONFIG=chosen.
# Beside the default, as in
# 2026-12-06-attribution: the HPA at 40–90 %, static, the default without attribution and without the
# models' alerts. Run files go to $OUT (default /tmp/lab-mid-tier); each lab.json is copied under
# results/$SET; ../2026-12-04-lab-policy/tables.mjs writes results-<set>.md (after the warm-up) and
# results-<set>-whole-runs.md. Deterministic: rerunning writes the same files.
#
#   SET=fresh-6000 bash experiments/2026-12-07-mid-tier-attribution/run.sh   # 10–20 min on 2 cores
#   CONFIG=chosen SET=fresh-6000 bash experiments/2026-12-07-mid-tier-attribution/run.sh  # rule 3's choice (below); also SET=evaluation
#   python3 experiments/2026-12-05-hpa-floor/sweep.py experiments/2026-12-07-mid-tier-attribution/candidates.txt --warmup 90s --with-diagnosis  # the choice (~4 min)
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/2026-12-07-mid-tier-attribution
OUT=${OUT:-/tmp/lab-mid-tier}
SET=${SET:-fresh-6000}
source experiments/lab-sets.sh

W=(--warmup 90s)
# The defaults, spelt out (docs/POLICIES.md, "The defaults"), so that a later change of defaults does not change this run.
CHOSEN=(--hpa-floor 82 --rate-window 30s --policy-set targetUtilizationPct=130 --policy-set leadMs=30s --policy-set trendPolls=3 --policy-set attributionMinUtilization=0.65 --policy-set midTierAttributionMinUtilization=0 --policy-set midTierMinReplicas=0)

# CONFIG=chosen: what criterion v3's rule 3 chose (entry attribution at 70 %, the mid-tier rule at 65 %),
# into chosen/results/$SET. The HPA's runs do not depend on sockml's flags, so they are copied from the
# default's results of the same set (the seed-2000 set's from 2026-12-06-attribution), and the default's own
# proactive runs become the `previous-default` column.
if [ "${CONFIG:-default}" = chosen ]; then
  CHOSEN=(--hpa-floor 82 --rate-window 30s --policy-set targetUtilizationPct=130 --policy-set leadMs=30s --policy-set trendPolls=3 --policy-set attributionMinUtilization=0.7 --policy-set midTierAttributionMinUtilization=0.65 --policy-set midTierMinReplicas=0)
  FROM=$HERE/results/$SET; [ "$SET" = evaluation ] && FROM=experiments/2026-12-06-attribution/results/evaluation
  HERE=$HERE/chosen; mkdir -p "$HERE/results/$SET"
  for f in "$FROM"/*.json; do
    b=$(basename "$f" .json)
    case "$b" in
      *-hpa*) cp -n "$f" "$HERE/results/$SET/" ;;
      *-no-*) ;;
      *) cp -n "$f" "$HERE/results/$SET/$b-previous-default.json" ;;
    esac
  done
fi

one() { # label, then the load's flags
  local label=$1; shift
  lab "$label" "$@" --condition proactive,reactive,static "${CHOSEN[@]}" "${W[@]}"
  for t in 40 50 60 80 82 90; do lab "$label-hpa$t" "$@" --condition reactive --hpa-target "$t" "${W[@]}"; done
  [ "${CONFIG:-default}" = chosen ] && return
  lab "$label-no-attribution" "$@" --condition proactive "${CHOSEN[@]}" --policy-set attributionMinUtilization=0 "${W[@]}"
  lab "$label-no-models" "$@" --condition proactive "${CHOSEN[@]}" --policy-set alertMinUsage=1000000 "${W[@]}"
}

for p in constant ramp step spike mixed; do one "$p" --pattern "$p" --duration 10m --peak-rps 200; done
if [ "$SET" != tuning ]; then
  for p in constant ramp spike step; do one "gke-$p-run1" --pattern trace --trace "fixtures/sockshop-gke/runs/$p/run_1.csv" --peak-rps 200; done
fi
export PROACTIVE='sockml, the default configuration' VARIANTS=hpa40,hpa50,hpa60,hpa80,hpa82,hpa90,no-attribution,no-models
[ "${CONFIG:-default}" = chosen ] && export PROACTIVE="criterion v3's choice (attribution 70 %, mid-tier 65 %)" VARIANTS=hpa40,hpa50,hpa60,hpa80,hpa82,hpa90,previous-default
WARMUP=1 node experiments/2026-12-04-lab-policy/tables.mjs "$HERE/results/$SET" > "$HERE/results-$SET.md"
node experiments/2026-12-04-lab-policy/tables.mjs "$HERE/results/$SET" > "$HERE/results-$SET-whole-runs.md"
echo "wrote $HERE/results-$SET.md and $HERE/results-$SET-whole-runs.md" >&2
