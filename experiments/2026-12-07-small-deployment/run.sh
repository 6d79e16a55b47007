#!/usr/bin/env bash
# A probe at 100 rps (issue 10: the default meets the goal on no load at 100 rps, with fewer violations but
# 9-19 % dearer): on the tuning seed (1000) only, what the standing additions cost and buy, and whether
# removing them could meet the goal at all. Not a criterion: nothing is chosen or judged here.
# Variants (each one lab invocation per load, proactive and reactive on the same arrivals):
#   default          the lab's default (criterion v9: floor per service, orders at two replicas, attribution 55 %)
#   no-orders-min    without orders' minimum of two (midTierMinReplicas=0)
#   uniform          the uniform 92 % floor (criterion v6's)
#   uniform-lean     the uniform floor without orders' minimum
#   bare             the uniform floor, no orders minimum, no callee attribution: sockml's forecast and models only
#   bash experiments/2026-12-07-small-deployment/run.sh      (~5 min; results/<variant>/, compare-100.md)
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/2026-12-07-small-deployment
OUT=${OUT:-/tmp/small-deployment}
PEAK=${PEAK:-100}
sockml() { node packages/cli/bin/run.js "$@"; }
declare -A VARIANTS=(
  [default]=""
  [no-orders-min]="--policy-set midTierMinReplicas=0"
  [uniform]="--hpa-floor 92"
  [uniform-lean]="--hpa-floor 92 --policy-set midTierMinReplicas=0"
  [bare]="--hpa-floor 92 --policy-set midTierMinReplicas=0 --policy-set attributionMinUtilization=0"
)
ORDER=(default no-orders-min uniform uniform-lean bare)
for v in "${ORDER[@]}"; do
  dir="$HERE/results/peak-$PEAK/$v"
  mkdir -p "$dir"
  read -r -a flags <<< "${VARIANTS[$v]}"
  run() { # name, then the load's flags
    local name=$1; shift
    [ -f "$dir/$name.json" ] && return 0
    rm -rf "$OUT/$PEAK/$v/$name"
    sockml lab "$@" --condition proactive,reactive --peak-rps "$PEAK" --warmup 90s --seed 1000 --repeat 10 "${flags[@]}" --out "$OUT/$PEAK/$v/$name" --json > /dev/null
    cp "$OUT/$PEAK/$v/$name/lab.json" "$dir/$name.json"
  }
  for p in constant ramp step spike mixed; do run "$p" --pattern "$p" --duration 10m; done
  for p in constant ramp spike step; do run "gke-$p-run1" --pattern trace --trace "fixtures/sockshop-gke/runs/$p/run_1.csv"; done
  echo "$v done" >&2
done
{ for v in "${ORDER[@]}"; do echo "## $v"; CONFIGS="$v:" node experiments/2026-12-07-criterion-v5/compare.mjs "$HERE/results/peak-$PEAK/$v"; echo; done; } > "$HERE/compare-$PEAK.md"
for v in "${ORDER[@]}"; do python3 "$HERE/replicas-by-service.py" "$OUT/$PEAK/$v"/step "$OUT/$PEAK/$v"/constant; done > "$HERE/replicas-$PEAK.txt"
echo "wrote $HERE/compare-$PEAK.md and replicas-$PEAK.txt" >&2
