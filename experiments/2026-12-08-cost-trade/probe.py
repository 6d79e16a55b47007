#!/usr/bin/env python3
# The criterion v12 probe (docs/EXPERIMENTS.md, "Criterion v12"): tuning seed 1000 only, 10 runs, after the 90 s warm-up, sockml only;
# the HPA at 70 % is read from criterion v11's sweep.jsonl (the same seed, runs and loads: its majority line reproduces exactly).
#   python3 experiments/2026-12-08-cost-trade/probe.py constant,step,spike,mixed,gke-spik-2 100,150,200,300 [lab flags]
# probe: proactive-only lab runs on tuning seed 1000 (10 runs, 90 s warm-up) vs the HPA-at-70% numbers of the v11 sweep.jsonl (same seed/runs)
import json, subprocess, sys, tempfile, shutil, os
from concurrent.futures import ThreadPoolExecutor
ROOT=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
base={}
for line in open(f'{ROOT}/experiments/2026-12-07-vote-strategy/sweep.jsonl'):
    c=json.loads(line)
    if c['flags']==['--strategy','majority']: base=c['loads']
LOADS={'constant':['--pattern','constant','--duration','10m'],'step':['--pattern','step','--duration','10m'],'spike':['--pattern','spike','--duration','10m'],
 'mixed':['--pattern','mixed','--duration','10m'],'ramp':['--pattern','ramp','--duration','10m'],
 'gke-spik-2':['--pattern','trace','--trace','fixtures/sockshop-gke/runs/spike/run_2.csv'],'gke-step-2':['--pattern','trace','--trace','fixtures/sockshop-gke/runs/step/run_2.csv']}
loads=sys.argv[1].split(',') ; peaks=sys.argv[2].split(','); flags=sys.argv[3:]
def run(lp):
    l,p=lp
    tmp=tempfile.mkdtemp(prefix='probe-')
    r=subprocess.run(['node','packages/cli/bin/run.js','lab',*LOADS[l],'--peak-rps',p,'--condition','proactive','--seed','1000','--repeat','10','--warmup','90s','--threads','1','--out',tmp+'/o','--json',*flags],cwd=ROOT,capture_output=True,text=True)
    shutil.rmtree(tmp,ignore_errors=True)
    if r.returncode: return (l,p,None,r.stderr[-300:])
    d=json.loads(r.stdout)['afterWarmup']['summary']['conditions']['proactive']
    return (l,p,(d['violatingSnapshotsPerRun'],d['replicaSecondsPerRun']),None)
jobs=[(l,p) for p in peaks for l in loads]
with ThreadPoolExecutor(2) as ex: res=list(ex.map(run,jobs))
out=[]
for l,p,vc,err in res:
    if err: print(l,p,'ERR',err); continue
    b=base[f'{l}/{p}']; v,c=vc
    vr=v/b['hpaViolatingPerRun'] if b['hpaViolatingPerRun'] else float('inf'); cr=c/b['hpaReplicaSecondsPerRun']
    out.append(f"{l}/{p} {vr:.2f}/{cr:.3f}{'*' if vr<=0.7 and cr<=1 else ''} (def {b['violationRatio']:.2f}/{b['costRatio']:.3f}{'*' if b['violationRatio']<=0.7 and b['costRatio']<=1 else ''})")
print(' '.join(flags) or '(default)'); print('  '+'\n  '.join(out), flush=True)
