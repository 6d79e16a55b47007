#!/usr/bin/env node
// Live pipeline benchmark on a real local Kafka broker (scripts/kafka.sh): serve-model throughput
// (feature vectors/s one process scores and publishes as votes) and decision latency (publishing a
// poll to `metrics` → its decision on `scaling-decisions`, three voters and one scaler, p50/p99).
//
//   node bench/live-bench.mjs [--vectors 200000] [--polls 300] [--poll-every-ms 200] [--warmup-polls 0] [--latency-only]
//
// The latency part also breaks each decision down per hop from Kafka record timestamps (CreateTime,
// set by each producer's send; one machine, one clock): poll published → each vote sent by a
// serve-model → decision sent by the scaler → decision received here; and the CPU time each process
// (broker, voters, scaler, this bench) used per poll meanwhile (Linux /proc).
//
// Needs the built packages (scripts/bootstrap.sh) and Java 17 + Maven for the broker.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { FeatureExtractor, featureSet, formatMetricsMessage, parseIsoTime, readModelCard } from '@sockml/core';
import { startKafkaBroker } from '../packages/cli/dist/testing/kafka-broker.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'packages/cli/bin/run.js');
const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
const VECTORS = arg('--vectors', 200_000);
const POLLS = arg('--polls', 300);
const EVERY = arg('--poll-every-ms', 200);
// Polls published first and not counted: the broker's JIT and the five Node processes warm up over the
// first minute or so, and a scaler runs for hours (docs/BENCHMARKS.md, "cold and warm").
const WARMUP = arg('--warmup-polls', 0);
const SKIP_THROUGHPUT = process.argv.includes('--latency-only');

const set = featureSet((await readModelCard(join(ROOT, 'models/xgboost.card.json'))).featureSet);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** CPU time (user + system) a process has used so far, ms, from /proc (Linux); undefined elsewhere. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}
const pct = (xs, q) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/** Feature-vector messages from the GKE mixed-4h recording in poll order, repeated with shifted times. */
function* vectors(count, runId) {
  const lines = readFileSync(join(ROOT, 'fixtures/sockshop-gke/mixed-4h.csv'), 'utf8').trim().split('\n').slice(1);
  const rows = lines.map((l) => l.split(',')).sort((a, b) => parseIsoTime(a[0]) - parseIsoTime(b[0]));
  const span = parseIsoTime(rows.at(-1)[0]) - parseIsoTime(rows[0][0]) + 30_000;
  const x = new FeatureExtractor(set, runId);
  const num = (c) => (c === '' || c === 'nan' ? null : Number(c));
  for (let n = 0, copy = 0; n < count; copy++) {
    for (const c of rows) {
      if (n++ >= count) return;
      const timeMs = parseIsoTime(c[0]) + copy * span;
      const s = { timestamp: new Date(timeMs).toISOString(), timeMs, service: c[1], requestRateRps: num(c[2]), errorRatePct: num(c[3]), p50LatencyMs: num(c[4]), p95LatencyMs: num(c[5]), p99LatencyMs: num(c[6]), cpuUsagePct: num(c[7]), memoryUsageMb: num(c[8]), slaViolated: null };
      yield { key: s.service, value: JSON.stringify(formatMetricsMessage(x.extract(s), set.names)) };
    }
  }
}

function startCli(args, env = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NO_COLOR: '1', ...env } });
  child.exited = new Promise((r) => child.once('exit', r));
  child.ready = new Promise((r) => child.stdout.on('data', (d) => /serve-model |scale: /.test(String(d)) && r()));
  child.stdout.resume();
  return child;
}

