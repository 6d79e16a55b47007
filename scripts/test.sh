#!/usr/bin/env bash
# The whole test suite from a fresh clone: Node dependencies and build, the Python trainer's packages
# (the ONNX parity and retraining tests need them), then every test, unit and integration.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/setup-python.sh
bash scripts/kafka.sh fetch
npx vitest run "$@"
