#!/usr/bin/env bash
# A real Kubernetes control plane for tests and CI, without Docker, kind or a node: etcd, kube-apiserver
# and kube-controller-manager on 127.0.0.1 (what controller-runtime's envtest runs, plus the controller
# manager, so Deployments get ReplicaSets and HorizontalPodAutoscalers act). No kubelet: pods stay Pending.
#
#   bash scripts/kube.sh build                        # etcd + the binaries (idempotent, instant when cached)
#   bash scripts/kube.sh start --dir D [--parent-pid PID]   # prints the admin kubeconfig's path
#   bash scripts/kube.sh stop --dir D
#   bash scripts/kube.sh bin                          # prints the directory of the built binaries
#
# build: etcd comes from Debian's package etcd-server (apt-get install, as root); kube-apiserver,
# kube-controller-manager and kubectl are built from the Go module k8s.io/kubernetes at the release
# pinned in scripts/kube/kubernetes/go.mod (checksums in its go.sum), and kube-state-metrics (which the
# experiment runner's Prometheus reads replicas from on a cluster) from k8s.io/kube-state-metrics/v2 as
# pinned in scripts/kube/kube-state-metrics/go.mod, into ${SOCKML_K8S_CACHE:-~/.cache/sockml/k8s}/<release>/bin,
# once: later builds find the stamp and return. Measured: ~12 CPU-minutes for the three Kubernetes
# programs and ~3 for kube-state-metrics from a cold Go cache, 2.1 GB peak memory (docs/BENCHMARKS.md).
# kubectl is built from the same release because Debian's kubernetes-client (1.20) is 16 minor versions
# older than the server, outside kubectl's supported skew of one.
#
# start: generates a CA, the API server's serving certificate (127.0.0.1, localhost, kubernetes.default…),
# client certificates for an admin (group system:masters) and for the controller manager
# (system:kube-controller-manager, bound by the API server's bootstrap RBAC), and the service-account
# signing key pair (openssl, EC P-256), then starts etcd (plain HTTP, loopback only), the API server
# (RBAC, service-account tokens issued through the TokenRequest API) and the controller manager
# (service accounts, Deployments, ReplicaSets, HorizontalPodAutoscalers synced every second; each
# controller as its own ServiceAccount under the bootstrap RBAC, as kubeadm runs it), each on a
# free port, and returns once the API server is ready and the controller manager has created the
# default ServiceAccount. D gets: admin.kubeconfig, the certificates, etcd/ (data), *.log, *.pid, ports.
# --parent-pid: a watcher stops all three when that process is gone.
# stop: SIGTERM (controller manager, API server, then etcd), SIGKILL after 15 s.
# The TypeScript side for tests is packages/cli/src/testing/kube-control-plane.ts.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
MODULES="$REPO/scripts/kube"
K8S_VERSION="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2 }' "$MODULES/kubernetes/go.mod")"
KSM_VERSION="$(awk '$1 == "k8s.io/kube-state-metrics/v2" && $2 ~ /^v/ { print $2 }' "$MODULES/kube-state-metrics/go.mod")"
[[ $K8S_VERSION == v1.* && $KSM_VERSION == v2.* ]] || { echo "kube.sh: no k8s.io/kubernetes or kube-state-metrics version in $MODULES/*/go.mod" >&2; exit 1; }
CACHE="${SOCKML_K8S_CACHE:-$HOME/.cache/sockml/k8s}/$K8S_VERSION"
BIN="$CACHE/bin"
ETCD="${SOCKML_ETCD_BIN:-/usr/bin/etcd}"
COMMANDS=(kube-apiserver kube-controller-manager kubectl kube-state-metrics)

die() { echo "kube.sh: $*" >&2; exit 1; }
# shellcheck source=lib/processes.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/processes.sh"

