#!/usr/bin/env node
// How much could anticipation buy? The HPA with perfect foresight of its own decisions: each run's HPA
// scaling actions, replayed open loop L seconds earlier on the same arrivals (ScheduledController). Same
// replica counts in the same order; only the lag is gone (and each count runs L s sooner, which costs
// replica-seconds on a rising load). At CPU targets of 70, 80 and 90 %, each against the HPA at 70 % on
// time: a higher target buys back what the lead costs. Not a policy: a yardstick for the closed-loop
// issue's target (>= 30 % fewer violating snapshots than the HPA at 70 %, at no more replica-seconds), run
// on the sets of docs/EXPERIMENTS.md with the settings of experiments/lab-sets.sh. Nothing is chosen with it.
//
//   node experiments/2026-12-05-lag-bound/bound.mjs [tuning|evaluation] [--runs N] [--json]
//   node experiments/2026-12-05-lag-bound/bound.mjs --table results/evaluation.json   # the table of saved results
//
// Needs the built core (pnpm -r run build). Checks itself: its HPA runs must give the same per-run
// numbers as the committed lab.json of experiments/2026-12-05-hpa-floor for the same set.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPattern, parseSnapshotJsonl, parseTrace, runLab, ScheduledController, shiftActions, summarizeLab, traceDurationMs, traceLoadPattern } from '@sockml/core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);

function printTable({ set, seed, repeat, hpaTargetsPct, leadsS, rows }) {
  const f = (x) => (x === null ? '–' : x.toFixed(2));
  console.log(`The HPA replayed L seconds early (${set} set, seed ${seed}, ${repeat} runs per load): violating snapshots × / replica-seconds ×, against the HPA at 70 % on time\n`);
  console.log(`| load | HPA | ${leadsS.map((l) => (l === 0 ? 'on time' : `L = ${l} s`)).join(' | ')} |`);
  console.log(`|---|---|${leadsS.map(() => '---:').join('|')}|`);
  for (const label of [...new Set(rows.map((r) => r.pattern))]) {
    for (const t of hpaTargetsPct) {
      const rs = rows.filter((r) => r.pattern === label && r.hpaTargetPct === t);
      console.log(`| ${t === hpaTargetsPct[0] ? label : ''} | ${t} % | ${rs.map((r) => `${f(r.violationRatio)} / ${f(r.costRatio)}`).join(' | ')} |`);
    }
  }
}

if (args[0] === '--table') {
  printTable(JSON.parse(readFileSync(args[1], 'utf8')));
  process.exit(0);
}
const set = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a)) ?? 'evaluation';
if (!['tuning', 'evaluation'].includes(set)) throw new Error(`set: tuning or evaluation, got ${set}`);
const runsFlag = args.indexOf('--runs');
const seed = set === 'tuning' ? 1000 : 2000;
const repeat = runsFlag >= 0 ? Number(args[runsFlag + 1]) : set === 'tuning' ? 10 : 20;
const json = args.includes('--json');
const LEADS_S = [0, 15, 30, 45, 60, 90];
const TARGETS = [70, 80, 90];
const SLO = 35.68;
const INTERVAL_MS = 30_000;
const MAX_REPLICAS = 10;

const patterns = ['constant', 'ramp', 'step', 'spike', 'mixed'].map((p) => ({ label: p, pattern: loadPattern(p, { durationMs: 600_000, peakRps: 200 }) }));
if (set === 'evaluation') {
  for (const p of ['constant', 'ramp', 'spike', 'step']) {
    const file = `fixtures/sockshop-gke/runs/${p}/run_1.csv`;
    const trace = parseTrace(readFileSync(join(ROOT, file), 'utf8'), file);
    const ms = Math.floor(traceDurationMs(trace) / INTERVAL_MS) * INTERVAL_MS;
    patterns.push({ label: `gke-${p}-run1`, pattern: traceLoadPattern(trace, { durationMs: ms, peakRps: 200 }) });
  }
}

const summary = (lines) => summarizeLab(parseSnapshotJsonl(lines.join('\n'), 'bound'), { sloMs: SLO, intervalSeconds: INTERVAL_MS / 1000 }).conditions.reactive;
const rows = [];
for (const { label, pattern } of patterns) {
  let baseline; // the HPA at 70 %, on time
  for (const target of TARGETS) {
    const base = { condition: 'reactive', pattern, seed, sloMs: SLO, intervalMs: INTERVAL_MS, initialReplicas: 1, hpa: { targetUtilizationPct: target, maxReplicas: MAX_REPLICAS } };
    const byLead = new Map(LEADS_S.map((l) => [l, []]));
    for (let runId = 1; runId <= repeat; runId++) {
      const hpa = await runLab({ ...base, runId });
      for (const l of LEADS_S) {
        // Lead 0 is the HPA run itself (scheduled.test.ts: the replay is byte for byte the same).
        const r = l === 0 ? hpa : await runLab({ ...base, runId, controller: new ScheduledController(shiftActions(hpa.scalingActions, l * 1000)) });
        byLead.get(l).push(...r.lines);
      }
    }
    const onTime = summary(byLead.get(0));
    baseline ??= onTime;
    // The self-check: the same runs as `sockml lab` made for the committed results.
    const committed = join(ROOT, `experiments/2026-12-05-hpa-floor/results/${set}/${target === 70 ? label : `${label}-hpa${target}`}.json`);
    if (existsSync(committed) && repeat === (set === 'tuning' ? 10 : 20)) {
      const want = JSON.parse(readFileSync(committed, 'utf8')).summary.conditions.reactive.perRun;
      if (JSON.stringify(want) !== JSON.stringify(onTime.perRun)) throw new Error(`${label}, HPA at ${target} %: these runs differ from ${committed}; the settings drifted`);
    }
    for (const l of LEADS_S) {
      const s = summary(byLead.get(l));
      rows.push({
        pattern: label,
        hpaTargetPct: target,
        leadS: l,
        violatingPerRun: s.violatingSnapshotsPerRun,
        replicaSecondsPerRun: s.replicaSecondsPerRun,
        violationRatio: baseline.violatingSnapshotsPerRun > 0 ? s.violatingSnapshotsPerRun / baseline.violatingSnapshotsPerRun : null,
        costRatio: s.replicaSecondsPerRun / baseline.replicaSecondsPerRun,
      });
    }
  }
  process.stderr.write(`${label} done\n`);
}

if (json) process.stdout.write(JSON.stringify({ set, seed, repeat, maxReplicas: MAX_REPLICAS, hpaTargetsPct: TARGETS, leadsS: LEADS_S, rows }, null, 2) + '\n');
else printTable({ set, seed, repeat, hpaTargetsPct: TARGETS, leadsS: LEADS_S, rows });
