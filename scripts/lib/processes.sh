# Process and port helpers shared by scripts/kafka.sh and scripts/kube.sh (sourced; the caller defines die).

# A TCP port on 127.0.0.1 nobody answers on (bash only; callers that can bind should pick their own).
free_port() {
  local p i
  for i in $(seq 1 50); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "no free port found"
}

# True while process $1 runs (a zombie -- exited, not yet reaped -- counts as gone).
alive() {
  [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null || return 1
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}
