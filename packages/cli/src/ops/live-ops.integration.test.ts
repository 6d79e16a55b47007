/**
 * Operating the live pipeline, on the real processes and a real Kafka broker: scale's and
 * serve-model's /metrics (scraped directly and by a real Prometheus), /healthz turning 503 when the
 * consumer stops fetching, and --log-format json (every stderr line one JSON object, kafkajs's logs
 * among them).
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatVoteMessage, parseExposition, sampleSum, type Vote } from '@sockml/core';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSockml, type SockmlChild } from '../lib/sockml-child.js';
import { REPO } from '../test-support.js';
import { startKafkaBroker, type KafkaBroker } from '../testing/kafka-broker.js';
import { waitFor } from '../testing/pipeline.js';
import { freePort } from '../testing/ports.js';
import { prometheusAvailable, startPrometheus, type PrometheusServer } from '../testing/prometheus.js';

const MODELS = ['xgboost', 'random_forest', 'logistic_regression'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A sample's value from Prometheus text exposition, summed over the series whose labels include `labels`. */
const sample = (text: string, name: string, labels: Record<string, string> = {}) => sampleSum(parseExposition(text), name, labels);

const get = async (url: string) => {
  const r = await fetch(url);
  return { status: r.status, text: await r.text() };
};

/** Every non-empty line of `stderr` parsed as JSON (a line that is not JSON fails the test, naming it). */
function jsonLogLines(stderr: string): Record<string, any>[] {
  return stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        throw new Error(`not a JSON log line: ${l}`);
      }
    });
}

