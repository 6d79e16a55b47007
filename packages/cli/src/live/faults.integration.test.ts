import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { DEFAULT_POLL_INTERVAL_MS, describeRecording, FeatureExtractor, featureSet, formatMetricsMessage, readMetricsCsv } from '@sockml/core';
import kafkajs from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO } from '../test-support.js';
import { expectSameDecisionsAsReplay, jsonLines, publish, startPipeline, waitFor, type Pipeline } from '../testing/pipeline.js';

/**
 * Faults of the live pipeline on a real broker: a voter that is down (the scaler decides on quorum at
 * window close and marks the decision degraded) and a broker killed and restarted mid-run (nothing
 * lost, nothing decided twice, and still replay's decisions).
 */
let p: Pipeline | undefined;

/** A recording's `metrics` messages, exactly as `sockml publish` computes them (same run id). */
async function featureMessages(recording: string) {
  const { runId } = describeRecording(resolve(REPO, recording), REPO);
  const set = featureSet(JSON.parse(readFileSync(resolve(REPO, 'models/xgboost.card.json'), 'utf8')).featureSet);
  const x = new FeatureExtractor(set, runId, { pollIntervalMs: DEFAULT_POLL_INTERVAL_MS }); // publish's default --poll-interval
  const out: { key: string; value: string }[] = [];
  for await (const batch of readMetricsCsv(createReadStream(resolve(REPO, recording)), recording)) {
    for (const s of batch) out.push({ key: s.service, value: JSON.stringify(formatMetricsMessage(x.extract(s), set.names)) });
  }
  return out;
}

async function send(brokers: string[], messages: { key: string; value: string }[]) {
  const producer = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 30 } }).producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic: 'metrics', messages });
  await producer.disconnect();
}
/**
 * A local HTTP target for `scale --actuator http`: `answer` gets each request's method and body and
 * returns [status, body]. Runs a pipeline scaling against it, publishes step run 3 and waits for every
 * decision; the target is closed afterwards.
 */
