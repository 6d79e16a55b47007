#!/usr/bin/env bash
# Every lab run behind README.md in this directory: sockml over an HPA that stays (--hpa-floor) against the
# HPA alone. The lab is deterministic: rerunning writes the same files, byte for byte. Run files go to $OUT
# (default /tmp/lab-hpa-floor); each invocation's lab.json is copied under results/, and
# ../2026-12-04-lab-policy/tables.mjs turns them into results-<set>.md.
#
#   bash experiments/2026-12-05-hpa-floor/run.sh            # evaluation set (seed 2000, 20 runs) and GKE traces
#   SET=tuning bash experiments/2026-12-05-hpa-floor/run.sh # the tuning set (seed 1000, 10 runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/2026-12-05-hpa-floor
OUT=${OUT:-/tmp/lab-hpa-floor}
source experiments/lab-sets.sh

# The candidate chosen on the tuning set (docs/EXPERIMENTS.md, "sockml over the HPA"): an HPA at 82 % CPU
# stays as the floor; sockml's hybrid policy at a base target of 130 % without the rate forecast adds the
# models' and the tail rule's replicas on top; collect's rates over 30 s.
POLICY=(--hpa-floor 82 --policy-set targetUtilizationPct=130 --policy-set leadMs=0)
FLOOR=("${POLICY[@]}" --rate-window 30s)

one() { # label, then the load's flags
  local label=$1; shift
  lab "$label" "$@" --condition proactive,reactive,static "${FLOOR[@]}"
  # The HPA sweep (82: the floor alone), and what sockml's parts add on top of the floor.
  for t in 40 50 60 80 82 90; do lab "$label-hpa$t" "$@" --condition reactive --hpa-target "$t"; done
  lab "$label-no-models" "$@" --condition proactive "${FLOOR[@]}" --policy-set alertMinUsage=1000000
  lab "$label-no-tail" "$@" --condition proactive "${FLOOR[@]}" --policy-set tailP99OverSlo=0
  lab "$label-window-1m" "$@" --condition proactive "${POLICY[@]}"
  lab "$label-hybrid" "$@" --condition proactive
}

for p in constant ramp step spike mixed; do one "$p" --pattern "$p" --duration 10m --peak-rps 200; done
if [ "$SET" = evaluation ]; then
  # The GKE recordings' front-end request rate as the load, each at its own length, scaled to 200 rps.
  for p in constant ramp spike step; do one "gke-$p-run1" --pattern trace --trace "fixtures/sockshop-gke/runs/$p/run_1.csv" --peak-rps 200; done
fi
PROACTIVE='hybrid over an HPA at 82 %' VARIANTS=hpa40,hpa50,hpa60,hpa80,hpa82,hpa90,no-models,no-tail,window-1m,hybrid \
  node experiments/2026-12-04-lab-policy/tables.mjs "$HERE/results/$SET" > "$HERE/results-$SET.md"
echo "wrote $HERE/results-$SET.md" >&2
