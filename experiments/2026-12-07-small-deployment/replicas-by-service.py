#!/usr/bin/env python3
"""Where a lab run's replica-seconds go: per service and condition, the mean replicas per interval and the
share of the condition's replica-seconds, over every run file of one or more lab --out directories (after
the first WARMUP intervals, default 3: the 90 s warm-up the criteria count after).

  python3 experiments/2026-12-07-small-deployment/replicas-by-service.py DIR [DIR ...]
"""
import collections, glob, json, os, sys

warmup = int(os.environ.get('WARMUP', '3'))
for d in sys.argv[1:]:
    replicas = collections.defaultdict(lambda: collections.Counter())
    intervals = collections.Counter()
    violating = collections.defaultdict(lambda: collections.Counter())
    for f in sorted(glob.glob(f'{d}/*_run*.jsonl')):
        condition = os.path.basename(f).split('_')[0]
        for line in open(f):
            s = json.loads(line)
            if s['interval_idx'] < warmup:
                continue
            intervals[condition] += 1
            for name, v in s['services'].items():
                replicas[condition][name] += v['replicas']
                violating[condition][name] += v['slo_violated']
    print(d)
    services = sorted({n for c in replicas.values() for n in c})
    print(f"  {'service':10s} " + ' '.join(f'{c:>24s}' for c in sorted(replicas)))
    for n in services + ['total']:
        cells = []
        for c in sorted(replicas):
            total = sum(replicas[c].values())
            r = total if n == 'total' else replicas[c][n]
            v = sum(violating[c].values()) if n == 'total' else violating[c][n]
            cells.append(f'{r / intervals[c]:6.2f} ({100 * r / total:4.1f} %) v{v / intervals[c] * 20:5.2f}')
        print(f"  {n:10s} " + ' '.join(f'{x:>24s}' for x in cells))
    print('  (mean replicas per interval, share of replica-seconds, violating snapshots per 20 intervals)')
