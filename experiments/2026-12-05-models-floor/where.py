#!/usr/bin/env python3
"""Where the violating snapshots are: per 30 s interval (mean over runs, all services) and per service (after
the warm-up), for the chosen floor setting and the HPA at 70 % on the tuning set (seed 1000, 10 runs).

  pnpm -r run build
  python3 experiments/2026-12-05-models-floor/where.py [spike step ramp ...]
"""
import collections, glob, json, os, subprocess, sys, tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
CHOSEN = ('--rate-window 30s --hpa-floor 82 --policy-set targetUtilizationPct=130 '
          '--policy-set leadMs=30s --policy-set trendPolls=3').split()
WARMUP_INTERVALS = 3

for pattern in sys.argv[1:] or ['spike', 'step', 'ramp']:
    out = tempfile.mkdtemp(prefix='where-')
    subprocess.run(['node', 'packages/cli/bin/run.js', 'lab', '--pattern', pattern, '--duration', '10m', '--peak-rps', '200',
                    '--condition', 'proactive,reactive', '--seed', '1000', '--repeat', '10', '--out', os.path.join(out, 'o'),
                    '--json', *CHOSEN], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    print(f'== {pattern}')
    for condition in ('proactive', 'reactive'):
        files = sorted(glob.glob(os.path.join(out, 'o', f'{condition}_*.jsonl')))
        per_interval, per_service, rps = collections.Counter(), collections.Counter(), {}
        for f in files:
            for line in open(f):
                r = json.loads(line)
                i = r['interval_idx']
                rps[i] = r['load']['offered_rps']
                for s, v in r['services'].items():
                    if v['slo_violated']:
                        per_interval[i] += 1 / len(files)
                        if i >= WARMUP_INTERVALS:
                            per_service[s] += 1 / len(files)
        n = max(rps) + 1
        after = sum(per_interval[i] for i in range(WARMUP_INTERVALS, n))
        print(f'{condition:<10}', ' '.join(f'{per_interval[i]:3.1f}' for i in range(n)), f' after warm-up {after:.1f}',
              {s: round(c, 1) for s, c in per_service.most_common()})
    print(f'{"rps":<10}', ' '.join(f'{rps[i]:3.0f}' for i in range(n)))
