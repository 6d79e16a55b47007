"""Violating (service, interval) snapshots per run of one condition (default proactive), in total and for the
front-end and orders, and orders' per-interval p95 (median / 90th percentile), for each directory given as
LABEL=DIR, runs 1..N only.

    python3 per-run.py [--condition reactive] 5 'lab 1x=/tmp/compression/step-1' 'real time 1x=results/uncompressed/step' ...
"""
import glob
import json
import os
import statistics
import sys


def runs(directory: str, n: int, condition: str) -> dict[int, dict]:
    out = {}
    for f in sorted(glob.glob(os.path.join(directory, f'{condition}_*_run*.jsonl'))):
        run_id = int(f.rsplit('run', 1)[1][:2])
        if run_id > n:
            continue
        total = front_end = orders = 0
        orders_p95 = []
        for line in open(f):
            snapshot = json.loads(line)
            for service, v in snapshot['services'].items():
                total += v['slo_violated']
                front_end += service == 'front-end' and v['slo_violated']
                orders += service == 'orders' and v['slo_violated']
                if service == 'orders' and v['p95_ms'] > 0:
                    orders_p95.append(v['p95_ms'])
        out[run_id] = {'total': total, 'front-end': front_end, 'orders': orders, 'orders_p95': orders_p95}
    return out


def main() -> None:
    args = sys.argv[1:]
    condition = 'proactive'
    if args[0] == '--condition':
        condition, args = args[1], args[2:]
    n = int(args[0])
    print(f'violating snapshots per {condition} run (runs 1-{n}): total [front-end, orders]; orders p95 median / 90th percentile')
    for arg in args[1:]:
        label, directory = arg.split('=', 1)
        r = runs(directory, n, condition)
        if len(r) < n:
            print(f'{label:28s} only {len(r)} of {n} runs in {directory}')
            continue
        cells = ' '.join(f"{r[i]['total']:2d} [{r[i]['front-end']}, {r[i]['orders']}]" for i in range(1, n + 1))
        p95 = sorted(x for i in r for x in r[i]['orders_p95'])
        mean = lambda k: sum(r[i][k] for i in r) / n
        q90 = p95[int(0.9 * (len(p95) - 1))]
        print(f"{label:28s} {cells}   mean {mean('total'):.1f} [{mean('front-end'):.1f}, {mean('orders'):.1f}]   orders p95 {statistics.median(p95):.1f} / {q90:.1f} ms")


if __name__ == '__main__':
    main()
