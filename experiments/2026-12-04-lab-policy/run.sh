#!/usr/bin/env bash
# Every lab run behind README.md in this directory. The lab is deterministic: rerunning writes the same
# files, byte for byte. Run files go to $OUT (default /tmp/lab-policy); each invocation's lab.json (options,
# per-run counts, summary) is copied here under results/, and tables.mjs turns them into results.md.
#
#   bash experiments/2026-12-04-lab-policy/run.sh            # evaluation set (seed 2000) and GKE traces
#   SET=tuning bash experiments/2026-12-04-lab-policy/run.sh # the tuning set (seed 1000, 10 runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/2026-12-04-lab-policy
OUT=${OUT:-/tmp/lab-policy}
source experiments/lab-sets.sh

one() { # label, then the load's flags
  local label=$1; shift
  lab "$label" "$@" --condition proactive,reactive,static
  for t in 40 50 60 80 90; do lab "$label-hpa$t" "$@" --condition reactive --hpa-target "$t"; done
  # What each of the hybrid policy's parts adds: without the models' alerts, without the tail rule,
  # without the rate forecast; and the first policy (step).
  lab "$label-no-models" "$@" --condition proactive --policy-set alertMinUsage=1000000
  lab "$label-no-tail" "$@" --condition proactive --policy-set tailP99OverSlo=0
  lab "$label-no-forecast" "$@" --condition proactive --policy-set leadMs=0
  lab "$label-step" "$@" --condition proactive --policy step
}

for p in constant ramp step spike mixed; do one "$p" --pattern "$p" --duration 10m --peak-rps 200; done
if [ "$SET" = evaluation ]; then
  # The GKE recordings' front-end request rate as the load, each at its own length, scaled to 200 rps.
  for p in constant ramp spike step; do one "gke-$p-run1" --pattern trace --trace "fixtures/sockshop-gke/runs/$p/run_1.csv" --peak-rps 200; done
fi
node "$HERE/tables.mjs" "$HERE/results/$SET" > "$HERE/results-$SET.md"
echo "wrote $HERE/results-$SET.md" >&2
