#!/usr/bin/env bash
# Criterion v8's judgement (docs/EXPERIMENTS.md, "Criterion v8"): seed 15000, never run before, the nine
# evaluation loads (five patterns, 10 min; the GKE recordings' run 1 as traces), 20 runs each, at 100, 150,
# 200 and 300 rps, counted after the 90 s warm-up. The chosen setting's flags are in chosen-flags.txt
# (criterion v5's score.py on this sweep, committed before this ran); beside it, on the same arrivals: the
# current default (criterion v6's choice) and the HPA at 40–90 % (for frontier.mjs). Run files go to $OUT
# (default /tmp/lab-v8); each lab.json is kept as results/fresh-15000/peak-<rps>/<load>[-variant].json;
# ../2026-12-07-criterion-v5/compare.mjs writes compare-peak-<rps>.md, ../2026-12-07-peak-load/frontier.mjs
# frontier-peak-<rps>.md.
#
#   python3 experiments/2026-12-05-hpa-floor/sweep.py experiments/2026-12-07-alert-anchor/candidates.txt \
#     --peaks 100,150,200,300 --with-traces --warmup 90s --jsonl experiments/2026-12-07-alert-anchor/sweep.jsonl  # the choice (~30 min)
#   python3 experiments/2026-12-07-criterion-v5/score.py experiments/2026-12-07-alert-anchor/sweep.jsonl
#   bash experiments/2026-12-07-alert-anchor/run.sh                                                        # the judgement (~10 min)
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/2026-12-07-alert-anchor
OUT=${OUT:-/tmp/lab-v8}
SEED=15000
REPEAT=20
read -r -a CHOSEN < "$HERE/chosen-flags.txt"
# The current default, spelt out (lab's defaults since criterion v6).
V6=(--hpa-floor 92 --rate-window 30s --policy-set targetUtilizationPct=130 --policy-set leadMs=30s --policy-set trendPolls=3 --policy-set midTierAttributionMinUtilization=0 --policy-set attributionMinUtilization=0.55 --policy-set midTierMinReplicas=2 --policy-set alertOverTargetPct=0)
sockml() { node packages/cli/bin/run.js "$@"; }
lab() { # peak, file name, then lab flags
  local peak=$1 name=$2; shift 2
  local dir="$HERE/results/fresh-$SEED/peak-$peak"
  mkdir -p "$dir"
  [ -f "$dir/$name.json" ] && return 0
  rm -rf "$OUT/$peak/$name"
  sockml lab "$@" --peak-rps "$peak" --warmup 90s --seed "$SEED" --repeat "$REPEAT" --out "$OUT/$peak/$name" --json > /dev/null
  cp "$OUT/$peak/$name/lab.json" "$dir/$name.json"
}
one() { # peak, label, then the load's flags
  local peak=$1 label=$2; shift 2
  lab "$peak" "$label" "$@" --condition proactive,reactive "${CHOSEN[@]}"
  [ "${CHOSEN[*]}" != "${V6[*]}" ] && lab "$peak" "$label-current-default" "$@" --condition proactive "${V6[@]}"
  for t in 40 50 60 80 90; do lab "$peak" "$label-hpa$t" "$@" --condition reactive --hpa-target "$t"; done
  echo "peak $peak $label done" >&2
}
for peak in ${PEAKS:-100 150 200 300}; do
  for p in constant ramp step spike mixed; do one "$peak" "$p" --pattern "$p" --duration 10m; done
  for p in constant ramp spike step; do one "$peak" "gke-$p-run1" --pattern trace --trace "fixtures/sockshop-gke/runs/$p/run_1.csv"; done
  dir="$HERE/results/fresh-$SEED/peak-$peak"
  CONFIGS="criterion v8's choice:,current default:-current-default" node experiments/2026-12-07-criterion-v5/compare.mjs "$dir" > "$HERE/compare-peak-$peak.md"
  { echo "criterion v8's choice ($(cat "$HERE/chosen-flags.txt")):"; node experiments/2026-12-07-peak-load/frontier.mjs "$dir" --bootstrap 2000
    if [ "${CHOSEN[*]}" != "${V6[*]}" ]; then echo; echo "the current default:"; node experiments/2026-12-07-peak-load/frontier.mjs "$dir" -current-default --bootstrap 2000; fi
  } > "$HERE/frontier-peak-$peak.md"
done
echo "wrote $HERE/compare-peak-*.md and frontier-peak-*.md" >&2
