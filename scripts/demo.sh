#!/usr/bin/env bash
# The main job: install, build, and replay the bundled real GKE recordings that the bundled models
# never saw in training (runs 3 and 6 of every load pattern) through features, the three ONNX models,
# majority voting and the scaling policy. No services needed. Extra arguments go to `sockml replay`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
node packages/cli/bin/run.js replay fixtures/sockshop-gke/runs/*/run_3.csv fixtures/sockshop-gke/runs/*/run_6.csv "$@"
