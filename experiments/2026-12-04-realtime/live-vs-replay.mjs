#!/usr/bin/env node
// Live equals replay: for every proactive run in DIR, `sockml replay` of the run's own polls (metrics.csv),
// with the run's policy as `experiment run --json` reported it (RUN_JSON: its durations already divided by
// the time scale), must take the live scaler's decision and target on every (poll, service) pair.
//
//   node experiments/2026-12-04-realtime/live-vs-replay.mjs DIR RUN_JSON
//
// Prints one line per run and a total; exit 1 if any pair differs. A pair the live scaler decided without
// every vote (degraded) is counted apart, not compared; collect's last poll may have no live decision.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { csvRecords } from '@sockml/core';

const [dir, runJson] = process.argv.slice(2);
if (!dir || !runJson) {
  console.error('usage: live-vs-replay.mjs DIR RUN_JSON');
  process.exit(2);
}
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = JSON.parse(readFileSync(runJson, 'utf8'));
if (!run.policy?.settings || !(run.timeScale > 0)) {
  console.error(`${runJson}: no policy settings or time scale (older run.json files lack them); pass the replay flags by hand`);
  process.exit(2);
}
const pollSeconds = 30 / run.timeScale;
const policy = Object.entries(run.policy.settings).flatMap(([k, v]) => ['--policy-set', `${k}=${v}`]);
const tmp = mkdtempSync(join(tmpdir(), 'live-vs-replay-'));
let total = { compared: 0, equal: 0, degraded: 0 };
for (const d of readdirSync(dir).filter((f) => f.startsWith('proactive_') && f.endsWith('.d')).sort()) {
  const out = join(tmp, `${d}.csv`);
  execFileSync('node', [join(ROOT, 'packages/cli/bin/run.js'), 'replay', join(dir, d, 'metrics.csv'), '--poll-interval', `${pollSeconds}s`, '--policy', run.policy.name, ...policy, '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [header, ...rows] = csvRecords(readFileSync(out, 'utf8'), out);
  const offline = rows.map((r) => Object.fromEntries(header.cells.map((h, i) => [h, r.cells[i]])));
  const live = readFileSync(join(dir, d, 'decisions.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const byKey = new Map(live.map((x) => [`${Date.parse(x.timestamp)}|${x.service}`, x]));
  const lastPoll = Math.max(...offline.map((o) => Date.parse(o.timestamp)));
  const n = { compared: 0, equal: 0, degraded: 0 };
  for (const o of offline) {
    const x = byKey.get(`${Date.parse(o.timestamp)}|${o.service}`);
    if (!x) {
      if (Date.parse(o.timestamp) === lastPoll) continue;
      throw new Error(`${d}: no live decision for ${o.service} at ${o.timestamp}`);
    }
    if (x.degraded) {
      n.degraded++;
      continue;
    }
    n.compared++;
    if (x.decision === o.decision && x.target_replicas === Number(o.target_replicas)) n.equal++;
    else console.log(`${d}: ${o.service} ${o.timestamp}: live ${x.decision} → ${x.target_replicas}, replay ${o.decision} → ${o.target_replicas}`);
  }
  console.log(`${d}: ${n.equal} of ${n.compared} equal, ${n.degraded} degraded`);
  for (const k of Object.keys(total)) total[k] += n[k];
}
console.log(`total: ${total.equal} of ${total.compared} (poll, service) pairs equal, ${total.degraded} degraded`);
process.exit(total.equal === total.compared ? 0 : 1);
