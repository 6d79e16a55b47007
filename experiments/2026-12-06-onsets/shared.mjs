// Which of the HPA's violating snapshots sockml's default configuration shares (2026-12-06): a diagnosis
// of issue 10's unmet loads, not a policy choice. Both conditions of one lab invocation run the same
// arrivals (same seed), so a (run, interval, service) that violates under both is one neither controller's
// reaction prevented. Counted after the 90 s warm-up, as criterion v2 counts.
//
// `diagnosis` is a third set, fresh seeds (5000, 40 runs, the bundled step and spike) for looking at
// sockml's own violations one by one without touching the evaluation set; nothing is chosen on it either.
//
//   pnpm -r run build
//   node experiments/2026-12-06-onsets/shared.mjs [evaluation|tuning|diagnosis] > experiments/2026-12-06-onsets/results-<set>.md   (~1–2 min)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const set = process.argv[2] ?? 'evaluation';
if (!['evaluation', 'tuning', 'diagnosis'].includes(set)) throw new Error(`usage: shared.mjs [evaluation|tuning|diagnosis], got ${set}`);
const [seed, repeat] = { tuning: [1000, 10], evaluation: [2000, 20], diagnosis: [5000, 40] }[set]; // the first two: experiments/lab-sets.sh
const WARMUP_INTERVALS = 3; // --warmup 90s at 30 s intervals
const loads = [
  ...(set === 'diagnosis' ? ['step', 'spike'] : ['constant', 'ramp', 'step', 'spike', 'mixed']).map((p) => [p, ['--pattern', p, '--duration', '10m', '--peak-rps', '200']]),
  ...(set === 'evaluation' ? ['constant', 'ramp', 'spike', 'step'].map((p) => [`gke-${p}-run1`, ['--pattern', 'trace', '--trace', `fixtures/sockshop-gke/runs/${p}/run_1.csv`, '--peak-rps', '200']]) : []),
];
const scratch = mkdtempSync(join(tmpdir(), 'sockml-onsets-'));

/** The violating snapshots of one condition after the warm-up, by `run interval service`, with what that service ran and measured. */
function violations(dir, condition) {
  const out = new Map();
  for (const f of readdirSync(dir).filter((f) => f.startsWith(`${condition}_`) && f.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(dir, f), 'utf8').trim().split('\n')) {
      const s = JSON.parse(line);
      if (s.interval_idx < WARMUP_INTERVALS) continue;
      for (const [service, v] of Object.entries(s.services)) {
        const key = `${s.run_id} ${s.interval_idx} ${service}`;
        if (v.slo_violated) out.set(key, v);
        else if (condition === 'reactive') calm.set(key, v);
      }
    }
  }
  return out;
}
/** The HPA's snapshots that did not violate, for the comparison with sockml's own violations. */
const calm = new Map();
const ownRows = [];

const rows = [];
for (const [name, flags] of loads) {
  const dir = join(scratch, name);
  // The default configuration of 2026-12-06, spelt out since the defaults moved on (2026-12-07).
  const config = ['--hpa-floor', '82', '--rate-window', '30s', '--policy-set', 'targetUtilizationPct=130', '--policy-set', 'leadMs=30s', '--policy-set', 'trendPolls=3', '--policy-set', 'attributionMinUtilization=0.65', '--policy-set', 'midTierAttributionMinUtilization=0', '--policy-set', 'midTierMinReplicas=0'];
  execFileSync('node', ['packages/cli/bin/run.js', 'lab', ...flags, ...config, '--seed', String(seed), '--repeat', String(repeat), '--condition', 'proactive,reactive', '--warmup', '90s', '--out', dir, '--json'], { stdio: ['ignore', 'ignore', 'inherit'] });
  calm.clear();
  const sockml = violations(dir, 'proactive');
  const hpa = violations(dir, 'reactive');
  const shared = [...sockml.keys()].filter((k) => hpa.has(k)).length;
  // sockml's own violations: did it run fewer replicas than the HPA there, or the same (and the p95 differs
  // through its callees, or by a hair)?
  const own = [...sockml].filter(([k]) => !hpa.has(k)).map(([k, v]) => ({ k, v, hpa: calm.get(k) }));
  const fewer = own.filter((o) => o.hpa && o.v.replicas < o.hpa.replicas).length;
  const same = own.filter((o) => o.hpa && o.v.replicas === o.hpa.replicas).length;
  const marginal = own.filter((o) => o.v.p95_ms <= 1.05 * 35.68).length;
  ownRows.push(`| ${name} | ${(own.length / repeat).toFixed(2)} | ${fewer} | ${same} | ${own.length - fewer - same} | ${marginal} |`);
  const perRun = (n) => (n / repeat).toFixed(1);
  rows.push(`| ${name} | ${perRun(hpa.size)} | ${perRun(sockml.size)} | ${(sockml.size / hpa.size).toFixed(2)} | ${perRun(shared)} | ${(shared / hpa.size).toFixed(2)} | ${perRun(hpa.size - shared)} | ${perRun(sockml.size - shared)} |`);
  process.stderr.write(`${name} done\n`);
}
console.log(`Set ${set} (seed ${seed}, ${repeat} runs per load), after the 90 s warm-up; violating (service, interval) snapshots per run.\n`);
console.log('| load | HPA 70 % | sockml (default) | × | shared | shared ÷ HPA | HPA only | sockml only |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
console.log(`\nsockml's own violations (sockml only), all runs: where sockml ran fewer replicas of that service than the HPA, as many, or more; and how many were marginal (p95 within 5 % of the SLO).\n`);
console.log('| load | per run | fewer replicas | as many | more | p95 ≤ 1.05 × SLO |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of ownRows) console.log(r);
