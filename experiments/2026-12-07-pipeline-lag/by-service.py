"""Per service, violating snapshots and mean replicas per run: the real-time set beside the lab at lag 0, run for
run (same seed and run ids, so the same arrivals). Usage: by-service.py REALTIME_DIR LAB_OUT (with step/ and ramp/,
and step-0s/ and ramp-0s/)."""
import glob, json, statistics as st, sys

realtime, lab = sys.argv[1], sys.argv[2]


def runs(d, cond):
    return [[json.loads(l) for l in open(f)] for f in sorted(glob.glob(f'{d}/{cond}_*_run*.jsonl'))]


for p in ['step', 'ramp']:
    for cond in ['proactive', 'reactive']:
        rt, lb = runs(f'{realtime}/{p}', cond), runs(f'{lab}/{p}-0s', cond)
        assert len(rt) == len(lb) == 10, (p, cond, len(rt), len(lb))
        print(f'{p} {cond} (sockml: proactive; the HPA at 70 %: reactive)')
        for svc in ['front-end', 'orders', 'carts', 'catalogue']:
            v = lambda r: sum(1 for s in r if s['services'][svc]['slo_violated'])  # noqa: E731
            reps = lambda rs: st.mean(s['services'][svc]['replicas'] for r in rs for s in r)  # noqa: E731
            a, b = [v(r) for r in rt], [v(r) for r in lb]
            more, fewer = sum(x > y for x, y in zip(a, b)), sum(x < y for x, y in zip(a, b))
            print(f'  {svc:9} violating per run: real time {st.mean(a):4.1f} {a}  lab {st.mean(b):4.1f} {b}  '
                  f'real time more in {more}/10, fewer in {fewer}/10; mean replicas {reps(rt):.2f} vs {reps(lb):.2f}')
            p95 = lambda rs: sorted(s['services'][svc]['p95_ms'] for r in rs for s in r if s['services'][svc]['p95_ms'] is not None)  # noqa: E731
            q = lambda xs, f: xs[int(f * (len(xs) - 1))]  # noqa: E731
            pa, pb = p95(rt), p95(lb)
            print(f'  {"":9} p95 per interval, median / 90th percentile: real time {st.median(pa):.1f} / {q(pa, 0.9):.1f} ms, lab {st.median(pb):.1f} / {q(pb, 0.9):.1f} ms')
