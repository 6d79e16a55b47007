import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameDecisionsAsReplay, jsonLines, publish, startPipeline, waitFor, type Pipeline } from '../testing/pipeline.js';

/**
 * The live pipeline decides exactly as replay does: a held-out recording is published to `metrics`
 * on a real Kafka broker, three serve-model processes vote, one scale process decides, and every
 * decision must equal the one `sockml replay` takes offline on the same file. A malformed message on
 * the way must land in metrics.dlq with its reason, without stopping anything.
 */
const RECORDING = 'fixtures/sockshop-gke/runs/step/run_3.csv';
/**
 * A policy that reads the poll's observation (CPU, rate, latencies) besides the verdict, so the test also
 * shows that the observation reaches the scaler intact: publish → metrics → serve-model → model-votes → scale.
 * Without callee attribution (on by default), so that each verdict is decided alone, as it completes; with
 * the settings chosen for sockml alone (the recording ran without an HPA floor), at which attribution adds
 * scale-ups the models did not ask for (checked below).
 */
const POLICY = ['--policy', 'hybrid', '--policy-set', 'targetUtilizationPct=105', '--policy-set', 'trendPolls=1', '--policy-set', 'attributionMinUtilization=0'];
/**
 * The same policy with callee attribution, in a second scaler on the same votes: it decides whole polls,
 * which the live scaler must gather from verdicts that complete service by service. At 30 % the recording's
 * front-end violations are blamed on a callee at some polls (checked below), so the two scalers differ.
 */
const ATTRIBUTING = [...POLICY, '--policy-set', 'attributionMinUtilization=0.3'];
let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline({ scaleArgs: POLICY, extraScalers: [ATTRIBUTING] });
});
afterAll(async () => {
  await p?.stop();
});

describe('live pipeline on a real Kafka broker (integration)', () => {
  it('takes the same decisions as replay, and dead-letters a malformed message', async () => {
    const producer = new kafkajs.Kafka({ brokers: p.broker.brokers, logLevel: kafkajs.logLevel.NOTHING }).producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: 'metrics', messages: [{ key: 'carts', value: '{"timestamp": "broken' }] });
    await producer.send({ topic: 'model-votes', messages: [{ key: 'carts', value: JSON.stringify({ service: 'carts', model: 'xgboost', prediction: 7 }) }] });
    await producer.disconnect();
    const rows = await publish(p.kafka, RECORDING);
    expect(rows).toBe(175);

    await waitFor(`${rows} decisions`, () => jsonLines(p.decisionsFile).length >= rows);
    const live = jsonLines(p.decisionsFile);
    expect(new Set(live.map((d) => d.decision_id)).size).toBe(rows); // one decision per (service, snapshot)
    await expectSameDecisionsAsReplay([RECORDING], live, p.logDir, POLICY);
    expect(live.some((d) => d.decision !== 'NO_ACTION'), 'some decisions act').toBe(true);
    expect(live.some((d) => /CPU \d+ %/.test(d.reason)), 'the policy saw the observation').toBe(true);

    // Callee attribution live: whole polls gathered from the votes, the decisions replay takes.
    await waitFor(`${rows} attributing decisions`, () => jsonLines(p.extraDecisionsFiles[0]).length >= rows);
    const attributed = jsonLines(p.extraDecisionsFiles[0]);
    await expectSameDecisionsAsReplay([RECORDING], attributed, p.logDir, ATTRIBUTING);
    const blamed = attributed.filter((d) => /front-end p95 [\d.]+ ms over the SLO, this callee the busiest/.test(d.reason));
    expect(blamed.length, 'some decisions were attributed').toBeGreaterThan(0);
    expect(attributed.filter((d) => d.decision === 'SCALE_UP').length).toBeGreaterThan(live.filter((d) => d.decision === 'SCALE_UP').length);

    // The malformed message went to the dead-letter topic with its reason, once per serve-model group.
    const consumer = new kafkajs.Kafka({ brokers: p.broker.brokers, logLevel: kafkajs.logLevel.NOTHING }).consumer({ groupId: 'dlq-check' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'metrics.dlq', fromBeginning: true });
    const dead: { value: string; reason: string }[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void dead.push({ value: String(message.value), reason: String(message.headers?.['sockml-error']) }) });
    await waitFor('dead letters', () => dead.length >= 3);
    await consumer.disconnect();
    expect(dead).toHaveLength(3);
    expect(dead.every((x) => x.value === '{"timestamp": "broken' && /message is not JSON/.test(x.reason))).toBe(true);

    // serve-model's own view: healthy, and its counters say what it did.
    for (const [model, port] of Object.entries(p.httpPorts)) {
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const votes = [...metrics.matchAll(new RegExp(`^sockml_votes_total\\{model="${model}",prediction="[01]"\\} (\\d+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
      expect(votes, `${model} votes_total`).toBe(rows);
      expect(metrics).toMatch(new RegExp(`^sockml_dead_letters_total\\{model="${model}"\\} 1$`, 'm'));
      expect(metrics).toMatch(new RegExp(`^sockml_inference_seconds_count\\{model="${model}"\\} \\d+$`, 'm'));
    }
  });

  it('the scaler dead-letters a malformed vote and goes on', async () => {
    const consumer = new kafkajs.Kafka({ brokers: p.broker.brokers, logLevel: kafkajs.logLevel.NOTHING }).consumer({ groupId: 'vote-dlq-check' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'model-votes.dlq', fromBeginning: true });
    const dead: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void dead.push(String(message.headers?.['sockml-error'])) });
    await waitFor('the dead-lettered vote', () => dead.length >= 2);
    await consumer.disconnect();
    // Once per scaler (each is its own consumer group).
    const reason = expect.stringMatching(/model-votes\[\d\]@\d+: field 'prediction' must be a number in \[0, 1\], got 7/);
    expect(dead).toEqual([reason, reason]);
  });
});
