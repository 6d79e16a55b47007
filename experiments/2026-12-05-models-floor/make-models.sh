#!/usr/bin/env bash
# Model directories for the models-under-the-floor comparison (tuning set only), in $DIR
# (default /tmp/sockml-models-floor):
#   seed-v1-xF   the bundled models (seed-v1, not nested; best-F1 cuts on pooled LORO), every card's
#                threshold multiplied by F (0.5, 0.75, 1.25, 1.5): more alerts below 1, fewer above
#   trend-v4     the nested-CV trainer's models of commit f4922d5 (issue 11; taken out of main in 94d5d60):
#                held-out precision 0.690 instead of 0.549, onsets caught early 13 instead of 19 of 34
#   trend-v4-x0.5  the same with every card threshold halved
# Thresholds are the only thing changed; the ONNX files are byte for byte the committed ones.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=${DIR:-/tmp/sockml-models-floor}
rm -rf "$DIR"; mkdir -p "$DIR/seed-v1" "$DIR/trend-v4"
for m in xgboost random_forest logistic_regression; do
  cp "models/$m.onnx" "models/$m.card.json" "$DIR/seed-v1/"
  for e in onnx card.json; do git show "f4922d5:models/$m.$e" > "$DIR/trend-v4/$m.$e"; done
done
scale() { # SRC FACTOR -> SRC-xFACTOR
  local out="$1-x$2"; mkdir -p "$out"; cp "$1"/*.onnx "$out/"
  for c in "$1"/*.card.json; do
    python3 - "$c" "$2" > "$out/$(basename "$c")" <<'PY'
import json, sys
card = json.load(open(sys.argv[1])); f = float(sys.argv[2])
card['threshold'] = min(0.99, card['threshold'] * f)
print(json.dumps(card, indent=2))
PY
  done
}
for f in 0.5 0.75 1.25 1.5; do scale "$DIR/seed-v1" $f; done
scale "$DIR/trend-v4" 0.5
ls "$DIR"