// The broker's steady state, not the fast-start JVM flags the tests use (scripts/kafka.sh).
process.env.SOCKML_KAFKA_JVM_FLAGS ??= '-XX:+UseG1GC';
const broker = await startKafkaBroker();
const results = {};
try {
  await broker.createTopics(['metrics', 'model-votes', 'scaling-decisions', 'metrics.dlq', 'model-votes.dlq'], 3);
  const kafka = new kafkajs.Kafka({ brokers: broker.brokers, logLevel: kafkajs.logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  await producer.connect();

  // 1. serve-model throughput: the vectors wait in `metrics`; one process works through all of them.
  if (!SKIP_THROUGHPUT) {
  let batch = [];
  for (const m of vectors(VECTORS, 'throughput')) {
    batch.push(m);
    if (batch.length === 1000) await producer.send({ topic: 'metrics', messages: batch }), (batch = []);
  }
  if (batch.length) await producer.send({ topic: 'metrics', messages: batch });
  let votes = 0;
  let firstVote = 0;
  let lastVote = 0;
  const counter = kafka.consumer({ groupId: 'bench-votes' });
  await counter.connect();
  await counter.subscribe({ topic: 'model-votes', fromBeginning: true });
  await counter.run({ eachBatch: async ({ batch: b }) => {
    const now = performance.now();
    if (!firstVote) firstVote = now;
    votes += b.messages.length;
    lastVote = now;
  } });
  const server = startCli(['serve-model', '--model', 'models/random_forest.onnx', '--kafka', broker.brokers[0], '--from-beginning', '--group', 'bench-throughput']);
  const until = Date.now() + 300_000;
  while (votes < VECTORS && Date.now() < until) await sleep(100);
  server.kill('SIGTERM');
  await counter.disconnect();
  results.serveModel = { model: 'random_forest (the slowest of the three)', vectors: votes, seconds: (lastVote - firstVote) / 1000, vectorsPerSecond: votes / ((lastVote - firstVote) / 1000) };
  }

  // 2. decision latency: three voters and a scaler, polls of 7 services published one at a time.
  // Each process keeps when every (snapshot, service) reached it and writes that here when it stops.
  const traceDir = mkdtempSync(join(tmpdir(), 'sockml-live-bench-'));
  const traceEnv = { SOCKML_TRACE_FILE: join(traceDir, 'hops.jsonl') };
  const procs = ['xgboost', 'random_forest', 'logistic_regression'].map((m) => startCli(['serve-model', '--model', `models/${m}.onnx`, '--kafka', broker.brokers[0], '--group', `bench-${m}`], traceEnv));
  procs.push(startCli(['scale', '--kafka', broker.brokers[0], '--group', 'bench-scale', '--quiet', '--window', '5s'], traceEnv));
  await Promise.all(procs.map((p) => p.ready));
  await sleep(3000); // let the consumer groups settle
  const published = new Map();
  const pollIndex = new Map(); // snapshot → its place among the counted polls
  const byPoll = []; // { index, ms } per decision
  const publishedAt = new Map(); // snapshot → Date.now() at publish, for the per-hop breakdown
  const voteSent = new Map(); // `${snapshot}|${service}` → CreateTime of each model's vote
  const hops = []; // one per decision: its poll's publish time, when the scaler sent it and when it arrived here
  const latencies = [];
  const trace = kafka.consumer({ groupId: 'bench-trace' });
  await trace.connect();
  await trace.subscribe({ topic: 'model-votes', fromBeginning: false });
  // The bench's consumers commit nothing (their groups are thrown away): kafkajs's autoCommit would wait
  // for an OffsetCommit after every batch before fetching again, on the path of the next decision.
  await trace.run({ autoCommit: false, eachMessage: async ({ message }) => {
    const v = JSON.parse(String(message.value));
    const k = `${v.snapshot_id}|${v.service}`;
    if (!voteSent.has(k)) voteSent.set(k, []);
    voteSent.get(k).push({ model: v.model, sent: Number(message.timestamp) });
  } });
  const decisions = kafka.consumer({ groupId: 'bench-decisions' });
  await decisions.connect();
  await decisions.subscribe({ topic: 'scaling-decisions', fromBeginning: false });
  await decisions.run({ autoCommit: false, eachMessage: async ({ message }) => {
    const received = Date.now();
    const d = JSON.parse(String(message.value));
    const t = published.get(d.snapshot_id);
    if (t === undefined) return;
    latencies.push(performance.now() - t);
    byPoll.push({ index: pollIndex.get(d.snapshot_id), ms: performance.now() - t });
    hops.push({ key: `${d.snapshot_id}|${d.service}`, pub: publishedAt.get(d.snapshot_id), sent: Number(message.timestamp), received });
  } });
  await sleep(2000);
  // CPU each process spends on the polls: steadier than latency on a shared machine, and what the
  // six processes compete for on two cores.
  const brokerPid = Number(readFileSync(join(broker.dir, 'kafka.pid'), 'utf8'));
  const measured = { broker: brokerPid, 'serve-model xgboost': procs[0].pid, 'serve-model random_forest': procs[1].pid, 'serve-model logistic_regression': procs[2].pid, scale: procs[3].pid, 'bench (publisher, consumers)': process.pid };
  let cpuBefore;
  const all = [...vectors((WARMUP + POLLS) * 7 + 7, 'latency')];
  const polls = [];
  for (let i = 0; i < all.length; i += 7) polls.push(all.slice(i, i + 7));
  for (const [i, poll] of polls.slice(1, WARMUP + POLLS + 1).entries()) {
    if (i === WARMUP) cpuBefore = Object.fromEntries(Object.entries(measured).map(([name, pid]) => [name, cpuMs(pid)]));
    if (i >= WARMUP) {
      const snap = JSON.parse(poll[0].value).snapshot_id;
      pollIndex.set(snap, i - WARMUP);
      published.set(snap, performance.now());
      publishedAt.set(snap, Date.now());
    }
    await producer.send({ topic: 'metrics', messages: poll });
    await sleep(EVERY);
  }
  const expected = POLLS * 7;
  const deadline = Date.now() + 60_000;
  while (latencies.length < expected && Date.now() < deadline) await sleep(100);
  results.decisionLatency = { decisions: latencies.length, expected, warmupPolls: WARMUP, p50Ms: pct(latencies, 0.5), p99Ms: pct(latencies, 0.99), maxMs: Math.max(...latencies) };
  // The same by quarter of the counted polls, in publishing order: does it drift as things warm up?
  results.decisionLatencyByQuarter = [0, 1, 2, 3].map((q) => {
    const xs = byPoll.filter((x) => Math.floor((x.index * 4) / POLLS) === q).map((x) => x.ms);
    return { polls: `${Math.ceil((q * POLLS) / 4) + 1}-${Math.ceil(((q + 1) * POLLS) / 4)}`, p50Ms: Math.round(pct(xs, 0.5)), p99Ms: Math.round(pct(xs, 0.99)) };
  });
  results.cpuMsPerPoll = Object.fromEntries(Object.entries(measured).map(([name, pid]) => [name, Math.round(((cpuMs(pid) - cpuBefore[name]) / POLLS) * 100) / 100]));
  results.cpuMsPerPoll.total = Math.round(Object.values(results.cpuMsPerPoll).reduce((a, b) => a + b, 0) * 100) / 100;
  await sleep(500); // the trace consumer may see the last votes after their decisions
  for (const p of procs) p.kill('SIGTERM');
  await Promise.all(procs.map((p) => p.exited));
  const marks = existsSync(traceEnv.SOCKML_TRACE_FILE) ? readFileSync(traceEnv.SOCKML_TRACE_FILE, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
  rmSync(traceDir, { recursive: true, force: true });
  const voterAt = new Map(); // `${key}|${model}` → { received, scored }
  const scalerAt = new Map(); // `${key}|${model}` → received
  for (const m of marks) {
    if (m.hop === 'scale') scalerAt.set(`${m.key}|${m.model}`, m.at);
    else voterAt.set(`${m.key}|${m.hop.slice('serve-model:'.length)}`, { received: m.at, scored: m.scored });
  }
  // The decision waits for the last of the three votes: follow that vote's path.
  const rows = hops.flatMap((h) => {
    const v = (voteSent.get(h.key) ?? []).slice().sort((a, b) => a.sent - b.sent);
    const last = v.at(-1);
    const at = last && voterAt.get(`${h.key}|${last.model}`);
    const scaled = last && scalerAt.get(`${h.key}|${last.model}`);
    if (v.length < 3 || !at || scaled === undefined) return [];
    return [{ toVoter: at.received - h.pub, scoring: at.scored - at.received, toVoteSent: last.sent - at.scored, toScaler: scaled - last.sent, toDecision: h.sent - scaled, toBench: h.received - h.sent, total: h.received - h.pub, firstVote: v[0].sent - h.pub, lastVote: last.sent - h.pub }];
  });
  const dist = (xs) => ({ p50: pct(xs, 0.5), p90: pct(xs, 0.9), p99: pct(xs, 0.99), max: Math.max(...xs) });
  results.perHopMs = {
    decisions: rows.length,
    note: 'along the path of the last of the three votes; Date.now() clock (ms), Kafka CreateTime for "sent"',
    '1 poll published -> voter receives it': dist(rows.map((r) => r.toVoter)),
    '2 voter: parse + score': dist(rows.map((r) => r.scoring)),
    '3 voter: scored -> vote sent': dist(rows.map((r) => r.toVoteSent)),
    '4 vote sent -> scaler receives it': dist(rows.map((r) => r.toScaler)),
    '5 scaler: receive -> decision sent': dist(rows.map((r) => r.toDecision)),
    '6 decision sent -> bench receives it': dist(rows.map((r) => r.toBench)),
    total: dist(rows.map((r) => r.total)),
    'poll published -> first vote sent': dist(rows.map((r) => r.firstVote)),
    'poll published -> last vote sent': dist(rows.map((r) => r.lastVote)),
  };
  await trace.disconnect();
  await decisions.disconnect();
  await producer.disconnect();
} finally {
  await broker.stop();
}
console.log(JSON.stringify(results, null, 2));
process.exit(0);
