"""Violating snapshots per run, sockml (the default) and the HPA at 70 %, by actuation lag (lab --json files)."""
import json, sys
d = sys.argv[1]
print('pattern  lag   sockml (after warm-up)  HPA (after warm-up)  violations x  replica-s x')
for p in ['step', 'ramp']:
    for lag in ['0s', '2s', '5s', '10s', '15s', '20s', '25s']:
        j = json.load(open(f'{d}/{p}-{lag}.json'))
        s, a = j['summary']['conditions'], j['afterWarmup']['summary']['conditions']
        pr, re = s['proactive'], s['reactive']
        print(f"{p:7} {lag:>4}   {pr['violatingSnapshotsPerRun']:5.1f} ({a['proactive']['violatingSnapshotsPerRun']:4.1f})            "
              f"{re['violatingSnapshotsPerRun']:5.1f} ({a['reactive']['violatingSnapshotsPerRun']:4.1f})        "
              f"{pr['violatingSnapshotsPerRun'] / re['violatingSnapshotsPerRun']:.2f}         {pr['replicaSecondsPerRun'] / re['replicaSecondsPerRun']:.3f}")
