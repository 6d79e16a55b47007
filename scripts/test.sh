#!/usr/bin/env bash
# The whole test suite from a fresh clone: Node dependencies and build, the Python trainer's packages
# (the ONNX parity and retraining tests need them), Kafka's jars, Prometheus and Chromium, the Kubernetes
# control plane (etcd from apt; kube-apiserver, kube-controller-manager, kubectl and kube-state-metrics
# built once from their Go modules, ~15 CPU-minutes, then cached in ~/.cache/sockml/k8s), then every
# test, unit and integration.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/setup-python.sh
bash scripts/kafka.sh fetch
command -v prometheus >/dev/null || { [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; } || echo "prometheus not installed (apt-get install prometheus): the collect integration tests need it" >&2
[ -x /usr/bin/chromium ] || { [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; } || echo "chromium not installed (apt-get install chromium): the experiment report test needs it" >&2
bash scripts/kube.sh build || echo "the Kubernetes control plane is not built (bash scripts/kube.sh build): the Kubernetes integration tests need it" >&2
npx vitest run "$@"
