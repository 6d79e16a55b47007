#!/usr/bin/env bash
# The default at peak loads it was not tuned on (every tuning and judgement set ran at 200 rps): the nine
# evaluation loads (five patterns, 10 min; the GKE recordings' run 1 as traces) at PEAKS (default 100, 150
# and 300 rps), seed 17000 (never run), 20 runs, the default proactive configuration and the HPA at 70 % on
# the same arrivals, counted after the 90 s warm-up. Not a criterion: nothing is chosen from it. Each
# lab.json is kept as results/peak-<rps>/<load>.json; ../2026-12-07-criterion-v5/compare.mjs then reads a
# peak's directory (compare-peak-<rps>.md).
#   bash experiments/2026-12-07-peak-load/run.sh   (~3 min on a quiet machine)
# --hpa-floor 92: the default when this ran (a uniform floor; since criterion v9 the default floor is per service).
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/2026-12-07-peak-load
OUT=${OUT:-/tmp/lab-peak}
SEED=17000
REPEAT=20
sockml() { node packages/cli/bin/run.js "$@"; }
one() { # peak, label, then the load's flags
  local peak=$1 label=$2; shift 2
  local dir="$HERE/results/peak-$peak"
  mkdir -p "$dir"
  [ -f "$dir/$label.json" ] && return 0
  rm -rf "$OUT/$peak/$label"
  sockml lab "$@" --peak-rps "$peak" --condition proactive,reactive --hpa-floor 92 --warmup 90s --seed "$SEED" --repeat "$REPEAT" --out "$OUT/$peak/$label" --json > /dev/null
  cp "$OUT/$peak/$label/lab.json" "$dir/$label.json"
  echo "peak $peak $label done" >&2
}
# The HPA's own cost/violation curve on the same arrivals (added after the first table: frontier.mjs asks
# whether sockml is below it, i.e. has fewer violations than the HPA at the same cost).
hpas() { # peak, label, then the load's flags
  local peak=$1 label=$2; shift 2
  local dir="$HERE/results/peak-$peak" t
  for t in 40 50 60 80 90; do
    [ -f "$dir/$label-hpa$t.json" ] && continue
    rm -rf "$OUT/$peak/$label-hpa$t"
    sockml lab "$@" --peak-rps "$peak" --condition reactive --hpa-target "$t" --warmup 90s --seed "$SEED" --repeat "$REPEAT" --out "$OUT/$peak/$label-hpa$t" --json > /dev/null
    cp "$OUT/$peak/$label-hpa$t/lab.json" "$dir/$label-hpa$t.json"
  done
  echo "peak $peak $label: HPA targets done" >&2
}
for peak in ${PEAKS:-100 150 300}; do
  for p in constant ramp step spike mixed; do one "$peak" "$p" --pattern "$p" --duration 10m; done
  for p in constant ramp spike step; do one "$peak" "gke-$p-run1" --pattern trace --trace "fixtures/sockshop-gke/runs/$p/run_1.csv"; done
  for p in constant ramp step spike mixed; do hpas "$peak" "$p" --pattern "$p" --duration 10m; done
  for p in constant ramp spike step; do hpas "$peak" "gke-$p-run1" --pattern trace --trace "fixtures/sockshop-gke/runs/$p/run_1.csv"; done
  CONFIGS="the default:" node experiments/2026-12-07-criterion-v5/compare.mjs "$HERE/results/peak-$peak" > "$HERE/compare-peak-$peak.md"
done
