#!/usr/bin/env python3
"""Candidates for the floor mode on the tuning set (seed 1000, 10 runs, the five bundled patterns, 10 min at
200 rps), each scored as docs/EXPERIMENTS.md's criterion reads it: per pattern, sockml's violating snapshots
and replica-seconds over the HPA at 70 % (the committed results/tuning/<pattern>.json); the worst pattern's
violation ratio, then the highest cost ratio. Feasible: cost ratio <= 1 on every pattern. Tuning set only.

  pnpm -r run build
  python3 experiments/2026-12-05-hpa-floor/sweep.py experiments/2026-12-05-hpa-floor/forecast-candidates.txt

One candidate per line (lab flags); prints "worst max-cost mean-cost | per pattern | flags", one line per
candidate (results/forecast-sweep-tuning.txt was written before the mean column was added).
With --warmup D (e.g. 90s) every count leaves out each run's first D (lab --warmup), the HPA's included:
its runs are then made here, once per pattern, instead of read from results/tuning.

  python3 experiments/2026-12-05-hpa-floor/sweep.py CANDIDATES [--warmup 90s]

With --with-diagnosis (criterion v3, docs/EXPERIMENTS.md) the loads also include the diagnosis set of
experiments/2026-12-06-onsets: step and spike at seed 5000, 40 runs each (labelled step@5000, spik@5000).
With --with-traces (criterion v4) also the GKE recordings' run 2 as traces at 200 rps peak, seed 1000, 10
runs each (labelled gke-cons-2 …; the evaluation sets use run 1). Both need --warmup.
With --jsonl FILE (criterion v5) each candidate's per-load numbers are also appended to FILE as one JSON
line, unrounded: sockml's and the HPA's violating snapshots and replica-seconds per run, and their ratios.
With --peaks R1,R2,… (2026-12-07, after the peak-load check) every load runs at each of those peaks instead of
200 rps, labelled load/R (e.g. constant/150); needs --warmup.
With --reactive each candidate runs as the reactive condition instead (an HPA variant, e.g. `--hpa-target 65`
or a `--config` with per-service bounds), against the same baseline, the HPA at 70 % without flags.
"""
import json, os, shutil, subprocess, sys, tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
PATTERNS = ('constant', 'ramp', 'step', 'spike', 'mixed')
args = sys.argv[1:]
warmup = args[args.index('--warmup') + 1] if '--warmup' in args else None
jsonl = args[args.index('--jsonl') + 1] if '--jsonl' in args else None
CANDIDATE_CONDITION = 'reactive' if '--reactive' in args else 'proactive'
peaks = args[args.index('--peaks') + 1].split(',') if '--peaks' in args else None
candidates = [a for i, a in enumerate(args) if not a.startswith('--') and (i == 0 or args[i - 1] not in ('--warmup', '--jsonl', '--peaks'))][0]
# (label, the load's lab flags, seed, runs): the tuning set, and the sets the options add.
SYNTHETIC = lambda p: ['--pattern', p, '--duration', '10m']
LOADS = [(p, SYNTHETIC(p), 1000, 10) for p in PATTERNS]
if ('--with-diagnosis' in args or '--with-traces' in args) and not warmup:
    sys.exit('sweep: --with-diagnosis and --with-traces need --warmup (criteria v3 and v4 count after the warm-up)')
if '--with-diagnosis' in args:
    LOADS += [(f'{p}@5000', SYNTHETIC(p), 5000, 40) for p in ('step', 'spike')]
if '--with-traces' in args:
    LOADS += [(f'gke-{p[:4]}-2', ['--pattern', 'trace', '--trace', f'fixtures/sockshop-gke/runs/{p}/run_2.csv'], 1000, 10) for p in ('constant', 'ramp', 'spike', 'step')]
if peaks:
    if not warmup:
        sys.exit('sweep: --peaks needs --warmup (there are no committed HPA runs at other peaks)')
    LOADS = [(f'{label}/{peak}', load + ['--peak-rps', peak], seed, runs) for peak in peaks for label, load, seed, runs in LOADS]

def lab(load, condition, flags, seed=1000, runs=10):
    tmp = tempfile.mkdtemp(prefix='sweep-')
    try:
        r = subprocess.run(['node', 'packages/cli/bin/run.js', 'lab', *load, *([] if '--peak-rps' in load else ['--peak-rps', '200']),
                            '--condition', condition, '--seed', str(seed), '--repeat', str(runs), '--out', os.path.join(tmp, 'o'), '--json']
                           + (['--warmup', warmup] if warmup else []) + flags,
                           cwd=ROOT, capture_output=True, text=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if r.returncode:
        sys.exit(f'sweep: {" ".join(flags)} on {" ".join(load)}: {r.stderr.strip()}')
    j = json.loads(r.stdout)
    d = (j['afterWarmup']['summary'] if warmup else j['summary'])['conditions'][condition]
    return d['violatingSnapshotsPerRun'], d['replicaSecondsPerRun']

base = {}
for label, load, seed, runs in LOADS:
    if warmup:
        base[label] = lab(load, 'reactive', [], seed, runs)
    else:
        d = json.load(open(os.path.join(ROOT, f'experiments/2026-12-05-hpa-floor/results/tuning/{label}.json')))['summary']['conditions']['reactive']
        base[label] = (d['violatingSnapshotsPerRun'], d['replicaSecondsPerRun'])

def short(label):  # 'constant' -> 'cons'; 'step@5000' and 'gke-spik-2' as they are; 'constant/150' -> 'cons/150'
    name, _, peak = label.partition('/')
    return (name if '@' in name or name.startswith('gke-') else name[:4]) + (f'/{peak}' if peak else '')

raw = {}  # label -> sockml's (violating, replica-seconds) per run, of the candidate being scored

def score(flags):
    out = {}
    for label, load, seed, runs in LOADS:
        v, c = lab(load, CANDIDATE_CONDITION, flags, seed, runs)
        raw[label] = (v, c)
        # The HPA without a violation (likelier at low peaks): any violation of sockml's is infinitely many times it.
        out[label] = ((v / base[label][0]) if base[label][0] else (0.0 if v == 0 else float('inf')), c / base[label][1])
    return out

for line in open(candidates):
    if not line.strip() or line.startswith('#'):
        continue
    flags = line.split()
    o = score(flags)
    worst = max(v for v, _ in o.values())
    cost = max(c for _, c in o.values())
    mean_cost = sum(c for _, c in o.values()) / len(o)
    if jsonl:
        with open(jsonl, 'a') as f:
            f.write(json.dumps({'flags': flags, 'warmup': warmup, 'loads': {
                p: {'violatingPerRun': raw[p][0], 'replicaSecondsPerRun': raw[p][1],
                    'hpaViolatingPerRun': base[p][0], 'hpaReplicaSecondsPerRun': base[p][1],
                    'violationRatio': v, 'costRatio': c} for p, (v, c) in o.items()}}) + '\n')
    print(f'{worst:.4f} {cost:.4f} {mean_cost:.4f} | ' + ' '.join(f'{short(p)} {v:.2f}/{c:.2f}' for p, (v, c) in o.items()) + ' | ' + ' '.join(flags), flush=True)
