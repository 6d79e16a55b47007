#!/usr/bin/env python3
"""Does the floor pay for the HPA's 300 s scale-down window? Tuning set (seed 1000, 10 runs), after a 90 s warm-up:
the HPA at 70 % and the v2 floor setting (floors 82/80/78 %) with the HPA's window at 120 s and 60 s
(lab --hpa-scale-down-window), against the HPA at 70 % with its default window and with the same window.
  python3 experiments/2026-12-05-warmup/window.py   # ~4 min; output in results/window-tuning.txt
"""
import json,subprocess,tempfile,shutil,os
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
PATS=('constant','ramp','step','spike','mixed')
V2=['--hpa-floor','82','--rate-window','30s','--policy-set','targetUtilizationPct=130','--policy-set','leadMs=30s','--policy-set','trendPolls=3']
def lab(p,cond,flags):
    t=tempfile.mkdtemp()
    r=subprocess.run(['node','packages/cli/bin/run.js','lab','--pattern',p,'--duration','10m','--peak-rps','200','--condition',cond,'--seed','1000','--repeat','10','--warmup','90s','--out',t+'/o','--json']+flags,capture_output=True,text=True)
    shutil.rmtree(t)
    d=json.loads(r.stdout)['afterWarmup']['summary']['conditions'][cond]
    return d['violatingSnapshotsPerRun'],d['replicaSecondsPerRun']
base={p:lab(p,'reactive',[]) for p in PATS}
for w in ['120s','60s']:
    W=['--hpa-scale-down-window',w]
    same={p:lab(p,'reactive',W) for p in PATS}
    print(f'HPA70 window {w} vs HPA70 300s: '+' '.join(f'{p[:4]} {same[p][0]/base[p][0]:.2f}/{same[p][1]/base[p][1]:.2f}' for p in PATS),flush=True)
    for extra in [V2, ['--hpa-floor','80']+V2[2:], ['--hpa-floor','78']+V2[2:]]:
        fl={p:lab(p,'proactive',extra+W) for p in PATS}
        print(f'  {" ".join(extra[:2])} window {w}: vs HPA70 300s '+' '.join(f'{p[:4]} {fl[p][0]/base[p][0]:.2f}/{fl[p][1]/base[p][1]:.2f}' for p in PATS)+' | vs HPA70 same window '+' '.join(f'{p[:4]} {fl[p][0]/same[p][0]:.2f}/{fl[p][1]/same[p][1]:.2f}' for p in PATS),flush=True)
