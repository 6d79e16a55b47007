#!/usr/bin/env bash
# What the live pipeline's lag costs sockml in the closed loop (experiments/2026-12-07-pipeline-lag/README.md):
# the lab on the real-time set's seed and runs (seed 12000, 10 runs, step and ramp at 200 rps, after a 90 s
# warm-up), with sockml's replica changes acting 0–25 s after its poll (lab --actuation-lag). Then, per service
# and run, the real-time set's violations beside the lab's at lag 0 (same arrivals, run for run). The lab runs
# every time (their files in $OUT are what by-service.py and decisions.py read; deterministic, so results/ is
# rewritten byte for byte).
#   bash experiments/2026-12-07-pipeline-lag/run.sh      # ~2 min on 2 cores
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/2026-12-07-pipeline-lag
OUT=${OUT:-/tmp/pipeline-lag}
mkdir -p "$HERE/results"
for p in step ramp; do
  for lag in 0s 2s 5s 10s 15s 20s 25s; do
    rm -rf "$OUT/$p-$lag"
    node packages/cli/bin/run.js lab --pattern "$p" --duration 10m --peak-rps 200 --seed 12000 --repeat 10 \
      --condition proactive,reactive --warmup 90s --actuation-lag "$lag" --out "$OUT/$p-$lag" --json > "$HERE/results/$p-$lag.json"
  done
done
python3 "$HERE/lag-table.py" "$HERE/results" > "$HERE/lag-table.txt"
python3 "$HERE/by-service.py" experiments/2026-12-04-realtime/criterion-v9 "$OUT" > "$HERE/by-service.txt"
python3 "$HERE/decisions.py" experiments/2026-12-04-realtime/criterion-v9/step "$OUT/step-0s" experiments/2026-12-04-realtime/criterion-v9/ramp "$OUT/ramp-0s" > "$HERE/decisions.txt"
cat "$HERE/lag-table.txt" "$HERE/by-service.txt" "$HERE/decisions.txt"
