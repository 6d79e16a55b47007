#!/usr/bin/env node
// Loadtest benchmark: the highest constant rate the builtin engine holds on loopback against a trivial
// server. "Holds" = responses within the window ≥ 99 % of the offered requests and no dropped iteration.
// The server runs in its own process (its own core), so the number measures the load generator.
//
//   node bench/loadtest-bench.mjs [--rates 1000,2000,5000,10000] [--duration 10s] [--mix default|home]
//
// Each rate is a separate `sockml loadtest --pattern constant --json` run, as a user would start it.
// Results go to stdout as a Markdown table (paste into docs/BENCHMARKS.md) and bench/out/loadtest-results.json.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench', 'out');
const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const rates = arg('--rates', '1000,2000,5000,10000').split(',').map(Number);
const duration = arg('--duration', '10s');
// 'default': the Sock Shop journey mix (GETs, basic-auth login, JSON POSTs); 'home': GET / only.
const mix = arg('--mix', 'default');
mkdirSync(OUT, { recursive: true });

// A trivial target: reads the request, answers 200 with a small body, keeps the connection alive.
const SERVER = `
const http = require('node:http');
const s = http.createServer({ keepAliveTimeout: 30000 }, (req, res) => { req.resume(); req.on('end', () => res.end('{"ok":true}')); });
s.maxRequestsPerSocket = 0;
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;

function run(cmd, argv) {
  return new Promise((done) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('close', (code) => done({ code, stdout }));
  });
}

const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((done) => server.stdout.once('data', (d) => done(String(d).trim())));
const results = [];
try {
  for (const rate of rates) {
    const argv = [join(ROOT, 'packages/cli/bin/run.js'), 'loadtest', '--pattern', 'constant', '--duration', duration, '--peak-rps', String(rate), '--target', `http://127.0.0.1:${port}`, '--json', '--no-progress'];
    if (mix === 'home') argv.push('--mix', 'home=1,catalogue=0,category=0,item=0,login=0,addToCart=0,basket=0,checkout=0');
    const { code, stdout } = await run(process.execPath, argv);
    // 99: the run happened but missed --slo or --max-error-rate; the bench judges it by its own measure.
    if (code !== 0 && code !== 99) throw new Error(`sockml loadtest exited ${code} at ${rate} rps`);
    const s = JSON.parse(stdout).summary;
    const holds = s.completedInWindow >= 0.99 * s.offered && s.dropped === 0;
    results.push({ rate, offered: s.offered, achievedRps: s.achievedRps, ratio: s.achievedRatio, dropped: s.dropped, errors: s.errors, p50Ms: s.latency.p50Ms, p99Ms: s.latency.p99Ms, lagP99Ms: s.startLag.p99Ms, holds });
    process.stderr.write(`${rate} rps: achieved ${s.achievedRps.toFixed(0)} (${(s.achievedRatio * 100).toFixed(2)} %), dropped ${s.dropped}, p99 ${s.latency.p99Ms.toFixed(2)} ms, start lag p99 ${s.startLag.p99Ms.toFixed(2)} ms → ${holds ? 'holds' : 'does not hold'}\n`);
  }
} finally {
  server.kill();
}

const best = results.filter((r) => r.holds).reduce((m, r) => Math.max(m, r.rate), 0);
const meta = { date: new Date().toISOString().slice(0, 10), node: process.version, cpus: cpus().length, duration, mix, best };
writeFileSync(join(OUT, 'loadtest-results.json'), JSON.stringify({ ...meta, results }, null, 2) + '\n');
const f = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '–');
console.log('| target rps | offered | achieved rps | achieved / offered | dropped | p50 ms | p99 ms | start lag p99 ms | holds |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|:---:|');
for (const r of results) console.log(`| ${r.rate.toLocaleString('en')} | ${r.offered.toLocaleString('en')} | ${f(r.achievedRps, 0)} | ${f(r.ratio * 100)} % | ${r.dropped} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${f(r.lagP99Ms)} | ${r.holds ? 'yes' : 'no'} |`);
console.log(`\nHighest rate held: ${best ? best.toLocaleString('en') + ' rps' : 'none of those tried'} (${meta.node}, ${meta.cpus} cores, ${duration} each, mix ${mix}).`);
