#!/usr/bin/env bash
# The lab compressed as the real-time runs are (lab --time-scale 5) against the lab uncompressed and the real-time
# set (experiments/2026-12-04-realtime/criterion-v9: seed 12000, 10 runs, step and ramp at 200 rps, the default
# configuration), and the uncompressed real-time runs (results/uncompressed/, from
# `bash experiments/2026-12-04-realtime/run.sh uncompressed`, ~55 min, not rerun here). Deterministic lab runs,
# with calmPolls=0 as the real-time sets ran (the default until 2026-12-08).
#   bash experiments/2026-12-07-compression/run.sh      # ~1 min on 2 cores; results/, by-service.txt, per-run.txt, per-run-hpa.txt
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/2026-12-07-compression
OUT=${OUT:-/tmp/compression}
mkdir -p "$HERE/results" "$OUT/as-lag"
for p in step ramp; do
  for k in 1 5; do
    rm -rf "$OUT/$p-$k"
    node packages/cli/bin/run.js lab --pattern "$p" --duration 10m --peak-rps 200 --seed 12000 --repeat 10 \
      --condition proactive,reactive --warmup 90s --time-scale "$k" --policy-set calmPolls=0 --out "$OUT/$p-$k" --json > "$HERE/results/$p-$k.json"
  done
  # pipeline-lag's per-service comparison reads <dir>/<pattern>-0s: the lab at 5× in that place.
  ln -sfn "../$p-5" "$OUT/as-lag/$p-0s"
done
python3 experiments/2026-12-07-pipeline-lag/by-service.py experiments/2026-12-04-realtime/criterion-v9 "$OUT/as-lag" > "$HERE/by-service.txt"
python3 "$HERE/per-run.py" --condition reactive 3 "lab 1x=$OUT/step-1" "real time 1x=$HERE/results/uncompressed-hpa/step" "real time 5x=experiments/2026-12-04-realtime/criterion-v9/step" "lab 5x=$OUT/step-5" > "$HERE/per-run-hpa.txt"
python3 "$HERE/per-run.py" 5 "lab 1x=$OUT/step-1" "lab 5x=$OUT/step-5" "real time 5x=experiments/2026-12-04-realtime/criterion-v9/step" \
  "real time 1x=$HERE/results/uncompressed/step" > "$HERE/per-run.txt"
python3 "$HERE/replica-seconds.py" 3 "real time 1x=$HERE/results/uncompressed/step,$HERE/results/uncompressed-hpa/step" \
  "real time 5x=experiments/2026-12-04-realtime/criterion-v9/step,experiments/2026-12-04-realtime/criterion-v9/step" "lab 1x=$OUT/step-1,$OUT/step-1" >> "$HERE/per-run-hpa.txt"
# Section 3: ramp uncompressed, both conditions interleaved (results/uncompressed-ramp/, from
# `bash experiments/2026-12-04-realtime/run.sh uncompressed-ramp`, ~65 min, not rerun here).
RT=$HERE/results/uncompressed-ramp/ramp
RT5=experiments/2026-12-04-realtime/criterion-v9/ramp
{ python3 "$HERE/per-run.py" 3 "lab 1x=$OUT/ramp-1" "real time 1x=$RT" "real time 5x=$RT5" "lab 5x=$OUT/ramp-5"
  python3 "$HERE/per-run.py" --condition reactive 3 "lab 1x=$OUT/ramp-1" "real time 1x=$RT" "real time 5x=$RT5" "lab 5x=$OUT/ramp-5"
  python3 "$HERE/replica-seconds.py" 3 "real time 1x=$RT,$RT" "real time 5x=$RT5,$RT5" "lab 1x=$OUT/ramp-1,$OUT/ramp-1"
} > "$HERE/per-run-ramp.txt"
cat "$HERE/per-run.txt" "$HERE/per-run-hpa.txt" "$HERE/per-run-ramp.txt"
