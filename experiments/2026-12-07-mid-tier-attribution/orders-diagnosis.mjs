// The look that led to criterion v3's candidate (docs/EXPERIMENTS.md, "Criterion v3"): on the diagnosis set
// (seed 5000, step, 40 runs; experiments/2026-12-06-onsets), sockml's own violating snapshots after the
// warm-up (violating under the default configuration, not under the HPA at 70 % in the same run and
// interval) by service, and for each of orders' the two intervals before it and the HPA's at it: replicas,
// CPU (% of the request, the interval's mean) and p95 of orders, carts and user. Nothing is chosen on it.
//
//   pnpm -r run build
//   node experiments/2026-12-07-mid-tier-attribution/orders-diagnosis.mjs [DIR] > experiments/2026-12-07-mid-tier-attribution/orders-diagnosis.txt
//
// DIR: an existing `sockml lab` output of those runs to read instead of running them (~30 s).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir = process.argv[2];
if (!dir || !existsSync(dir)) {
  dir = join(mkdtempSync(join(tmpdir(), 'sockml-orders-')), 'step');
  // The default configuration of 2026-12-06 spelt out, so that a later change of defaults does not change this.
  const config = ['--hpa-floor', '82', '--rate-window', '30s', '--policy-set', 'targetUtilizationPct=130', '--policy-set', 'leadMs=30s', '--policy-set', 'trendPolls=3', '--policy-set', 'attributionMinUtilization=0.65', '--policy-set', 'midTierAttributionMinUtilization=0', '--policy-set', 'midTierMinReplicas=0'];
  execFileSync('node', ['packages/cli/bin/run.js', 'lab', '--pattern', 'step', '--duration', '10m', '--peak-rps', '200', '--seed', '5000', '--repeat', '40', '--condition', 'proactive,reactive', '--warmup', '90s', '--out', dir, '--json', ...config], { stdio: ['ignore', 'ignore', 'inherit'] });
}
const WARMUP_INTERVALS = 3;
const load = (condition) => {
  const m = new Map();
  for (const f of readdirSync(dir).filter((f) => f.startsWith(`${condition}_`) && f.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(dir, f), 'utf8').trim().split('\n')) {
      const s = JSON.parse(line);
      m.set(`${s.run_id} ${s.interval_idx}`, s);
    }
  }
  return m;
};
const sockml = load('proactive');
const hpa = load('reactive');
const show = (s) => ['orders', 'carts', 'user'].map((c) => `${c} ${s.services[c].replicas} @ ${s.services[c].cpu_pct.toFixed(0)} % p95 ${s.services[c].p95_ms.toFixed(1)}`).join(' | ');
const own = {};
const lines = [];
for (const [key, s] of sockml) {
  if (s.interval_idx < WARMUP_INTERVALS) continue;
  const h = hpa.get(key);
  for (const [service, v] of Object.entries(s.services)) {
    if (!v.slo_violated || h.services[service].slo_violated) continue;
    own[service] = (own[service] ?? 0) + 1;
    if (service !== 'orders') continue;
    const [run, i] = key.split(' ').map(Number);
    lines.push(`run ${run} interval ${i}:`);
    for (const d of [-2, -1, 0]) lines.push(`  sockml t${d === 0 ? '' : d}: ${show(sockml.get(`${run} ${i + d}`))}`);
    lines.push(`  HPA 70 % t: ${show(h)}`);
  }
}
console.log(`sockml's own violating snapshots after the warm-up, by service (seed 5000, step, 40 runs): ${JSON.stringify(own)}\n`);
console.log("orders' own violations, with the two intervals before (replicas @ CPU % of the request, p95 ms):\n");
console.log(lines.join('\n'));
