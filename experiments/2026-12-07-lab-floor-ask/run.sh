#!/usr/bin/env bash
# The default re-run after the lab fix of 2026-12-07 (README.md): seed 13000 at 200 rps (criterion v7's
# judgement set) and seed 17000 at 100, 150 and 300 rps (the peak-load check), the nine evaluation loads,
# 20 runs, the default against the HPA at 70 %, after the 90 s warm-up. Writes compare-*.md (~2 min).
#   bash experiments/2026-12-07-lab-floor-ask/run.sh
# --hpa-floor 92: the default when this ran (a uniform floor; since criterion v9 the default floor is per service).
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/2026-12-07-lab-floor-ask
OUT=${OUT:-/tmp/lab-floor-ask}
sockml() { node packages/cli/bin/run.js "$@"; }
for set in 13000:200 17000:100 17000:150 17000:300; do
  seed=${set%:*} peak=${set#*:} dir="$OUT/$seed-$peak"
  mkdir -p "$dir"
  for p in constant ramp step spike mixed; do
    sockml lab --pattern "$p" --duration 10m --peak-rps "$peak" --seed "$seed" --repeat 20 --condition proactive,reactive --hpa-floor 92 --warmup 90s --out "$dir/o" --json > "$dir/$p.json"; rm -rf "$dir/o"
  done
  for p in constant ramp spike step; do
    sockml lab --pattern trace --trace "fixtures/sockshop-gke/runs/$p/run_1.csv" --peak-rps "$peak" --seed "$seed" --repeat 20 --condition proactive,reactive --hpa-floor 92 --warmup 90s --out "$dir/o" --json > "$dir/gke-$p-run1.json"; rm -rf "$dir/o"
  done
  CONFIGS="the default (fixed lab):" node experiments/2026-12-07-criterion-v5/compare.mjs "$dir" > "$HERE/compare-fresh-$seed-peak-$peak.md"
  echo "seed $seed at $peak rps done" >&2
done
