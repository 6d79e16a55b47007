#!/usr/bin/env node
// The lab's speed target: one 1-hour step run at 200 rps peak, all three conditions, ≥ 1000× real time
// on this 2-core machine, with peak memory. Runs the real CLI (`sockml lab`) in a child per repetition and
// reports wall time, the speed-up over real time (3 conditions × 1 h of simulated time / wall time) and the
// child's peak RSS (worker threads included: they share its address space).
//
//   node bench/lab-bench.mjs [--repeat 3] [--threads N] [--duration 1h] [--peak-rps 200] [--pattern step]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const repeat = Number(opt('repeat', '3'));
const duration = opt('duration', '1h');
const peak = opt('peak-rps', '200');
const pattern = opt('pattern', 'step');
const threads = opt('threads', undefined);
const measure = join(dirname(fileURLToPath(import.meta.url)), 'measure.mjs');
const simulated = 3 * (duration.endsWith('h') ? Number(duration.slice(0, -1)) * 3600 : duration.endsWith('m') ? Number(duration.slice(0, -1)) * 60 : Number(duration.replace(/s$/, '')));

const results = [];
for (let i = 0; i < repeat; i++) {
  const out = join(mkdtempSync(join(tmpdir(), 'lab-bench-')), 'runs');
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [measure, 'lab', '--pattern', pattern, '--condition', 'proactive,reactive,static', '--duration', duration, '--peak-rps', peak, '--seed', String(100 + i), '--out', out, '--json', ...(threads ? ['--threads', threads] : [])], { encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`sockml lab failed (${r.status}): ${r.stderr}`);
  const bench = JSON.parse(/BENCH (.*)/.exec(r.stderr)[1]);
  const json = JSON.parse(r.stdout);
  results.push({ wallSeconds: wall, insideSeconds: json.wallSeconds, speedup: simulated / wall, maxRssMb: bench.maxRssKb / 1024, load: loadavg()[0] });
  rmSync(dirname(out), { recursive: true, force: true });
  process.stderr.write(`run ${i + 1}: ${wall.toFixed(2)} s wall (${json.wallSeconds.toFixed(2)} s inside the command), ${(simulated / wall).toFixed(0)}× real time, peak RSS ${(bench.maxRssKb / 1024).toFixed(0)} MB, load ${loadavg()[0].toFixed(2)}\n`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(JSON.stringify({ pattern, duration, peakRps: Number(peak), conditions: 3, simulatedSeconds: simulated, runs: results, median: { wallSeconds: median(results.map((r) => r.wallSeconds)), speedup: median(results.map((r) => r.speedup)), maxRssMb: median(results.map((r) => r.maxRssMb)) } }, null, 2));
