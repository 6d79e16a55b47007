import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseCsvSync } from 'csv-parse/sync';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafkaBroker, type KafkaBroker } from '../testing/kafka-broker.js';
import { REPO, sockml } from '../test-support.js';

/**
 * The live pipeline decides exactly as replay does: a held-out recording is published to `metrics`
 * on a real Kafka broker, three serve-model processes vote, one scale process decides, and every
 * decision must equal the one `sockml replay` takes offline on the same file. A malformed message on
 * the way must land in metrics.dlq, counted, without stopping anything.
 */
const RECORDING = 'fixtures/sockshop-gke/runs/step/run_3.csv';
const MODELS = ['xgboost', 'random_forest', 'logistic_regression'];
const BIN = resolve(REPO, 'packages/cli/bin/run.js');

let broker: KafkaBroker;
const children: ChildProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'sockml-live-'));

function start(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  (child as ChildProcess & { output: () => string }).output = () => out;
  children.push(child);
  return child;
}

async function waitFor(what: string, ok: () => boolean, timeoutMs = 90_000) {
  const until = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean) : []);

beforeAll(async () => {
  broker = await startKafkaBroker();
  await broker.createTopics(['metrics', 'model-votes', 'scaling-decisions', 'metrics.dlq', 'model-votes.dlq'], 3);
});

afterAll(async () => {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
  await broker?.stop();
});

describe('live pipeline on a real Kafka broker (integration)', () => {
  it('takes the same decisions as replay, and dead-letters a malformed message', async () => {
    const kafka = broker.brokers.join(',');
    const decisionsFile = join(dir, 'decisions.jsonl');
    for (const m of MODELS) start(['serve-model', '--model', `models/${m}.onnx`, '--kafka', kafka, '--from-beginning']);
    start(['scale', '--kafka', kafka, '--from-beginning', '--window', '20s', '--quiet', '--out', decisionsFile]);

    const producer = new kafkajs.Kafka({ brokers: broker.brokers, logLevel: kafkajs.logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic: 'metrics', messages: [{ key: 'carts', value: '{"timestamp": "broken' }] });
    await producer.disconnect();
    const published = sockml(['publish', RECORDING, '--kafka', kafka, '--json']);
    expect(published.code, published.stderr).toBe(0);
    const rows = JSON.parse(published.stdout).messages as number;
    expect(rows).toBe(175);

    await waitFor(`${rows} decisions`, () => lines(decisionsFile).length >= rows);
    const live = lines(decisionsFile).map((l) => JSON.parse(l));
    expect(new Set(live.map((d) => d.decision_id)).size).toBe(rows); // one decision per (service, snapshot)

    const replayOut = join(dir, 'replay.csv');
    const r = sockml(['replay', RECORDING, '--out', replayOut]);
    expect(r.code, r.stderr).toBe(0);
    const offline = parseCsvSync(readFileSync(replayOut, 'utf8'), { columns: true }) as Record<string, string>[];
    const byKey = new Map(live.map((d) => [`${d.service}|${d.timestamp}`, d]));
    for (const o of offline) {
      const d = byKey.get(`${o.service}|${o.timestamp}`);
      expect(d, `${o.service} ${o.timestamp}`).toBeDefined();
      const upVotes = MODELS.reduce((n, m) => n + Number(o[`${m}_vote`]), 0);
      expect([d.decision, d.target_replicas, d.scale_up_votes, d.total_votes, d.degraded], `${o.service} ${o.timestamp}`).toEqual([
        o.decision,
        Number(o.target_replicas),
        upVotes,
        3,
        false,
      ]);
    }

    // The malformed message went to the dead-letter topic with its reason, and processing went on.
    const consumer = new kafkajs.Kafka({ brokers: broker.brokers, logLevel: kafkajs.logLevel.NOTHING }).consumer({ groupId: 'dlq-check' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'metrics.dlq', fromBeginning: true });
    const dead: { value: string; reason: string }[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void dead.push({ value: String(message.value), reason: String(message.headers?.['sockml-error']) }) });
    await waitFor('dead letters', () => dead.length >= 3); // one per serve-model group
    await consumer.disconnect();
    expect(dead.every((x) => x.value === '{"timestamp": "broken' && /message is not JSON/.test(x.reason))).toBe(true);
  });
});
