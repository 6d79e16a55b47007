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
It needs --warmup.
"""
import json, os, shutil, subprocess, sys, tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
PATTERNS = ('constant', 'ramp', 'step', 'spike', 'mixed')
args = sys.argv[1:]
warmup = args[args.index('--warmup') + 1] if '--warmup' in args else None
candidates = [a for i, a in enumerate(args) if not a.startswith('--') and (i == 0 or args[i - 1] != '--warmup')][0]
# (label, pattern, seed, runs): the tuning set, and with --with-diagnosis the diagnosis set.
LOADS = [(p, p, 1000, 10) for p in PATTERNS]
if '--with-diagnosis' in args:
    if not warmup:
        sys.exit('sweep: --with-diagnosis needs --warmup (criterion v3 counts after the warm-up)')
    LOADS += [(f'{p}@5000', p, 5000, 40) for p in ('step', 'spike')]

def lab(p, condition, flags, seed=1000, runs=10):
    tmp = tempfile.mkdtemp(prefix='sweep-')
    try:
        r = subprocess.run(['node', 'packages/cli/bin/run.js', 'lab', '--pattern', p, '--duration', '10m', '--peak-rps', '200',
                            '--condition', condition, '--seed', str(seed), '--repeat', str(runs), '--out', os.path.join(tmp, 'o'), '--json']
                           + (['--warmup', warmup] if warmup else []) + flags,
                           cwd=ROOT, capture_output=True, text=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if r.returncode:
        sys.exit(f'sweep: {" ".join(flags)} on {p}: {r.stderr.strip()}')
    j = json.loads(r.stdout)
    d = (j['afterWarmup']['summary'] if warmup else j['summary'])['conditions'][condition]
    return d['violatingSnapshotsPerRun'], d['replicaSecondsPerRun']

base = {}
for label, p, seed, runs in LOADS:
    if warmup:
        base[label] = lab(p, 'reactive', [], seed, runs)
    else:
        d = json.load(open(os.path.join(ROOT, f'experiments/2026-12-05-hpa-floor/results/tuning/{p}.json')))['summary']['conditions']['reactive']
        base[label] = (d['violatingSnapshotsPerRun'], d['replicaSecondsPerRun'])

def short(label):  # 'step@5000' -> 'step@5000', 'constant' -> 'cons'
    return label[:4] + (label[label.index('@'):] if '@' in label else '')

def score(flags):
    out = {}
    for label, p, seed, runs in LOADS:
        v, c = lab(p, 'proactive', flags, seed, runs)
        out[label] = (v / base[label][0], c / base[label][1])
    return out

for line in open(candidates):
    if not line.strip() or line.startswith('#'):
        continue
    flags = line.split()
    o = score(flags)
    worst = max(v for v, _ in o.values())
    cost = max(c for _, c in o.values())
    mean_cost = sum(c for _, c in o.values()) / len(o)
    print(f'{worst:.4f} {cost:.4f} {mean_cost:.4f} | ' + ' '.join(f'{short(p)} {v:.2f}/{c:.2f}' for p, (v, c) in o.items()) + ' | ' + ' '.join(flags), flush=True)