usage() {
  sed -n '6,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ---------------------------------------------------------------------------------------------- build
# What the binaries are built from: the module files, the Go version and this script's build function
# (its flags). A change rebuilds.
stamp_text() {
  local how
  how=$(sed -n '/^build() {/,/^}/p' "$0" | sha256sum | cut -c1-12)
  echo "$K8S_VERSION $KSM_VERSION $(go env GOVERSION) $(cat "$MODULES"/*/go.mod "$MODULES"/*/go.sum | sha256sum | cut -c1-16) build:$how ${COMMANDS[*]}"
}

install_etcd() {
  [[ -x $ETCD ]] && return 0
  [[ $(id -u) == 0 ]] || die "$ETCD not found: apt-get install etcd-server (needs root)"
  echo "kube.sh: installing Debian's etcd-server" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server >/dev/null
  [[ -x $ETCD ]] || die "etcd-server installed but $ETCD is missing"
}

build() {
  install_etcd
  command -v go >/dev/null || die "build needs Go on PATH (scripts/kube/go.mod names the version)"
  local stamp
  stamp=$(stamp_text)
  if [[ -f "$BIN/.stamp" && "$(cat "$BIN/.stamp")" == "$stamp" ]]; then return 0; fi
  mkdir -p "$CACHE"
  # Several test workers (or a CI step and a test) may build at once: one does the work, the others wait.
  exec 9>"$CACHE/build.lock"
  flock 9
  if [[ -f "$BIN/.stamp" && "$(cat "$BIN/.stamp")" == "$stamp" ]]; then exec 9>&-; return 0; fi
  local minor=${K8S_VERSION#v1.} t0=$SECONDS
  minor=${minor%%.*}
  # The version the binaries report (/version, kubectl version): what `make` stamps from git, here from go.mod.
  local ldflags="-s -w"
  local pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  echo "kube.sh: building ${COMMANDS[*]} from k8s.io/kubernetes $K8S_VERSION and kube-state-metrics $KSM_VERSION into $BIN (once: about 15 CPU-minutes)" >&2
  rm -rf "$BIN.tmp"
  mkdir -p "$BIN.tmp"
  : >"$CACHE/build.log"
  # One go build for the three Kubernetes programs: they share most packages, compiled once.
  if ! (cd "$MODULES/kubernetes" && GOFLAGS="-mod=readonly -buildvcs=false" go build -trimpath -ldflags "$ldflags" -o "$BIN.tmp/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl) >>"$CACHE/build.log" 2>&1 ||
    ! (cd "$MODULES/kube-state-metrics" && GOFLAGS="-mod=readonly -buildvcs=false" go build -trimpath -o "$BIN.tmp/kube-state-metrics" \
      -ldflags "-s -w -X github.com/prometheus/common/version.Version=$KSM_VERSION" k8s.io/kube-state-metrics/v2) >>"$CACHE/build.log" 2>&1; then
    tail -n 40 "$CACHE/build.log" >&2
    die "building the control plane failed (log: $CACHE/build.log)"
  fi
  for pkg in "${COMMANDS[@]}"; do [[ -x "$BIN.tmp/$pkg" ]] || die "$pkg missing after the build (log: $CACHE/build.log)"; done
  echo "$stamp" >"$BIN.tmp/.stamp"
  rm -rf "$BIN"
  mv "$BIN.tmp" "$BIN"
  echo "kube.sh: built ${COMMANDS[*]} in $((SECONDS - t0)) s ($BIN)" >&2
  exec 9>&-
}

# ---------------------------------------------------------------------------------------------- helpers
read_pid() { [[ -f "$1/$2.pid" ]] && cat "$1/$2.pid" || true; }

# A key pair (EC P-256) and a certificate for it signed by the test CA: name, subject, extensions.
issue() {
  local dir=$1 name=$2 subject=$3 ext=$4
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/$name.key" 2>/dev/null
  openssl req -new -key "$dir/$name.key" -subj "$subject" -out "$dir/$name.csr" 2>/dev/null
  printf '%b\n' "$ext" >"$dir/$name.ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 30 \
    -extfile "$dir/$name.ext" -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}

certificates() {
  local dir=$1
  [[ -f "$dir/sa.pub" ]] && return 0 # a restart on the same dir keeps its identities
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$dir/ca.key" -subj "/CN=sockml-test-ca" -days 30 -out "$dir/ca.crt" 2>/dev/null
  issue "$dir" apiserver "/CN=kube-apiserver" \
    'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth'
  issue "$dir" admin "/O=system:masters/CN=sockml-admin" 'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth'
  issue "$dir" controller-manager "/CN=system:kube-controller-manager" 'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth'
  # The key the API server signs service-account tokens with, and the public half it verifies them with.
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/sa.key" 2>/dev/null
  openssl ec -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
  chmod 600 "$dir"/*.key
}

kubeconfig() {
  local dir=$1 user=$2 port=$3
  cat >"$dir/$user.kubeconfig" <<EOF
# Written by scripts/kube.sh start.
apiVersion: v1
kind: Config
clusters:
  - name: sockml-test
    cluster:
      server: https://127.0.0.1:$port
      certificate-authority: $dir/ca.crt
users:
  - name: $user
    user:
      client-certificate: $dir/$user.crt
      client-key: $dir/$user.key
contexts:
  - name: $user@sockml-test
    context:
      cluster: sockml-test
      user: $user
current-context: $user@sockml-test
EOF
}

# Starts "$@" in its own session with stdio to D/NAME.log and its pid in D/NAME.pid.
launch() {
  local dir=$1 name=$2
  shift 2
  echo "--- $(date -u +%FT%TZ) start" >>"$dir/$name.log"
  setsid "$@" </dev/null >>"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
}

failed_start() {
  local dir=$1 what=$2 log=$3
  echo "kube.sh: $what; last lines of $dir/$log.log:" >&2
  tail -n 25 "$dir/$log.log" >&2
  stop --dir "$dir" >/dev/null 2>&1 || true
  exit 1
}

# Waits until "$@" succeeds (0.2 s steps), checking that the process NAME still runs.
wait_until() {
  local dir=$1 name=$2 what=$3 timeout=$4
  shift 4
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    alive "$(read_pid "$dir" "$name")" || failed_start "$dir" "$name exited while starting" "$name"
    ((SECONDS < deadline)) || failed_start "$dir" "$what not within $timeout s" "$name"
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------- start
start() {
  local dir="" parent=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      --dir) dir=$2; shift 2 ;;
      --parent-pid) parent=$2; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ -n $dir ]] || usage
  build
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  local name
  for name in etcd kube-apiserver kube-controller-manager; do
    if alive "$(read_pid "$dir" "$name")"; then die "$name is already running from $dir; run: bash scripts/kube.sh stop --dir $dir"; fi
  done
  certificates "$dir"
  local etcd_port peer_port port
  etcd_port=$(free_port)
  peer_port=$(free_port)
  port=$(free_port)
  [[ $etcd_port != "$peer_port" && $port != "$etcd_port" && $port != "$peer_port" ]] || die "port clash, try again"
  printf 'etcd=%s\netcd-peer=%s\napiserver=%s\n' "$etcd_port" "$peer_port" "$port" >"$dir/ports"
  kubeconfig "$dir" admin "$port"
  kubeconfig "$dir" controller-manager "$port"

  local timeout=${SOCKML_K8S_START_TIMEOUT:-120}
  launch "$dir" etcd "$ETCD" --name sockml-test --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "sockml-test=http://127.0.0.1:$peer_port" --logger zap --log-level warn
  wait_until "$dir" etcd "etcd answering /health on 127.0.0.1:$etcd_port" "$timeout" \
    bash -c "exec 3<>/dev/tcp/127.0.0.1/$etcd_port && printf 'GET /health HTTP/1.0\r\n\r\n' >&3 && timeout 3 cat <&3 | grep -q '\"health\":\"true\"'"

  # --endpoint-reconciler-type none: the 'kubernetes' Service would advertise 127.0.0.1, which an
  # Endpoints object may not hold. Priority and fairness is off: one client at a time, and less to run.
  launch "$dir" kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$port" \
    --tls-cert-file "$dir/apiserver.crt" --tls-private-key-file "$dir/apiserver.key" --client-ca-file "$dir/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$dir/sa.pub" --service-account-signing-key-file "$dir/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24 --authorization-mode RBAC --endpoint-reconciler-type none \
    --enable-priority-and-fairness=false --profiling=false --cert-dir "$dir/apiserver-certs" --v 0
  wait_until "$dir" kube-apiserver "the API server ready on https://127.0.0.1:$port" "$timeout" \
    curl -sf --cacert "$dir/ca.crt" "https://127.0.0.1:$port/readyz"

  launch "$dir" kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$dir/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$dir/controller-manager.kubeconfig" --authorization-kubeconfig "$dir/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 0 --leader-elect=false --use-service-account-credentials \
    --controllers serviceaccount-controller,deployment-controller,replicaset-controller,horizontal-pod-autoscaler-controller \
    --horizontal-pod-autoscaler-sync-period 1s --profiling=false --v 0
  # The controller manager runs its controllers once the default ServiceAccount exists (its first act).
  wait_until "$dir" kube-controller-manager "the controller manager creating ServiceAccount default/default" "$timeout" \
    "$BIN/kubectl" --kubeconfig "$dir/admin.kubeconfig" get serviceaccount default --namespace default

  if [[ -n $parent ]]; then
    # Stop the control plane when the process that asked for it is gone (e.g. a test runner killed hard).
    setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec bash "$2" stop --dir "$3"' \
      kube-watch "$parent" "$REPO/scripts/kube.sh" "$dir" </dev/null >/dev/null 2>&1 &
  fi
  echo "$dir/admin.kubeconfig"
}

# ---------------------------------------------------------------------------------------------- stop
stop() {
  local dir=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      --dir) dir=$2; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ -n $dir ]] || usage
  local name pid i
  for name in kube-controller-manager kube-apiserver etcd; do
    pid=$(read_pid "$dir" "$name")
    if alive "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      for i in $(seq 1 150); do # 0.1 s steps
        alive "$pid" || break
        sleep 0.1
      done
      if alive "$pid"; then
        echo "kube.sh: $name ($pid) did not stop on SIGTERM, killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
        while alive "$pid"; do sleep 0.1; done
      fi
    fi
    rm -f "$dir/$name.pid"
  done
}

cmd=${1:-}
[[ $# -gt 0 ]] && shift
case $cmd in
  build) build ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  bin) echo "$BIN" ;;
  *) usage ;;
esac
