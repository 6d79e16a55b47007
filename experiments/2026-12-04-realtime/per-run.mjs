#!/usr/bin/env node
// Per-run numbers of a real-time experiment directory, counted as the lab counts them (summarizeLab):
// violating (service, interval) snapshots and replica-seconds (30 s of experiment time per snapshot) per run
// and condition, and each condition against the reactive baseline, Mann–Whitney over runs and Wilcoxon
// paired by run id (runs with the same id had the same arrivals).
//
// With --warmup-polls N the first N intervals of every run are left out of both counts (criterion v2's warm-up,
// as `lab --warmup` and `experiment analyze --warmup-polls` count it).
//
//   node experiments/2026-12-04-realtime/per-run.mjs DIR [--warmup-polls N] [--json]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSnapshotJsonl, summarizeLab } from '@sockml/core';

const [dir, ...rest] = process.argv.slice(2);
if (!dir) {
  console.error('usage: per-run.mjs DIR [--warmup-polls N] [--json]');
  process.exit(2);
}
const snapshots = readdirSync(dir)
  .filter((f) => f.endsWith('.jsonl'))
  .sort()
  .flatMap((f) => parseSnapshotJsonl(readFileSync(join(dir, f), 'utf8'), join(dir, f)));
const unknown = rest.filter((a, i) => a !== '--json' && a !== '--warmup-polls' && rest[i - 1] !== '--warmup-polls');
const w = rest.indexOf('--warmup-polls');
const warmupIntervals = w >= 0 ? Number(rest[w + 1]) : 0;
if (unknown.length || (w >= 0 && !/^\d+$/.test(rest[w + 1] ?? ''))) {
  console.error('usage: per-run.mjs DIR [--warmup-polls N] [--json]   (N: a whole number of intervals)');
  process.exit(2);
}
const s = summarizeLab(snapshots, { sloMs: 35.68, intervalSeconds: 30, warmupIntervals });
if (rest.includes('--json')) {
  console.log(JSON.stringify(s, null, 2));
} else {
  if (warmupIntervals) console.log(`(the first ${warmupIntervals} intervals of every run left out)`);
  for (const [c, v] of Object.entries(s.conditions)) {
    console.log(`${c}: violating ${v.perRun.map((r) => r.violating).join(', ')} (mean ${v.violatingSnapshotsPerRun.toFixed(1)}); replica-s per run ${v.replicaSecondsPerRun.toFixed(0)}`);
  }
  for (const c of s.comparisons) {
    const p = (x) => (x ? x.p.toFixed(3) : '–');
    console.log(`${c.condition} vs ${c.baseline}: violations × ${c.violationRatio?.toFixed(2)}, replica-s × ${c.replicaSecondsRatio?.toFixed(2)}, Mann–Whitney p ${p(c.mannWhitney)}, paired Wilcoxon p ${p(c.wilcoxon)}`);
  }
}
