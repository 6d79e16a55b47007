/**
 * `sockml scale --actuator kubernetes --config` as a process, against a real Kafka broker and the FAKE
 * Kubernetes API server (testing/fake-kube-api.ts; no kube-apiserver runs here): the config's
 * Deployment and bounds are used, a Deployment an HPA also scales is left alone unless
 * --allow-hpa-conflict, and a scaler that may not list HPAs does not start.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatVoteMessage, type Vote } from '@sockml/core';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSockml } from '../lib/sockml-child.js';
import { REPO, sockml } from '../test-support.js';
import { startFakeKubeApi, type FakeKubeApi } from '../testing/fake-kube-api.js';
import { startKafkaBroker, type KafkaBroker } from '../testing/kafka-broker.js';
import { freePort } from '../testing/ports.js';

/** Polls `ok()` every 250 ms (running `refresh` first) until it holds; throws after timeoutMs. */
async function waitFor(what: string, ok: () => boolean, timeoutMs: number, refresh?: () => Promise<void>) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await refresh?.();
    if (ok()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const MODELS = ['xgboost', 'random_forest', 'logistic_regression'];
let broker: KafkaBroker;
let dir: string;
let configFile: string;

beforeAll(async () => {
  broker = await startKafkaBroker();
  await broker.createTopics(['model-votes', 'scaling-decisions', 'model-votes.dlq'], 3);
  dir = mkdtempSync(join(tmpdir(), 'sockml-hpa-'));
  configFile = join(dir, 'sockml.yaml');
  writeFileSync(
    configFile,
    ['services:', '  front-end:', '    deployment: front-end-v2', '    max-replicas: 4', '  carts:', '    deployment: carts'].join('\n') + '\n',
  );
});
afterAll(async () => {
  await broker?.stop();
});

/** Three SCALE_UP votes for each service, for a poll now. */
async function voteUp(services: string[], tag: string) {
  const polled = new Date().toISOString();
  const votes = services.flatMap((service) =>
    MODELS.map((model): Vote => ({ snapshotId: `${tag}@${polled}`, service, timestamp: polled, model, modelVersion: 't', prediction: 1, violationProbability: 0.9, confidence: 0.9 })),
  );
  const producer = new kafkajs.Kafka({ brokers: broker.brokers, logLevel: kafkajs.logLevel.NOTHING }).producer();
  await producer.connect();
  await producer.send({ topic: 'model-votes', messages: votes.map((v) => ({ key: v.service, value: JSON.stringify(formatVoteMessage(v)) })) });
  await producer.disconnect();
}

async function runScale(api: FakeKubeApi, group: string, extra: string[], services: string[]) {
  const port = await freePort();
  const scale = spawnSockml(
    // The step policy: three "violation" votes are a SCALE_UP whatever the votes carry (these carry no observation).
    ['scale', '--kafka', broker.brokers.join(','), '--actuator', 'kubernetes', '--namespace', 'sock-shop', '--config', configFile, '--window', '1s', '--group', group, '--initial-replicas', 'min', '--port', String(port), '--policy', 'step', ...extra],
    { cwd: REPO, env: { KUBECONFIG: api.writeKubeconfig(dir) }, timeoutMs: 120_000 },
  );
  try {
    await scale.waitFor(/^scale: /m, 60_000, 'stdout');
    // A new group reads from the newest offset, fixed at its first fetch: vote only after one completed
    // (its /metrics says so), or the votes could land before that offset and never be read.
    let fetches = 0;
    await waitFor('a completed fetch', () => fetches > 0, 60_000, async () => {
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
      fetches = Number(/^sockml_consumer_fetches_total (\S+)$/m.exec(text)?.[1] ?? 0);
    });
    await voteUp(services, group);
    await waitFor(`${services.length} decisions`, () => (scale.stdout().match(/DECISION: SCALE_UP/g) ?? []).length >= services.length, 60_000);
  } finally {
    await scale.stop('SIGTERM', 15_000);
  }
  return scale;
}

const puts = (api: FakeKubeApi) => api.recorded.filter((r) => r.method === 'PUT').map((r) => `${r.url.split('?')[0].replace('/apis/apps/v1/namespaces/', '')} → ${r.body.spec.replicas}`);

describe('scale --actuator kubernetes with a config file and an HPA in the namespace', () => {
  it("leaves the HPA's Deployment alone (warning at start and per decision), scales the config's Deployment for front-end", async () => {
    const api = await startFakeKubeApi({ replicas: { carts: 1, 'front-end-v2': 1 }, hpas: [['carts', 'Deployment', 'carts']] });
    try {
      const scale = await runScale(api, 'hpa-refuse', [], ['carts', 'front-end']);
      expect(puts(api)).toEqual(['sock-shop/deployments/front-end-v2/scale → 2']);
      expect(scale.stderr()).toMatch(/HorizontalPodAutoscaler carts scales sock-shop\/carts: scale will not act on it/);
      expect(scale.stderr()).toMatch(/sock-shop\/carts is also scaled by HorizontalPodAutoscaler carts: SCALE_UP to 2 not applied/);
      expect(api.recorded[0].url).toMatch(/^\/apis\/autoscaling\/v2\/namespaces\/sock-shop\/horizontalpodautoscalers/); // checked before anything else
    } finally {
      await api.close();
    }
  });

  it('--allow-hpa-conflict acts on it, without listing HPAs', async () => {
    const api = await startFakeKubeApi({ replicas: { carts: 1 }, hpas: [['carts', 'Deployment', 'carts']] });
    try {
      await runScale(api, 'hpa-allow', ['--allow-hpa-conflict'], ['carts']);
      expect(puts(api)).toEqual(['sock-shop/deployments/carts/scale → 2']);
      expect(api.recorded.some((r) => r.url.includes('horizontalpodautoscalers'))).toBe(false);
    } finally {
      await api.close();
    }
  });

  it('may not list HPAs (RBAC): exits 4 before consuming, naming the permission', async () => {
    const api = await startFakeKubeApi({ replicas: { carts: 1 } });
    api.hpaFailWith = 403;
    try {
      const r = await sockml(['scale', '--kafka', broker.brokers.join(','), '--actuator', 'kubernetes', '--config', configFile], { env: { KUBECONFIG: api.writeKubeconfig(dir) } });
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/listing the HorizontalPodAutoscalers of sock-shop failed \(HTTP 403\).*list on horizontalpodautoscalers/);
    } finally {
      await api.close();
    }
  });

  it('a bad config is bad input (exit 2) naming the field, before connecting to anything', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'services:\n  carts:\n    max-replicas: 0\n');
    const r = await sockml(['scale', '--kafka', '127.0.0.1:1', '--config', bad]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml: services\.carts\.max-replicas: must be ≥ 1, got 0/);
  });
});
