// Is sockml below the HPA's own cost/violation curve? For each load of a results directory: the HPA at
// 40–90 % CPU (<load>-hpaT.json, and 70 % from the reactive condition of <load>.json) on the same arrivals
// gives points (replica-seconds per run, violating snapshots per run), after the 90 s warm-up. The curve is
// their lower convex hull (CostViolationCurve in packages/core: what running two targets for shares of the
// time reaches; targets between them, e.g. 65 %, were not run and might lie lower still). At sockml's
// replica-seconds it says how many violations the HPA would have at that cost. A ratio under 1 means
// sockml has fewer violations than the HPA spending the same; dearer than every target, sockml is compared
// with the target of fewest violations; cheaper than every target, "outside". Needs the built core.
// With --bootstrap N each ratio gets a 95 % interval: N resamplings of the run ids with replacement (the same
// ids for sockml and every target: runs with one id had the same arrivals), the means and the hull recomputed
// each time (seeded, so the output is the same every time).
//   node experiments/2026-12-07-peak-load/frontier.mjs DIR [SUFFIX] [--bootstrap N]   (SUFFIX: sockml's file is <load>SUFFIX.json, default '')
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CostViolationCurve } from '../../packages/core/dist/index.js';

const argv = process.argv.slice(2);
const bootstrap = argv.includes('--bootstrap') ? Number(argv[argv.indexOf('--bootstrap') + 1]) : 0;
const [dir, suffix = ''] = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--bootstrap');
const read = (f) => JSON.parse(readFileSync(join(dir, f), 'utf8')).afterWarmup.summary.conditions;
// mulberry32: a small seeded generator, so the intervals are the same on every run of this script.
let state = 17000;
const random = () => {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
/** sockml's violations over the HPA curve's at sockml's cost, on the runs `ids` (null: cheaper than every target). */
function ratioOn(ids, sockml, hpa) {
  const mean = (c) => {
    const byId = new Map(c.perRun.map((r) => [r.runId, r]));
    const rs = ids.map((id) => byId.get(id));
    return { cost: rs.reduce((a, r) => a + r.replicaSeconds, 0) / rs.length, violations: rs.reduce((a, r) => a + r.violating, 0) / rs.length };
  };
  const s = mean(sockml);
  const reading = new CostViolationCurve(hpa.map(([, c]) => mean(c))).at(s.cost);
  if (reading.where === 'below') return null;
  return reading.violations === 0 ? (s.violations === 0 ? 1 : Infinity) : s.violations / reading.violations;
}
const loads = readdirSync(dir).filter((f) => f.endsWith('.json') && !/-(hpa[\w-]+|current-default|previous-default)\.json$/.test(f)).map((f) => f.slice(0, -5));
const point = (c) => ({ cost: c.replicaSecondsPerRun, violations: c.violatingSnapshotsPerRun });

console.log(`| load | sockml: violations / replica-s per run | the HPA's curve at that cost | ×${bootstrap ? ' (95 % interval)' : ''} | HPA targets (violations / replica-s) |`);
console.log('|---|---:|---:|---:|---|');
let surely = 0;
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
  let interval = '';
  if (bootstrap) {
    const raw = [[70, read(`${load}.json`).reactive], ...[40, 50, 60, 80, 85, 90].filter((t) => existsSync(join(dir, `${load}-hpa${t}.json`))).map((t) => [t, read(`${load}-hpa${t}.json`).reactive])];
    const sockml = read(`${load}${suffix}.json`).proactive;
    const ids = sockml.perRun.map((r) => r.runId);
    const ratios = [];
    for (let b = 0; b < bootstrap; b++) {
      const r = ratioOn(ids.map(() => ids[Math.floor(random() * ids.length)]), sockml, raw);
      ratios.push(r ?? Infinity);
    }
    ratios.sort((a, b) => a - b);
    const [lo, hi] = [ratios[Math.floor(0.025 * bootstrap)], ratios[Math.ceil(0.975 * bootstrap) - 1]];
    if (hi < 1) surely++;
    interval = ` (${lo.toFixed(2)}–${Number.isFinite(hi) ? hi.toFixed(2) : '∞'})`;
  }
  const targets = [...hpa].sort((a, b) => a[1].cost - b[1].cost).map(([t, p]) => `${t} %: ${p.violations.toFixed(1)} / ${p.cost.toFixed(0)}`).join('; ');
  console.log(`| ${load} | ${s.violations.toFixed(2)} / ${s.cost.toFixed(0)} | ${at === null ? '–' : at.toFixed(2)} | ${ratio}${interval} | ${targets} |`);
}
console.log(`\nsockml below the HPA's curve on ${below} of ${compared} loads (${loads.length - compared} outside the targets' costs).`);
if (bootstrap) console.log(`With the whole 95 % interval under 1: ${surely} of ${loads.length} (${bootstrap} resamplings of the runs).`);