async function withHttpTarget(answer: (method: string, body: string) => [number, string], run: (p: Pipeline, rows: number) => Promise<void>, scaleArgs: string[] = []) {
  const target = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const [status, text] = answer(req.method ?? 'GET', body);
      res.writeHead(status, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(target.address() as { port: number }).port}/admin/replicas`;
    p = await startPipeline({ scaleArgs: ['--actuator', 'http', '--actuator-url', url, ...scaleArgs] });
    const rows = await publish(p.kafka, 'fixtures/sockshop-gke/runs/step/run_3.csv');
    await waitFor(`${rows} decisions`, () => jsonLines(p!.decisionsFile).length >= rows);
    await run(p, rows);
  } finally {
    target.close();
  }
}

afterEach(async () => {
  await p?.stop();
  p = undefined;
});

describe('live pipeline faults (integration)', () => {
  it('with one voter down, decides on quorum at window close and marks every decision degraded', async () => {
    p = await startPipeline({ models: ['xgboost', 'random_forest'], window: '2s' });
    const rows = await publish(p.kafka, 'fixtures/sockshop-gke/runs/ramp/run_3.csv');
    await waitFor(`${rows} decisions`, () => jsonLines(p!.decisionsFile).length >= rows);
    const decisions = jsonLines(p.decisionsFile);
    expect(decisions).toHaveLength(rows);
    expect(decisions.every((d) => d.degraded === true && d.total_votes === 2 && /no vote from logistic_regression/.test(d.reason))).toBe(true);
  });

  it('an actuator that fails once: the decision is retried, applied once, and logged once', async () => {
    const applied: string[] = [];
    let failures = 0;
    // The scaler asks for the current replicas (GET) before a service's first decision; this target does
    // not say, so the policy starts from its minimum, as replay does. Its first POST fails.
    const answer = (method: string, body: string): [number, string] => {
      if (method === 'GET') return [404, '{}'];
      if (failures === 0) {
        failures++;
        return [500, '{"error": "try again"}'];
      }
      applied.push(JSON.parse(body).decision_id);
      return [200, '{}'];
    };
    await withHttpTarget(answer, async (pipeline, rows) => {
      await new Promise((r) => setTimeout(r, 2000));
      const decisions = jsonLines(pipeline.decisionsFile);
      expect(decisions).toHaveLength(rows);
      const actions = decisions.filter((d) => d.decision !== 'NO_ACTION').map((d) => d.decision_id);
      expect(failures).toBe(1);
      expect(actions.length).toBeGreaterThan(0);
      expect([...applied].sort()).toEqual([...actions].sort()); // every action applied exactly once
      await expectSameDecisionsAsReplay(['fixtures/sockshop-gke/runs/step/run_3.csv'], decisions, pipeline.logDir);
    });
  });

  it('a scaler started on an already scaled target begins from its replicas, and brings a count above --max-replicas down to it', async () => {
    // The target runs carts at 4 and orders at 12 (above the default --max-replicas 10) and answers GET
    // with its counts; other services are not reported.
    let asked = 0;
    const posted: { service: string; replicas: number }[] = [];
    const answer = (method: string, body: string): [number, string] => {
      if (method === 'GET') return asked++, [200, '{"carts": 4, "orders": 12}'];
      posted.push(JSON.parse(body));
      return [200, '{}'];
    };
    await withHttpTarget(answer, async (pipeline) => {
      const decisions = jsonLines(pipeline.decisionsFile);
      const services = new Set(decisions.map((d) => d.service));
      expect(asked).toBe(services.size); // once per service, before its first decision
      // A service's first decision moves from where the scaler started it: carts from 4, the rest from 1;
      // orders, whatever its verdict, goes down to the max.
      const first = new Map<string, any>();
      for (const d of [...decisions].sort((x, y) => Date.parse(x.timestamp) - Date.parse(y.timestamp))) if (!first.has(d.service)) first.set(d.service, d);
      const from = (start: number) => ({ SCALE_UP: start + 1, NO_ACTION: start, SCALE_DOWN: Math.max(1, start - 1) });
      for (const [service, d] of first) {
        if (service === 'orders') expect([d.decision, d.target_replicas, d.reason]).toEqual(['SCALE_DOWN', 10, expect.stringMatching(/^the target ran 12 replicas, above max 10: brought to 10; /)]);
        else expect(d.target_replicas, `${service}: ${d.decision}`).toBe(from(service === 'carts' ? 4 : 1)[d.decision as 'SCALE_UP']);
      }
      expect(posted[posted.findIndex((b) => b.service === 'orders')]).toMatchObject({ service: 'orders', replicas: 10 });
      const scaleLog = readdirSync(pipeline.logDir).filter((f) => f.startsWith('scale-')).map((f) => readFileSync(join(pipeline.logDir, f), 'utf8')).join('');
      expect(scaleLog).toMatch(/carts starts from 4 replicas \(http target\)\n/);
      expect(scaleLog).toMatch(/orders starts from 12 replicas \(http target\), outside the policy's max 10: its next decision moves it to 10/);
      // The step policy's ±1 makes "moves from where it started" countable; any policy starts from the same read.
    }, ['--policy', 'step']);
  });

  it('survives a broker crash and restart mid-run: every decision taken once, none lost, as replay decides', async () => {
    p = await startPipeline({ window: '60s' });
    // One recording (one run), its feature vectors computed as `sockml publish` does; the first half
    // goes out, the broker is killed and comes back, then the second half: the crash is mid-run.
    const recording = 'fixtures/sockshop-gke/runs/step/run_6.csv';
    const messages = await featureMessages(recording);
    const half = Math.floor(messages.length / 2);
    await send(p.broker.brokers, messages.slice(0, half));
    // Crash as soon as decisions start to flow, with the rest of the first half still in flight.
    await waitFor('the first decision', () => jsonLines(p!.decisionsFile).length >= 1);
    await p.broker.restart({ hard: true, downtimeMs: 2000 });
    await send(p.broker.brokers, messages.slice(half));
    const rows = messages.length;
    await waitFor(`${rows} decisions`, () => jsonLines(p!.decisionsFile).length >= rows, 120_000);
    await new Promise((r) => setTimeout(r, 3000)); // give a duplicate time to show up
    const decisions = jsonLines(p.decisionsFile);
    expect(new Set(decisions.map((d) => d.decision_id)).size).toBe(rows);
    const recordings = [recording];
    await expectSameDecisionsAsReplay(recordings, decisions, p.logDir);
  });
});
