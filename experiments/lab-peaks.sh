# Sourced by the judgement scripts of criteria chosen at several peaks (v8: 2026-12-07-alert-anchor, v9:
# 2026-12-07-service-floor): the nine evaluation loads (five patterns, 10 min; the GKE recordings' run 1 as
# traces), REPEAT runs each, at PEAKS (default 100 150 200 300 rps), counted after the 90 s warm-up. The chosen
# setting's flags are in $HERE/chosen-flags.txt (committed before the judgement runs); beside it, on the same
# arrivals: the current default (the flags in the array CURRENT_DEFAULT if the sourcing script sets it, e.g.
# CURRENT_DEFAULT=() for the lab's no-flag default; otherwise criterion v6's choice, spelt out, V6 below, as v8
# and v9 ran it) and the HPA at 40–90 % (for frontier.mjs).
# Each lab.json is kept as $HERE/results/fresh-$SEED/peak-<rps>/<load>[-variant].json (skipped when it exists:
# delete it to rerun); ../2026-12-07-criterion-v5/compare.mjs writes $HERE/compare-peak-<rps>.md,
# ../2026-12-07-peak-load/frontier.mjs $HERE/frontier-peak-<rps>.md.
# Needs HERE (the experiment's directory), SEED, OUT (where run files go) and CHOICE (the choice's column name).
REPEAT=${REPEAT:-20}
read -r -a CHOSEN < "$HERE/chosen-flags.txt"
# Criterion v6's default, spelt out: the lab's default from criterion v6 until criterion v9 made the floor
# per service (criteria v8 and v9 were judged against it; a later criterion's current default is the lab's
# no-flag default).
V6=(--hpa-floor 92 --rate-window 30s --policy-set targetUtilizationPct=130 --policy-set leadMs=30s --policy-set trendPolls=3 --policy-set midTierAttributionMinUtilization=0 --policy-set attributionMinUtilization=0.55 --policy-set midTierMinReplicas=2 --policy-set alertOverTargetPct=0 --policy-set calmPolls=0)
# Set by the sourcing script (criterion v10 on: the lab's no-flag default, CURRENT_DEFAULT=()), or V6 as before.
declare -p CURRENT_DEFAULT > /dev/null 2>&1 || CURRENT_DEFAULT=("${V6[@]}")
# Flags added to both sockml columns (the choice and the current default) so a judgement reruns as it ran: the
# judgements before criterion v12's decision (2026-12-08) ran the lab's calmPolls of 0 and set AS_RUN=(--policy-set
# calmPolls=0); a later one leaves it empty.
declare -p AS_RUN > /dev/null 2>&1 || AS_RUN=()
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
  lab "$peak" "$label" "$@" --condition proactive,reactive "${CHOSEN[@]}" ${AS_RUN[@]+"${AS_RUN[@]}"}
  [ "${CHOSEN[*]}" != "${CURRENT_DEFAULT[*]}" ] && lab "$peak" "$label-current-default" "$@" --condition proactive ${CURRENT_DEFAULT[@]+"${CURRENT_DEFAULT[@]}"} ${AS_RUN[@]+"${AS_RUN[@]}"}
  for t in 40 50 60 80 90; do lab "$peak" "$label-hpa$t" "$@" --condition reactive --hpa-target "$t"; done
  echo "peak $peak $label done" >&2
}
for peak in ${PEAKS:-100 150 200 300}; do
  for p in constant ramp step spike mixed; do one "$peak" "$p" --pattern "$p" --duration 10m; done
  for p in constant ramp spike step; do one "$peak" "gke-$p-run1" --pattern trace --trace "fixtures/sockshop-gke/runs/$p/run_1.csv"; done
  dir="$HERE/results/fresh-$SEED/peak-$peak"
  CONFIGS="$CHOICE:,current default:-current-default" node experiments/2026-12-07-criterion-v5/compare.mjs "$dir" > "$HERE/compare-peak-$peak.md"
  { echo "$CHOICE ($(cat "$HERE/chosen-flags.txt")):"; node experiments/2026-12-07-peak-load/frontier.mjs "$dir" --bootstrap 2000
    if [ "${CHOSEN[*]}" != "${CURRENT_DEFAULT[*]}" ]; then echo; echo "the current default:"; node experiments/2026-12-07-peak-load/frontier.mjs "$dir" -current-default --bootstrap 2000; fi
  } > "$HERE/frontier-peak-$peak.md"
done
echo "wrote $HERE/compare-peak-*.md and frontier-peak-*.md" >&2
