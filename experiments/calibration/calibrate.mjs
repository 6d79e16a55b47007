#!/usr/bin/env node
// Calibration of the Sock Shop emulator against the real GKE recordings: what the recordings measured per
// service (latency and CPU against request rate), what the emulator answers at the same rates, and how the
// emulated front-end's p95 falls with replicas. The work is packages/core/src/sim/calibration.ts (which
// the calibration test also runs); this file reads the recordings and prints.
//
//   pnpm build && node experiments/calibration/calibrate.mjs [--json] [recordings-dir]
//
// Default recordings: fixtures/sockshop-gke/runs (the 18 GKE load runs). In-process and in model time:
// no emulator server, no load generator, no wall clock; the same seed gives the same numbers.
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calibrate, DEFAULT_CALIBRATION, parseSnapshotJsonl, readMetricsCsv } from '@sockml/core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const dir = args.find((a) => !a.startsWith('--')) ?? join(ROOT, 'fixtures', 'sockshop-gke', 'runs');

const csvFiles = (d) => readdirSync(d).sort().flatMap((f) => (statSync(join(d, f)).isDirectory() ? csvFiles(join(d, f)) : f.endsWith('.csv') ? [join(d, f)] : []));

const recordings = [];
for (const path of csvFiles(dir)) {
  const samples = [];
  for await (const batch of readMetricsCsv(createReadStream(path), path)) samples.push(...batch);
  recordings.push({ name: relative(ROOT, path), samples });
}
const report = calibrate(recordings);

// Secondary evidence where replicas are known: the prototype's diag_* experiment snapshots (GKE, 2026-04-13,
// another campaign than the runs), front-end p95 against replicas and rate per replica.
const seedDir = join(ROOT, 'fixtures', 'seed-experiments');
const seed = [];
for (const f of readdirSync(seedDir).filter((f) => f.startsWith('diag_')).sort()) {
  for (const s of parseSnapshotJsonl(readFileSync(join(seedDir, f), 'utf8'), f)) {
    const fe = s.services['front-end'];
    if (s.phase === 'settle' || !fe || fe.replicas === null || fe.rps === null || fe.p95Ms === null || fe.rps < 5) continue;
    seed.push({ file: f, interval: s.intervalIdx, replicas: fe.replicas, rps: fe.rps, rpsPerReplica: fe.rps / fe.replicas, p95: fe.p95Ms, cpuPct: fe.cpuPct });
  }
}

if (json) {
  process.stdout.write(JSON.stringify({ ...report, seedExperimentsFrontEnd: seed }, null, 2) + '\n');
  process.exit(0);
}

