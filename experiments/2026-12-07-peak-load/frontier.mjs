// Is sockml below the HPA's own cost/violation curve? For each load of a results directory: the HPA at
// 40–90 % CPU (<load>-hpaT.json, and 70 % from the reactive condition of <load>.json) on the same arrivals
// gives points (replica-seconds per run, violating snapshots per run), after the 90 s warm-up. The curve is
// their lower convex hull (CostViolationCurve in packages/core: what running two targets for shares of the
// time reaches; targets between them, e.g. 65 %, were not run and might lie lower still). At sockml's
// replica-seconds it says how many violations the HPA would have at that cost. A ratio under 1 means
// sockml has fewer violations than the HPA spending the same; dearer than every target, sockml is compared
// with the target of fewest violations; cheaper than every target, "outside". Needs the built core.
//   node experiments/2026-12-07-peak-load/frontier.mjs DIR [SUFFIX]   (SUFFIX: sockml's file is <load>SUFFIX.json, default '')
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CostViolationCurve } from '../../packages/core/dist/index.js';

const [dir, suffix = ''] = process.argv.slice(2);
const read = (f) => JSON.parse(readFileSync(join(dir, f), 'utf8')).afterWarmup.summary.conditions;
const loads = readdirSync(dir).filter((f) => f.endsWith('.json') && !/-(hpa[\w-]+|current-default|previous-default)\.json$/.test(f)).map((f) => f.slice(0, -5));
const point = (c) => ({ cost: c.replicaSecondsPerRun, violations: c.violatingSnapshotsPerRun });

console.log(`| load | sockml: violations / replica-s per run | the HPA's curve at that cost | × | HPA targets (violations / replica-s) |`);
console.log('|---|---:|---:|---:|---|');
let below = 0;
let compared = 0;
for (const load of loads) {
  const s = point(read(`${load}${suffix}.json`).proactive);
  const hpa = [[70, point(read(`${load}.json`).reactive)]];
  for (const t of [40, 50, 60, 80, 85, 90]) if (existsSync(join(dir, `${load}-hpa${t}.json`))) hpa.push([t, point(read(`${load}-hpa${t}.json`).reactive)]);
  const reading = new CostViolationCurve(hpa.map(([t, p]) => ({ label: `${t} %`, ...p }))).at(s.cost);
  const at = reading.where === 'below' ? null : reading.violations;
  const ratio = at === null ? 'outside' : at === 0 ? (s.violations === 0 ? '1.00' : '∞') : (s.violations / at).toFixed(2);
  if (at !== null) {
    compared++;
    if (s.violations < at) below++;
  }
  const targets = [...hpa].sort((a, b) => a[1].cost - b[1].cost).map(([t, p]) => `${t} %: ${p.violations.toFixed(1)} / ${p.cost.toFixed(0)}`).join('; ');
  console.log(`| ${load} | ${s.violations.toFixed(2)} / ${s.cost.toFixed(0)} | ${at === null ? '–' : at.toFixed(2)} | ${ratio} | ${targets} |`);
}
console.log(`\nsockml below the HPA's curve on ${below} of ${compared} loads (${loads.length - compared} outside the targets' costs).`);
