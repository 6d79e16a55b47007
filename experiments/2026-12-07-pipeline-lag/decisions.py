"""Per service, means per run of what sockml saw and did: polls, request rate, polls over the SLO, CPU, majority alerts,
scale-ups and the mean target; for each directory of proactive runs (metrics.csv and decisions.ndjson of each run)."""
import json, csv, glob, statistics as st, sys
def load(d):
    out={}
    for f in sorted(glob.glob(d+'/proactive_*_run*.d')):
        rows=list(csv.DictReader(open(f+'/metrics.csv')))
        dec=[json.loads(l) for l in open(f+'/decisions.ndjson')]
        out[f]=(rows,dec)
    return out
def summary(d):
    runs=load(d); agg={}
    for f,(rows,dec) in runs.items():
        polls=len({r['timestamp'] for r in rows})
        for svc in ['front-end','catalogue','carts','orders','user','payment','shipping']:
            rs=[r for r in rows if r['service']==svc]
            ds=[x for x in dec if x['service']==svc]
            rate=st.mean(float(r['request_rate_rps'] or 0) for r in rs) if rs else 0
            p95=[float(r['p95_latency_ms']) for r in rs if r['p95_latency_ms']]
            viol=sum(1 for v in p95 if v>35.68)
            cpu=st.mean(float(r['cpu_usage_pct'] or 0) for r in rs) if rs else 0
            alerts=sum(1 for x in ds if x['scale_up_votes']*2>x['total_votes'])
            ups=sum(1 for x in ds if x['decision']=='SCALE_UP')
            tr=st.mean(x['target_replicas'] for x in ds) if ds else 0
            a=agg.setdefault(svc,[])
            a.append((polls,rate,viol,cpu,alerts,ups,tr))
    for svc,a in agg.items():
        m=[st.mean(x[i] for x in a) for i in range(7)]
        print(f"  {svc:10} polls {m[0]:5.1f} rate {m[1]:6.2f} p95>SLO polls {m[2]:4.1f} cpu {m[3]:6.2f} alerts {m[4]:4.1f} ups {m[5]:4.1f} mean target {m[6]:4.2f}")
for d in sys.argv[1:]:
    print(d); summary(d)
