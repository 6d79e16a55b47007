#!/usr/bin/env node
// Live pipeline benchmark on a real local Kafka broker (scripts/kafka.sh): serve-model throughput
// (feature vectors/s one process scores and publishes as votes) and decision latency (publishing a
// poll to `metrics` → its decision on `scaling-decisions`, three voters and one scaler, p50/p99).
//
//   node bench/live-bench.mjs [--vectors 200000] [--polls 300] [--poll-every-ms 200]
//
// Needs the built packages (scripts/bootstrap.sh) and Java 17 + Maven for the broker.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

const set = featureSet((await readModelCard(join(ROOT, 'models/xgboost.card.json'))).featureSet);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
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

function startCli(args) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NO_COLOR: '1' } });
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

  // 2. decision latency: three voters and a scaler, polls of 7 services published one at a time.
  const procs = ['xgboost', 'random_forest', 'logistic_regression'].map((m) => startCli(['serve-model', '--model', `models/${m}.onnx`, '--kafka', broker.brokers[0], '--group', `bench-${m}`]));
  procs.push(startCli(['scale', '--kafka', broker.brokers[0], '--group', 'bench-scale', '--quiet', '--window', '5s']));
  await Promise.all(procs.map((p) => p.ready));
  await sleep(3000); // let the consumer groups settle
  const published = new Map();
  const latencies = [];
  const decisions = kafka.consumer({ groupId: 'bench-decisions' });
  await decisions.connect();
  await decisions.subscribe({ topic: 'scaling-decisions', fromBeginning: false });
  await decisions.run({ eachMessage: async ({ message }) => {
    const d = JSON.parse(String(message.value));
    const t = published.get(d.snapshot_id);
    if (t !== undefined) latencies.push(performance.now() - t);
  } });
  await sleep(2000);
  const all = [...vectors(POLLS * 7 + 7, 'latency')];
  const polls = [];
  for (let i = 0; i < all.length; i += 7) polls.push(all.slice(i, i + 7));
  for (const poll of polls.slice(1, POLLS + 1)) {
    const snap = JSON.parse(poll[0].value).snapshot_id;
    published.set(snap, performance.now());
    await producer.send({ topic: 'metrics', messages: poll });
    await sleep(EVERY);
  }
  const expected = POLLS * 7;
  const deadline = Date.now() + 60_000;
  while (latencies.length < expected && Date.now() < deadline) await sleep(100);
  results.decisionLatency = { decisions: latencies.length, expected, p50Ms: pct(latencies, 0.5), p99Ms: pct(latencies, 0.99), maxMs: Math.max(...latencies) };
  for (const p of procs) p.kill('SIGTERM');
  await decisions.disconnect();
  await producer.disconnect();
} finally {
  await broker.stop();
}
console.log(JSON.stringify(results, null, 2));
process.exit(0);
