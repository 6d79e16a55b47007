// Where the default (criterion v5's choice) stands on a load it misses, for aiming the next attempt (a
// diagnosis on tuning-side sets, nothing chosen): one lab invocation, sockml and the HPA at 70 % on the same
// arrivals, counted after the 90 s warm-up. Prints the violating (run, interval, service) snapshots sockml
// shares with the HPA and its own, the goal's budget (0.70 × the HPA's), and per service the replica-intervals
// per run each ran (where sockml's extra cost is).
//   node experiments/2026-12-07-criterion-v5/where.mjs SEED RUNS --pattern spike --duration 10m
//   node experiments/2026-12-07-criterion-v5/where.mjs 1000 10 --pattern trace --trace fixtures/sockshop-gke/runs/spike/run_2.csv
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [seed, runs, ...load] = process.argv.slice(2);
if (!seed || !runs || load.length === 0) throw new Error('usage: where.mjs SEED RUNS <lab load flags>');
const dir = join(mkdtempSync(join(tmpdir(), 'sockml-where-')), 'o');
execFileSync('node', ['packages/cli/bin/run.js', 'lab', ...load, '--peak-rps', '200', '--seed', seed, '--repeat', runs, '--condition', 'proactive,reactive', '--warmup', '90s', '--out', dir, '--json'], { stdio: ['ignore', 'ignore', 'inherit'] });

/** `run interval service` → the snapshot's service record, after the warm-up (3 intervals of 30 s). */
function snapshots(condition) {
  const out = new Map();
  for (const f of readdirSync(dir).filter((f) => f.startsWith(`${condition}_`) && f.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(dir, f), 'utf8').trim().split('\n')) {
      const s = JSON.parse(line);
      if (s.interval_idx < 3) continue;
      for (const [service, v] of Object.entries(s.services)) out.set(`${s.run_id} ${s.interval_idx} ${service}`, v);
    }
  }
  return out;
}
const sockml = snapshots('proactive');
const hpa = snapshots('reactive');
const n = Number(runs);
const violating = (m) => new Set([...m].filter(([, v]) => v.slo_violated).map(([k]) => k));
const sv = violating(sockml);
const hv = violating(hpa);
const shared = [...sv].filter((k) => hv.has(k));
const own = [...sv].filter((k) => !hv.has(k));
const count = (keys, part) => keys.reduce((o, k) => ((o[part(k)] = (o[part(k)] ?? 0) + 1), o), {});
console.log(`violating per run: sockml ${(sv.size / n).toFixed(2)}, HPA ${(hv.size / n).toFixed(2)}; shared ${(shared.length / n).toFixed(2)}, sockml's own ${(own.length / n).toFixed(2)}; the goal's budget ${((0.7 * hv.size) / n).toFixed(2)}`);
console.log('shared by service', count(shared, (k) => k.split(' ')[2]));
console.log("sockml's own by service", count(own, (k) => k.split(' ')[2]), 'by interval', count(own, (k) => k.split(' ')[1]));
const fewer = own.filter((k) => sockml.get(k).replicas < hpa.get(k).replicas).length;
console.log(`sockml's own at fewer replicas than the HPA ran there: ${fewer} of ${own.length}`);
console.log('replica-intervals per run (sockml, HPA, difference):');
const services = [...new Set([...sockml.keys()].map((k) => k.split(' ')[2]))];
for (const s of services) {
  const sum = (m) => [...m].filter(([k]) => k.endsWith(` ${s}`)).reduce((a, [, v]) => a + v.replicas, 0) / n;
  console.log(`  ${s.padEnd(10)} ${sum(sockml).toFixed(1)} ${sum(hpa).toFixed(1)} ${(sum(sockml) - sum(hpa)).toFixed(1)}`);
}