const f = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(d));
const o = DEFAULT_CALIBRATION;
const out = [];
out.push(`# Emulator calibration against ${report.recordings.length} recordings in ${relative(ROOT, dir)}`);
out.push('');
out.push(`Steady polls (rate within ${o.steady.steadyTolerance * 100} % of the previous poll, ≥ ${o.steady.minRps} rps, latency present): ${report.steadyPolls}.`);
out.push('Latencies are medians over the polls of histogram_quantile over buckets 5, 10, 25, 50, 100 … ms: values snap to');
out.push('bucket artefacts (2.5 / 4.75 ms = everything under 5 ms; 17.5 / 24.25 ms = everything in 10–25 ms).');
out.push('');
out.push('## Recorded, per service, by its own request rate');
for (const [s, c] of Object.entries(report.services)) {
  out.push('');
  const cpu = c.cpu ? `CPU ≈ ${f(c.cpu.intercept, 2)} % + ${f(c.cpu.slope, 3)} % per rps (${f(c.cpu.cpuMsPerRequest, 2)} core-ms per request, n = ${c.cpu.n})` : 'CPU: too few polls';
  const base = c.shape.base ? `low-load (${c.shape.base.fromRps}–${c.shape.base.toRps} rps) p50 ${f(c.shape.base.p50)} / p95 ${f(c.shape.base.p95)} ms` : 'no low-load band';
  const rise = c.shape.rise ? `p95 > 1.25 × low-load from the ${c.shape.rise.fromRps}–${c.shape.rise.toRps} rps band on` : `no rise up to ${f(c.shape.maxRps)} rps`;
  out.push(`### ${s}: ${base}; ${rise}; ${cpu}; memory ${f(c.memoryMb, 0)} MiB`);
  out.push('');
  out.push('| rps band | polls | rps | p50 | p95 | p95 IQR | p99 | CPU % |');
  out.push('|---|---:|---:|---:|---:|---|---:|---:|');
  for (const b of c.bands) out.push(`| ${b.fromRps}–${b.toRps} | ${b.polls} | ${f(b.rps, 2)} | ${f(b.p50)} | ${f(b.p95)} | ${f(b.p95Q1)}–${f(b.p95Q3)} | ${f(b.p99)} | ${f(b.cpuPct, 2)} |`);
}
out.push('');
out.push('## Fan-out: requests per front-end request (slope) and background traffic (intercept, rps)');
out.push('');
out.push('| service | per front-end request | background rps | polls |');
out.push('|---|---:|---:|---:|');
for (const [s, fit] of Object.entries(report.fanOut)) out.push(`| ${s} | ${f(fit.slope, 3)} | ${f(fit.intercept, 2)} | ${fit.n} |`);
out.push('');
out.push(`Journey mix for the emulator (weights): ${Object.entries(report.journeyWeights).filter(([, w]) => w > 0).map(([k, w]) => `${k} ${f(w, 3)}`).join(', ')}`);
out.push('');
out.push(`## Recorded vs emulated, by front-end rate (tolerance: within ${o.relTolerance * 100} % or ${o.absToleranceMs} ms)`);
out.push('');
out.push('| front-end band | service | polls | rec rps | emu rps | rec p50 | emu p50 | rec p95 | emu p95 | rec CPU % | emu CPU % | verdict |');
out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
for (const r of report.comparison) {
  const verdict = !r.compared ? `not compared (${r.reason})` : r.p50Ok && r.p95Ok ? 'ok' : [r.p50Ok ? '' : 'p50', r.p95Ok ? '' : 'p95'].filter(Boolean).join('+') + ' off';
  out.push(
    `| ${r.fromRps}–${r.toRps} | ${r.service} | ${r.recorded.polls} | ${f(r.recorded.rps, 2)} | ${f(r.emulated.rps, 2)} | ${f(r.recorded.p50)} | ${f(r.emulated.p50)} | ${f(r.recorded.p95)} | ${f(r.emulated.p95)} | ${f(r.recorded.cpuPct, 2)} | ${f(r.emulated.cpuPct, 2)} | ${verdict} |`,
  );
}
const compared = report.comparison.filter((r) => r.compared);
out.push('');
out.push(`Compared: ${compared.length}; p50 within tolerance ${compared.filter((r) => r.p50Ok).length}, p95 within tolerance ${compared.filter((r) => r.p95Ok).length}.`);
out.push('');
out.push('## Emulated front-end against its replicas (other services at 1)');
out.push('');
out.push(`| front-end rps | ${o.replicaCounts.map((n) => `${n} replica${n > 1 ? 's' : ''} p50 / p95`).join(' | ')} |`);
out.push(`|---:|${o.replicaCounts.map(() => '---:').join('|')}|`);
for (const rps of o.replicaRates) {
  const rows = report.replicas.filter((r) => r.rps === rps);
  out.push(`| ${rps} | ${rows.map((r) => `${f(r.p50)} / ${f(r.p95)}`).join(' | ')} |`);
}
out.push('');
out.push('## Emulated under sockml’s default journey mix (loadtest, experiment run), one replica each: p50 / p95');
out.push('');
const services = Object.keys(report.defaultJourney[0]?.services ?? {});
out.push(`| front-end rps | ${services.join(' | ')} |`);
out.push(`|---:|${services.map(() => '---:').join('|')}|`);
for (const row of report.defaultJourney) out.push(`| ${row.rps} | ${services.map((s) => `${f(row.services[s].p50)} / ${f(row.services[s].p95)}`).join(' | ')} |`);
out.push('');
out.push('## Recorded front-end where replicas are known (fixtures/seed-experiments diag_*, another campaign)');
out.push('');
out.push('| file | interval | replicas | rps | rps per replica | p95 | CPU % |');
out.push('|---|---:|---:|---:|---:|---:|---:|');
for (const s of seed) out.push(`| ${s.file} | ${s.interval} | ${s.replicas} | ${f(s.rps)} | ${f(s.rpsPerReplica)} | ${f(s.p95)} | ${f(s.cpuPct)} |`);
process.stdout.write(out.join('\n') + '\n');
