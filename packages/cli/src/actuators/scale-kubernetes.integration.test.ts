/**
 * `sockml scale --actuator kubernetes` as a process, against a real Kafka broker and a real Kubernetes
 * control plane (scripts/kube.sh), authenticated with the sockml-scale ServiceAccount's token under the
 * RBAC of docker/k8s: the config's Deployment and bounds are used, a Deployment a real HPA also scales
 * is left alone unless --allow-hpa-conflict, a scaler that may not list HPAs does not start, each
 * service starts from the replicas its Deployment really has (--initial-replicas actuator), every change
 * leaves an Event on its Deployment, and a Deployment deleted under the scaler is reported while the
 * others go on being scaled.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { formatVoteMessage, type Vote } from '@sockml/core';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawnSockml } from '../lib/sockml-child.js';
import { REPO, sockml } from '../test-support.js';
import { startKafkaBroker, type KafkaBroker } from '../testing/kafka-broker.js';
import { kubeControlPlaneAvailable, startKubeControlPlane, type KubeControlPlane } from '../testing/kube-control-plane.js';
import { applyYaml, deploymentYaml, sockShopYaml } from '../testing/kube-sock-shop.js';
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

const NS = 'sock-shop';
const MODELS = ['xgboost', 'random_forest', 'logistic_regression'];
let broker: KafkaBroker;
let kube: KubeControlPlane;
let apps: k8s.AppsV1Api;
let dir: string;
let configFile: string;
let scaleKubeconfig: string;

const replicasOf = async (name: string) => (await apps.readNamespacedDeployment({ name, namespace: NS })).spec!.replicas;
const hpaYaml = (target: string) =>
  ['apiVersion: autoscaling/v2', 'kind: HorizontalPodAutoscaler', 'metadata:', `  name: ${target}`, `  namespace: ${NS}`, 'spec:', '  scaleTargetRef:', '    apiVersion: apps/v1', '    kind: Deployment', `    name: ${target}`, '  minReplicas: 1', '  maxReplicas: 5'].join('\n');

describe.skipIf(!kubeControlPlaneAvailable() && !process.env.CI)('scale --actuator kubernetes on a real API server', () => {
  beforeAll(async () => {
    [broker, kube] = await Promise.all([startKafkaBroker(), startKubeControlPlane()]);
    await broker.createTopics(['model-votes', 'scaling-decisions', 'model-votes.dlq'], 3);
    dir = mkdtempSync(join(tmpdir(), 'sockml-scale-k8s-'));
    configFile = join(dir, 'sockml.yaml');
    writeFileSync(configFile, ['services:', '  front-end:', '    deployment: front-end-v2', '    max-replicas: 4', '  carts:', '    deployment: carts'].join('\n') + '\n');
    await applyYaml(kube, sockShopYaml()); // Sock Shop first: docker/k8s's Role lives in its namespace
    const r = await kube.kubectl(['apply', '--server-side', '-k', 'docker/k8s']);
    expect(r.code, r.stderr).toBe(0);
    // The Role names the services, not front-end-v2: a cluster that renamed the front-end grants that name too.
    const role = await kube.kubectl(['patch', 'role', 'sockml-scale', '-n', NS, '--type', 'json', '-p', '[{"op":"add","path":"/rules/0/resourceNames/-","value":"front-end-v2"}]']);
    expect(role.code, role.stderr).toBe(0);
    scaleKubeconfig = await kube.serviceAccountKubeconfig('sockml', 'sockml-scale', dir);
    apps = kube.admin().makeApiClient(k8s.AppsV1Api);
  }, 240_000);
  afterAll(async () => {
    await Promise.all([broker?.stop(), kube?.stop()]);
  });
  beforeEach(async () => {
    await kube.kubectl(['delete', 'hpa', '--all', '-n', NS]);
    await kube.kubectl(['delete', 'events', '--all', '-n', NS]);
    await applyYaml(kube, [sockShopYaml(), deploymentYaml('front-end-v2')].join('\n---\n'));
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

  /** Runs scale until it printed one SCALE_UP per service voted (each round of `rounds`), then SIGTERM. */
  async function runScale(group: string, extra: string[], rounds: string[][], options: { between?: () => Promise<void>; actuator?: string } = {}) {
    const port = await freePort();
    const scale = spawnSockml(
      // The step policy: three "violation" votes are a SCALE_UP whatever the votes carry (these carry no observation).
      ['scale', '--kafka', broker.brokers.join(','), '--actuator', options.actuator ?? 'kubernetes', '--namespace', NS, '--config', configFile, '--window', '1s', '--group', group, '--port', String(port), '--policy', 'step', '--scale-up-cooldown', '1ms', ...extra],
      { cwd: REPO, env: { KUBECONFIG: scaleKubeconfig }, timeoutMs: 150_000 },
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
      let expected = 0;
      for (const [i, services] of rounds.entries()) {
        if (i > 0) await options.between?.();
        await voteUp(services, `${group}-${i}`);
        expected += services.length;
        await waitFor(`${expected} decisions`, () => (scale.stdout().match(/DECISION: SCALE_UP/g) ?? []).length >= expected, 60_000);
      }
      // The last decision is printed once applied; give its Event a moment.
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await scale.stop('SIGTERM', 15_000);
    }
    return scale;
  }

  const sockmlEvents = async () =>
    (await kube.admin().makeApiClient(k8s.CoreV1Api).listNamespacedEvent({ namespace: NS, fieldSelector: 'source=sockml-scale' })).items
      .sort((a, b) => Number(a.metadata!.resourceVersion) - Number(b.metadata!.resourceVersion))
      .map((e) => `${e.involvedObject.name} ${e.type} ${e.reason}: ${e.message!.split(';')[0]}`);

  it("leaves the HPA's Deployment alone (warning at start and per decision), scales the config's Deployment for front-end", async () => {
    await applyYaml(kube, hpaYaml('carts'));
    const scale = await runScale('hpa-refuse', ['--initial-replicas', 'min'], [['carts', 'front-end']]);
    expect(await replicasOf('front-end-v2')).toBe(2);
    expect(await replicasOf('front-end')).toBe(1);
    expect(await replicasOf('carts')).toBe(1);
    expect(scale.stderr()).toMatch(/HorizontalPodAutoscaler carts scales sock-shop\/carts: scale will not act on it/);
    expect(scale.stderr()).toMatch(/sock-shop\/carts is also scaled by HorizontalPodAutoscaler carts: SCALE_UP to 2 not applied/);
    expect(await sockmlEvents()).toEqual(['front-end-v2 Normal SuccessfulRescale: New size: 2']);
  });

  it('--allow-hpa-conflict acts on it', async () => {
    await applyYaml(kube, hpaYaml('carts'));
    await runScale('hpa-allow', ['--allow-hpa-conflict', '--initial-replicas', 'min'], [['carts']]);
    expect(await replicasOf('carts')).toBe(2);
  });

  it("--actuator kubernetes-hpa-floor: raises the HPA's minReplicas (the real HPA controller then scales the Deployment); a Deployment without an HPA is reported and left alone", async () => {
    await applyYaml(kube, hpaYaml('carts'));
    const scale = await runScale('hpa-floor', [], [['carts', 'orders']], { actuator: 'kubernetes-hpa-floor' });
    const autoscaling = kube.admin().makeApiClient(k8s.AutoscalingV2Api);
    expect((await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'carts', namespace: NS })).spec!.minReplicas).toBe(2);
    let carts: number | undefined;
    await waitFor('the HPA controller to scale carts to 2', () => carts === 2, 20_000, async () => {
      carts = await replicasOf('carts');
    });
    expect(await replicasOf('orders')).toBe(1);
    const out = scale.stdout() + scale.stderr();
    expect(out).toMatch(/HorizontalPodAutoscaler carts scales sock-shop\/carts: scale sets its minReplicas/);
    expect(out).toMatch(/sock-shop\/orders has no HorizontalPodAutoscaler \(--actuator kubernetes-hpa-floor sets an HPA's minReplicas.*SCALE_UP to 2 not applied/);
    expect(await sockmlEvents()).toEqual(['carts Normal SockmlFloor: New minReplicas: 2 (was 1)']);
  });

  it('--initial-replicas actuator: each service starts from what its Deployment really has', async () => {
    await kube.kubectl(['scale', 'deployment', 'front-end-v2', '-n', NS, '--replicas', '3']);
    const scale = await runScale('seeded', [], [['front-end', 'carts']]);
    expect(scale.stdout() + scale.stderr()).toMatch(/front-end starts from 3 replicas \(kubernetes target\)/);
    expect(await replicasOf('front-end-v2')).toBe(4); // one step up from the real 3, not from the minimum
    expect(await replicasOf('carts')).toBe(2);
  });

  it('an Event for every change it makes; a Deployment deleted meanwhile is reported and the others go on', async () => {
    const scale = await runScale('events', [], [['carts', 'orders'], ['carts', 'orders'], ['carts']], {
      between: async () => {
        await apps.deleteNamespacedDeployment({ name: 'orders', namespace: NS }).catch(() => {});
      },
    });
    expect(scale.stderr()).toMatch(/sock-shop\/orders does not exist \(deleted, or not this namespace's Deployment\): SCALE_UP to 3 not applied/);
    expect(await replicasOf('carts')).toBe(4);
    // One per change, in the order made (within a round, carts and orders may go either way).
    const events = await sockmlEvents();
    expect([...events].sort()).toEqual([
      'carts Normal SuccessfulRescale: New size: 2',
      'carts Normal SuccessfulRescale: New size: 3',
      'carts Normal SuccessfulRescale: New size: 4',
      'orders Normal SuccessfulRescale: New size: 2',
    ]);
    expect(events.filter((e) => e.startsWith('carts'))).toEqual(['carts Normal SuccessfulRescale: New size: 2', 'carts Normal SuccessfulRescale: New size: 3', 'carts Normal SuccessfulRescale: New size: 4']);
    const r = await scale.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/scale: 5 decisions/);
  });

  it('may not list HPAs (RBAC): exits 4 before consuming, naming the permission', async () => {
    const noList = await kube.serviceAccountKubeconfig('sockml', 'default', dir); // a ServiceAccount without the Role
    const r = await sockml(['scale', '--kafka', broker.brokers.join(','), '--actuator', 'kubernetes', '--config', configFile], { env: { KUBECONFIG: noList } });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/listing the HorizontalPodAutoscalers of sock-shop failed \(HTTP 403\).*list on horizontalpodautoscalers/);
  });

  it('a bad config is bad input (exit 2) naming the field, before connecting to anything', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'services:\n  carts:\n    max-replicas: 0\n');
    const r = await sockml(['scale', '--kafka', '127.0.0.1:1', '--config', bad]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml: services\.carts\.max-replicas: must be ≥ 1, got 0/);
  });
});
