# Sourced by the lab experiments' run.sh: the tuning and evaluation sets of docs/EXPERIMENTS.md
# ("Choosing the proactive policy") and `lab`, which runs one `sockml lab` invocation into $OUT and keeps
# its lab.json under $HERE/results/$SET (skipped when that file exists: delete it to rerun).
# Needs HERE (the experiment's directory) and OUT (where run files go); reads SET (tuning|evaluation|fresh-6000|fresh-7000|fresh-9000|fresh-11000|fresh-13000|fresh-15000|fresh-19000|fresh-21000).
# Since 2026-12-06 `lab`'s defaults are the chosen configuration (an HPA floor at 82 %, a 30 s rate window,
# the hybrid policy with attribution: docs/POLICIES.md, "The defaults"); experiments before that date ran
# sockml alone where they leave those flags out (POLICIES.md gives the flags that reproduce it). Since
# 2026-12-07 the defaults attribute at 70 % and run the mid-tier rule at 65 % (criterion v3); the scripts of
# earlier experiments spell out what they ran (midTierAttributionMinUtilization=0). Later on 2026-12-07 the
# defaults became criterion v5's choice: an HPA floor at 85 %, entry attribution at 55 %, no mid-tier rule.
# Scripts of 2026-12-05 that leave attribution out ran without it (it came on 2026-12-06): add
# --policy-set attributionMinUtilization=0 to rerun them on today's code. Later still on 2026-12-07 the
# defaults became criterion v6's choice: an HPA floor at 92 %, entry attribution at 55 %, orders kept at two
# replicas (midTierMinReplicas=2); the scripts and candidate files before it spell out midTierMinReplicas=0.
# Since criterion v9 (2026-12-07) the default floor is per service (catalogue 50 %, carts 70 %, the rest 92 %);
# `--hpa-floor 92` given runs the uniform floor of criteria v6–v8, as their scripts spell it.
SET=${SET:-evaluation}
case "$SET" in
  tuning) SEED=1000; REPEAT=10 ;;
  evaluation) SEED=2000; REPEAT=20 ;;
  fresh-6000) SEED=6000; REPEAT=20 ;; # criterion v3's evaluation set (docs/EXPERIMENTS.md): the evaluation set's loads on a fresh seed
  fresh-7000) SEED=7000; REPEAT=20 ;; # criterion v5's judgement (2026-12-07; experiments/2026-12-07-criterion-v5): seen now
  fresh-9000) SEED=9000; REPEAT=20 ;; # criterion v6's judgement (2026-12-07; 8000 is the real-time runs' of criterion v5)
  fresh-11000) SEED=11000; REPEAT=20 ;; # criterion v6's replication (2026-12-07, after its default changed)
  fresh-13000) SEED=13000; REPEAT=20 ;; # criterion v7's judgement (2026-12-07; experiments/2026-12-07-floor-window)
  fresh-15000) SEED=15000; REPEAT=20 ;; # criterion v8's judgement at four peaks (2026-12-07; experiments/2026-12-07-alert-anchor, its own run.sh); 10000 is criterion v6's real-time runs', 17000 the peak-load check's
  fresh-19000) SEED=19000; REPEAT=20 ;; # criterion v9's judgement at four peaks (2026-12-07; experiments/2026-12-07-service-floor, its own run.sh)
  fresh-21000) SEED=21000; REPEAT=20 ;; # unused: for the next criterion's judgement
  *) echo "SET must be tuning, evaluation, fresh-6000, fresh-7000, fresh-9000, fresh-11000, fresh-13000, fresh-15000, fresh-19000 or fresh-21000, got $SET" >&2; exit 2 ;;
esac
mkdir -p "$HERE/results/$SET"
sockml() { node packages/cli/bin/run.js "$@"; }

lab() { # name, then lab flags
  local name=$1; shift
  if [ -f "$HERE/results/$SET/$name.json" ]; then return; fi
  rm -rf "$OUT/$SET/$name"
  sockml lab "$@" --seed "$SEED" --repeat "$REPEAT" --out "$OUT/$SET/$name" --json > /dev/null
  cp "$OUT/$SET/$name/lab.json" "$HERE/results/$SET/$name.json"
  echo "$name done" >&2
}
