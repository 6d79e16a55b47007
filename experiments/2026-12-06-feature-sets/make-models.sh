#!/usr/bin/env bash
# One model directory per feature set, each trained by the bundled procedure (best-F1 cuts) with its nested
# report, in $DIR (default /tmp/sockml-feature-sets): about 6 minutes per set on 2 cores.
#   bash experiments/2026-12-06-feature-sets/make-models.sh [trend-v1 trend-v2 trend-v3 trend-v4]
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=${DIR:-/tmp/sockml-feature-sets}
sets=("$@"); [ ${#sets[@]} -gt 0 ] || sets=(trend-v1 trend-v2 trend-v3 trend-v4)
mkdir -p "$DIR"
for fs in "${sets[@]}"; do
  rm -rf "${DIR:?}/$fs"
  node packages/cli/bin/run.js train --feature-set "$fs" --out-dir "$DIR/$fs" | tail -1
done
