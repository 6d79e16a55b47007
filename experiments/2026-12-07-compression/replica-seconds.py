"""Replica-seconds per run (every service's replicas × 30 s per snapshot), runs 1..N, sockml (proactive) against
the HPA (reactive), for LABEL=PROACTIVE_DIR,REACTIVE_DIR pairs.

    python3 replica-seconds.py 3 'real time 1x=results/uncompressed/step,results/uncompressed-hpa/step' ...
"""
import glob
import json
import sys


def replica_seconds(directory: str, condition: str, n: int) -> list[int]:
    out = []
    for i in range(1, n + 1):
        total = 0
        for line in open(glob.glob(f'{directory}/{condition}_*_run{i:02d}.jsonl')[0]):
            total += sum(max(v['replicas'], 0) for v in json.loads(line)['services'].values()) * 30
        out.append(total)
    return out


n = int(sys.argv[1])
for arg in sys.argv[2:]:
    label, dirs = arg.split('=', 1)
    proactive_dir, reactive_dir = dirs.split(',')
    p, r = replica_seconds(proactive_dir, 'proactive', n), replica_seconds(reactive_dir, 'reactive', n)
    print(f'{label}: replica-seconds per run (30 s per interval), runs 1-{n}: sockml {p} HPA {r}; ratio {sum(p) / sum(r):.3f}')
