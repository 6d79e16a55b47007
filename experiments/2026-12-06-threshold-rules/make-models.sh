#!/usr/bin/env bash
# Model directories for the threshold-rule comparison, in $DIR (default /tmp/sockml-threshold-rules):
#   f1             the bundled models (copied)
#   precision-0.7  `sockml train --threshold-rule precision:0.7`
#   recall-0.8     `sockml train --threshold-rule recall:0.8`
# Same feature set, data and hyperparameters: the ONNX files are byte for byte the bundled ones, only the
# cards' thresholds and weights differ. About 40 s per training on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=${DIR:-/tmp/sockml-threshold-rules}
rm -rf "$DIR"; mkdir -p "$DIR/f1"
cp models/*.onnx models/*.card.json "$DIR/f1/"
for rule in precision:0.7 recall:0.8; do
  node packages/cli/bin/run.js train --out-dir "$DIR/${rule/:/-}" --threshold-rule "$rule" --no-nested-report | tail -1
  for m in xgboost random_forest logistic_regression; do cmp -s "models/$m.onnx" "$DIR/${rule/:/-}/$m.onnx" || { echo "$m.onnx differs from the bundled one" >&2; exit 1; }; done
done
