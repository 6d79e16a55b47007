// Turns the lab.json files of run.sh into the tables of results-<set>.md.
//   node tables.mjs <results dir>
// PROACTIVE names the proactive condition in the headings, VARIANTS (comma-separated) the variant
// columns: the files <load>-<variant>.json (hpaNN: the reactive condition, the rest proactive).
// WARMUP=1 reads each file's afterWarmup summary (lab --warmup) instead of the whole runs'.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const pick = (j) => (process.env.WARMUP ? { ...j, summary: j.afterWarmup.summary } : j);
const files = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => [f.slice(0, -5), pick(JSON.parse(readFileSync(join(dir, f), 'utf8')))]));
const loads = Object.keys(files).filter((k) => files[k].summary.conditions.reactive && files[k].summary.conditions.proactive);
const f2 = (x) => (x === null || x === undefined ? '–' : x.toFixed(2));
const f1 = (x) => x.toFixed(1);
const p = (t) => (t ? (t.p < 0.001 ? '<0.001' : t.p.toFixed(3)) : '–');

const out = [];
const hpa = (name) => files[name].summary.conditions.reactive;
const proactiveName = process.env.PROACTIVE ?? 'hybrid';
out.push(`| load | proactive (${proactiveName}) violating/run | HPA 70 % violating/run | static | violations × | replica-s × | Mann–Whitney p | paired Wilcoxon p | target met |`);
out.push('|---|---:|---:|---:|---:|---:|---:|---:|---|');
for (const l of loads) {
  const s = files[l].summary;
  const c = s.comparisons.find((x) => x.condition === 'proactive' && x.baseline === 'reactive');
  const met = c.violationRatio <= 0.7 && c.replicaSecondsRatio <= 1 && c.wilcoxon && c.wilcoxon.p < 0.01 && c.violationRatio < 1;
  out.push(`| ${l} | ${f1(s.conditions.proactive.violatingSnapshotsPerRun)} | ${f1(s.conditions.reactive.violatingSnapshotsPerRun)} | ${f1(s.conditions.static.violatingSnapshotsPerRun)} | ${f2(c.violationRatio)} | ${f2(c.replicaSecondsRatio)} | ${p(c.mannWhitney)} | ${p(c.wilcoxon)} | ${met ? 'yes' : 'no'} |`);
}
out.push('');
out.push('Per load, every condition and variant: violating (service, interval) snapshots per run / replica-seconds per run, and both as a ratio of the HPA at 70 %.');
out.push('');
const variants = (process.env.VARIANTS ?? 'hpa40,hpa50,hpa60,hpa80,hpa90,no-models,no-tail,no-forecast,step').split(',');
out.push(`| load | HPA 70 % | static | ${proactiveName} | ${variants.join(' | ')} |`);
out.push(`|---|${'---|'.repeat(variants.length + 3)}`);
for (const l of loads) {
  const base = hpa(l);
  const cell = (c) => (c ? `${f1(c.violatingSnapshotsPerRun)} / ${Math.round(c.replicaSecondsPerRun)} (${f2(c.violatingSnapshotsPerRun / base.violatingSnapshotsPerRun)}, ${f2(c.replicaSecondsPerRun / base.replicaSecondsPerRun)})` : '–');
  const row = [cell(base), cell(files[l].summary.conditions.static), cell(files[l].summary.conditions.proactive)];
  for (const v of variants) {
    const f = files[`${l}-${v}`];
    row.push(cell(f && (v.startsWith('hpa') ? f.summary.conditions.reactive : f.summary.conditions.proactive)));
  }
  out.push(`| ${l} | ${row.join(' | ')} |`);
}
console.log(out.join('\n'));
