// Is sockml below the HPA's own cost/violation curve? For each load of a results directory: the HPA at
// 40–90 % CPU (<load>-hpaT.json, and 70 % from the reactive condition of <load>.json) on the same arrivals
// gives points (replica-seconds per run, violating snapshots per run), after the 90 s warm-up. The curve is
// their lower convex hull: what the HPA reaches at a cost between two targets by running each for a share
// of the time, the most the HPA could claim from these targets (targets between them, e.g. 65 %, were not
// run and might lie lower still). At sockml's replica-seconds it says how many violations the HPA would
// have at that cost. A ratio under 1 means sockml has fewer violations than the HPA spending the same;
// dearer than every target, sockml is compared with the target of fewest violations; cheaper than every
// target, "outside".
//   node experiments/2026-12-07-peak-load/frontier.mjs DIR [SUFFIX]   (SUFFIX: sockml's file is <load>SUFFIX.json, default '')
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

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
  hpa.sort((a, b) => a[1].cost - b[1].cost);
  // Pareto (going up in cost, a point only if it has fewer violations than every cheaper one), then the
  // lower convex hull of those (a point above the chord of its neighbours is dropped).
  const pareto = [];
  for (const [, p] of hpa) {
    if (pareto.length && p.violations >= pareto.at(-1).violations) continue;
    const cross = (o, a, b) => (a.cost - o.cost) * (b.violations - o.violations) - (a.violations - o.violations) * (b.cost - o.cost);
    while (pareto.length >= 2 && cross(pareto.at(-2), pareto.at(-1), p) <= 0) pareto.pop();
    pareto.push(p);
  }
  let at = null;
  for (let i = 0; i + 1 < pareto.length; i++) {
    const [a, b] = [pareto[i], pareto[i + 1]];
    if (s.cost >= a.cost && s.cost <= b.cost) at = a.violations + ((b.violations - a.violations) * (s.cost - a.cost)) / (b.cost - a.cost);
  }
  if (at === null && pareto.length && s.cost > pareto.at(-1).cost) at = pareto.at(-1).violations; // dearer than every target: the best it reached
  const ratio = at === null ? 'outside' : at === 0 ? (s.violations === 0 ? '1.00' : '∞') : (s.violations / at).toFixed(2);
  if (at !== null) {
    compared++;
    if (s.violations < at) below++;
  }
  const targets = hpa.map(([t, p]) => `${t} %: ${p.violations.toFixed(1)} / ${p.cost.toFixed(0)}`).join('; ');
  console.log(`| ${load} | ${s.violations.toFixed(2)} / ${s.cost.toFixed(0)} | ${at === null ? '–' : at.toFixed(2)} | ${ratio} | ${targets} |`);
}
console.log(`\nsockml below the HPA's curve on ${below} of ${compared} loads (${loads.length - compared} outside the targets' costs).`);
