#!/usr/bin/env python3
"""Criterion v8's closer look (docs/EXPERIMENTS.md): constant load at 300 rps, seed 1000, runs 1-3, after the
first 3 intervals: which services violate, and how many replicas each ran, for the uniform 92 % floor, the
same with the alert counted over the floor (alertOverTargetPct=92), and the HPA at 70 %.

  node packages/cli/bin/run.js lab --pattern constant --duration 10m --peak-rps 300 --seed 1000 --repeat 3 \\
    --condition proactive,reactive --hpa-floor 92 --out /tmp/c300a --json > /dev/null
  node packages/cli/bin/run.js lab --pattern constant --duration 10m --peak-rps 300 --seed 1000 --repeat 3 \\
    --condition proactive --hpa-floor 92 --policy-set alertOverTargetPct=92 --out /tmp/c300b --json > /dev/null
  python3 experiments/2026-12-07-alert-anchor/replicas-at-300.py /tmp/c300a /tmp/c300b > experiments/2026-12-07-alert-anchor/replicas-at-300.txt
"""
import collections, glob, json, sys

def look(pattern, label):
    violating = collections.Counter()
    replicas = collections.defaultdict(collections.Counter)
    intervals = 0
    for f in sorted(glob.glob(pattern)):
        for line in open(f):
            d = json.loads(line)
            if d['interval_idx'] < 3:
                continue
            intervals += 1
            for s, v in d['services'].items():
                violating[s] += v['slo_violated']
                replicas[s][v['replicas']] += 1
    print(f'{label}: {intervals} intervals')
    for s in replicas:
        print(f'  {s:10s} violating in {violating[s]:2d}; replicas (count: intervals) {dict(sorted(replicas[s].items()))}')

a, b = sys.argv[1], sys.argv[2]
look(f'{a}/proactive_constant_run*.jsonl', 'sockml, uniform 92 % floor (alert over the base)')
look(f'{b}/proactive_constant_run*.jsonl', 'sockml, uniform 92 % floor, alertOverTargetPct=92')
look(f'{a}/reactive_constant_run*.jsonl', 'the HPA at 70 %')