describe('scale and serve-model: /metrics, /healthz and JSON logs on a real broker', () => {
  let broker: KafkaBroker;
  let target: Server;
  let scale: SockmlChild;
  let serve: SockmlChild;
  let scalePort: number;
  let servePort: number;
  let prom: PrometheusServer | undefined;
  let posts = 0;

  beforeAll(async () => {
    broker = await startKafkaBroker();
    await broker.createTopics(['metrics', 'model-votes', 'scaling-decisions', 'metrics.dlq', 'model-votes.dlq'], 3);
    // The http actuator's target: its first scale request fails (an actuation failure), later ones succeed.
    target = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'GET') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ carts: 1, orders: 1, user: 1 }));
        posts++;
        res.writeHead(posts === 1 ? 500 : 200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const actuatorUrl = `http://127.0.0.1:${(target.address() as { port: number }).port}/admin/replicas`;
    [scalePort, servePort] = [await freePort(), await freePort()];
    const logDir = mkdtempSync(join(tmpdir(), 'sockml-ops-'));
    const kafka = broker.brokers.join(',');
    scale = spawnSockml(
      // The step policy: a verdict of violation is a SCALE_UP whatever the votes carry (these carry no observation).
      ['scale', '--kafka', kafka, '--from-beginning', '--window', '1s', '--policy', 'step', '--actuator', 'http', '--actuator-url', actuatorUrl, '--port', String(scalePort), '--unhealthy-after', '4s', '--log-format', 'json'],
      { cwd: REPO, logFile: join(logDir, 'scale.log') },
    );
    serve = spawnSockml(['serve-model', '--model', 'models/xgboost.onnx', '--kafka', kafka, '--port', String(servePort), '--unhealthy-after', '4s', '--log-format', 'json'], {
      cwd: REPO,
      logFile: join(logDir, 'serve-model.log'),
    });
    await Promise.all([scale.waitFor(/"msg":"scale: /, 60_000, 'stderr'), serve.waitFor(/"msg":"serve-model /, 60_000, 'stderr')]);
    if (prometheusAvailable()) prom = await startPrometheus({ target: `127.0.0.1:${scalePort}`, jobs: [{ job: 'sockml-scale', metricsPath: '/metrics' }] });
  });

  afterAll(async () => {
    await Promise.all([scale?.stop('SIGTERM', 15_000), serve?.stop('SIGTERM', 15_000)]);
    await prom?.stop();
    await broker?.stop();
    target?.close();
  });

  it('exports decisions by kind, degraded decisions, actuation failures, dead letters, lag and poll→decision latency', async () => {
    // Votes for a poll 2 s ago: carts and user get all three (SCALE_UP, NO_ACTION); orders gets two, so
    // its decision is taken on quorum when the 1 s window closes (degraded). Plus one malformed vote.
    const polled = new Date(Date.now() - 2000).toISOString();
    const votes: Vote[] = [];
    const vote = (service: string, model: string, prediction: 0 | 1): Vote => ({
      snapshotId: `ops@${polled}`, service, timestamp: polled, model, modelVersion: 'test', prediction, violationProbability: prediction ? 0.9 : 0.1, confidence: 0.9,
    });
    for (const m of MODELS) votes.push(vote('carts', m, 1), vote('user', m, 0));
    votes.push(vote('orders', 'xgboost', 1), vote('orders', 'random_forest', 1));
    const producer = new kafkajs.Kafka({ brokers: broker.brokers, logLevel: kafkajs.logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic: 'model-votes', messages: [...votes.map((v) => ({ key: v.service, value: JSON.stringify(formatVoteMessage(v)) })), { key: 'carts', value: 'not json' }] });
    await producer.disconnect();

    const metricsUrl = `http://127.0.0.1:${scalePort}/metrics`;
    // Scraped until the three decisions and the dead letter are counted (the first apply fails and is retried).
    let text = '';
    const until = Date.now() + 60_000;
    while (!((sample(text, 'sockml_scale_decisions_total') ?? 0) >= 3 && (sample(text, 'sockml_scale_dead_letters_total') ?? 0) >= 1)) {
      if (Date.now() > until) throw new Error(`no 3 decisions on /metrics within 60 s:\n${text}\n${scale.stderr().slice(-3000)}`);
      await sleep(250);
      text = (await get(metricsUrl)).text;
    }
    expect(sample(text, 'sockml_scale_decisions_total', { decision: 'SCALE_UP' })).toBe(2);
    expect(sample(text, 'sockml_scale_decisions_total', { decision: 'NO_ACTION' })).toBe(1);
    expect(sample(text, 'sockml_scale_decisions_total', { decision: 'SCALE_DOWN' })).toBe(0);
    expect(sample(text, 'sockml_scale_degraded_decisions_total')).toBe(1);
    // ≥ 1: when the batch holding it is redelivered after the failed apply, it is dead-lettered again (at least once).
    expect(sample(text, 'sockml_scale_dead_letters_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'sockml_scale_actuation_failures_total', { actuator: 'http', operation: 'apply' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'sockml_scale_actuations_total', { actuator: 'http', applied: 'true' })).toBe(2);
    // Every decision came at least 2 s after its poll (the votes were stamped so), and not minutes later.
    expect(sample(text, 'sockml_poll_to_decision_seconds_count')).toBe(3);
    expect(sample(text, 'sockml_poll_to_decision_seconds_sum')).toBeGreaterThanOrEqual(6);
    expect(sample(text, 'sockml_poll_to_decision_seconds_sum')).toBeLessThan(3 * 60);
    expect(sample(text, 'sockml_consumer_lag_messages', { topic: 'model-votes' })).toBe(0);
    expect(sample(text, 'sockml_consumer_fetches_total')).toBeGreaterThan(0);
    expect(sample(text, 'sockml_process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'sockml_healthy')).toBe(1);

    // An idle consumer completes a fetch when its long poll (kafkajs's maxWaitTimeInMs, 5 s) ends.
    let served = '';
    for (const until = Date.now() + 20_000; !((sample(served, 'sockml_consumer_fetches_total') ?? 0) > 0) && Date.now() < until; await sleep(250)) {
      served = (await get(`http://127.0.0.1:${servePort}/metrics`)).text;
    }
    expect(sample(served, 'sockml_consumer_fetches_total')).toBeGreaterThan(0);
    expect(sample(served, 'sockml_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect((await get(`http://127.0.0.1:${servePort}/healthz`)).status).toBe(200);

    if (prom) {
      // A real Prometheus parses the exposition and sees the same numbers.
      await prom.waitFor('sockml_scale_decisions_total{job="sockml-scale",decision="SCALE_UP"} == 2');
      await prom.waitFor('sockml_healthy{job="sockml-scale"} == 1');
      await prom.waitFor('histogram_quantile(0.5, sockml_poll_to_decision_seconds_bucket{job="sockml-scale"}) >= 2');
    }
  });

  it('logs one JSON object per stderr line with time and level; nothing on stdout', () => {
    for (const [name, child] of [['scale', scale], ['serve-model', serve]] as const) {
      const records = jsonLogLines(child.stderr());
      expect(records.length, name).toBeGreaterThan(0);
      for (const r of records) {
        expect(Number.isNaN(Date.parse(r.time)), `${name}: time of ${JSON.stringify(r)}`).toBe(false);
        expect(['debug', 'info', 'warn', 'error'], `${name}: level of ${JSON.stringify(r)}`).toContain(r.level);
        expect(r.command).toBe(name);
      }
      expect(child.stdout(), `${name} stdout`).toBe('');
    }
    const records = jsonLogLines(scale.stderr());
    expect(records.find((r) => r.msg === 'decision' && r.service === 'carts')).toMatchObject({ level: 'info', decision: 'SCALE_UP', target_replicas: 2, votes: expect.any(Array) });
    expect(records.find((r) => r.level === 'warn' && /^dead-lettered/.test(r.msg))).toMatchObject({ topic: 'model-votes' });
  });

  it("/healthz turns 503 once the consumer has not fetched for --unhealthy-after (broker gone); kafkajs's errors are JSON log records", async () => {
    expect((await get(`http://127.0.0.1:${scalePort}/healthz`)).status).toBe(200);
    await broker.stop();
    const health = { scale: { status: 0, text: '' }, serve: { status: 0, text: '' } };
    const until = Date.now() + 30_000;
    while ((health.scale.status !== 503 || health.serve.status !== 503) && Date.now() < until) {
      await sleep(500);
      health.scale = await get(`http://127.0.0.1:${scalePort}/healthz`);
      health.serve = await get(`http://127.0.0.1:${servePort}/healthz`);
    }
    for (const h of [health.scale, health.serve]) {
      expect(h.status, h.text).toBe(503);
      expect(JSON.parse(h.text)).toMatchObject({ healthy: false, status: expect.stringMatching(/^consumer: (no fetch for|consumer crashed)/) });
    }
    expect(sample((await get(`http://127.0.0.1:${scalePort}/metrics`)).text, 'sockml_healthy')).toBe(0);
    await waitFor('a kafkajs log record', () => jsonLogLines(scale.stderr()).some((r) => r.component === 'kafkajs'), 30_000);
    const kafkaRecord = jsonLogLines(scale.stderr()).find((r) => r.component === 'kafkajs')!;
    expect(kafkaRecord).toMatchObject({ command: 'scale', level: 'error', namespace: expect.any(String), msg: expect.any(String) });
  });
});
