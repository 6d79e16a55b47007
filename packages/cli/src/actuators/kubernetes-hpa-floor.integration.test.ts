/**
 * The HPA-floor actuator against a real control plane (scripts/kube.sh: etcd, kube-apiserver and
 * kube-controller-manager with its HPA controller syncing every second; no kubelet, no metrics-server),
 * authenticated as docker/k8s's sockml-scale ServiceAccount with its own token, so every call passes the
 * RBAC the manifests ship. What a fake could not show: that the real HPA controller brings the
 * Deployment up to the minReplicas sockml wrote (it enforces the minimum before it looks at metrics, so
 * none are needed), the API server's validation and resourceVersion check (409) on the HPA, and what
 * RBAC allows in which namespace.
 */
import type { ScalingDecision } from '@sockml/core';
import { IdempotentActuator } from '@sockml/core';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kubeControlPlaneAvailable, startKubeControlPlane, type KubeControlPlane } from '../testing/kube-control-plane.js';
import { applyYaml, deploymentYaml, eventually, sockShopYaml } from '../testing/kube-sock-shop.js';
import { startWriteProxy, type WriteProxy } from '../testing/kube-write-proxy.js';
import { KubernetesHpaFloorActuator } from './kubernetes-hpa-floor.js';

const NS = 'sock-shop';
let kube: KubeControlPlane;
let scaleConfig: k8s.KubeConfig;
let apps: k8s.AppsV1Api;
let autoscaling: k8s.AutoscalingV2Api;
let core: k8s.CoreV1Api;

const decision = (over: Partial<ScalingDecision>): ScalingDecision => ({
  decisionId: `carts@run@${Math.random().toString(36).slice(2)}`, snapshotId: 'run@t1', service: 'carts', timestamp: 't1', decision: 'SCALE_UP', strategy: 'majority',
  scaleUpVotes: 3, noActionVotes: 0, totalVotes: 3, confidence: 0.9, score: 1, degraded: false, targetReplicas: 3, ...over,
});
const down = (targetReplicas: number, service = 'carts') => decision({ service, decision: 'SCALE_DOWN', targetReplicas, scaleUpVotes: 0, noActionVotes: 3 });

/** An HPA on a Deployment, with a CPU target no metrics-server will ever answer for. */
const hpaYaml = (name: string, target: string, min: number, max = 5, namespace = NS) =>
  [
    'apiVersion: autoscaling/v2', 'kind: HorizontalPodAutoscaler', 'metadata:', `  name: ${name}`, `  namespace: ${namespace}`, 'spec:',
    '  scaleTargetRef:', '    apiVersion: apps/v1', '    kind: Deployment', `    name: ${target}`, `  minReplicas: ${min}`, `  maxReplicas: ${max}`,
    '  metrics:', '    - type: Resource', '      resource:', '        name: cpu', '        target:', '          type: Utilization', '          averageUtilization: 70',
  ].join('\n');
const minOf = async (hpa: string) => (await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: hpa, namespace: NS })).spec!.minReplicas;
const replicasOf = async (name: string) => (await apps.readNamespacedDeployment({ name, namespace: NS })).spec!.replicas;
/** sockml's Events on an HPA, oldest first, as "type reason: message up to the reason". */
const floorEvents = async (hpa: string) =>
  (await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=${hpa},source=sockml-scale` })).items
    .sort((a, b) => Number(a.metadata!.resourceVersion) - Number(b.metadata!.resourceVersion))
    .map((e) => `${e.involvedObject.kind} ${e.type} ${e.reason}: ${e.message!.split('; reason')[0]}`);

describe.skipIf(!kubeControlPlaneAvailable() && !process.env.CI)('KubernetesHpaFloorActuator against a real API server and HPA controller, as the sockml-scale ServiceAccount', () => {
  beforeAll(async () => {
    kube = await startKubeControlPlane();
    await applyYaml(kube, sockShopYaml());
    const r = await kube.kubectl(['apply', '--server-side', '-k', 'docker/k8s']);
    expect(r.code, r.stderr).toBe(0);
    scaleConfig = await kube.serviceAccountConfig('sockml', 'sockml-scale');
    apps = kube.admin().makeApiClient(k8s.AppsV1Api);
    autoscaling = kube.admin().makeApiClient(k8s.AutoscalingV2Api);
    core = kube.admin().makeApiClient(k8s.CoreV1Api);
  }, 240_000);
  afterAll(async () => {
    await kube?.stop();
  });
  // Every test starts from Sock Shop at one replica per service, with no HPA and no Event.
  beforeEach(async () => {
    await kube.kubectl(['delete', 'hpa', '--all', '-n', NS]);
    await applyYaml(kube, sockShopYaml());
    await kube.kubectl(['delete', 'events', '--all', '-n', NS]);
  });

  it("a SCALE_UP raises the HPA's minReplicas, and the real HPA controller scales the Deployment up to it", async () => {
    await applyYaml(kube, hpaYaml('carts-hpa', 'carts', 1));
    const a = new KubernetesHpaFloorActuator({ namespace: NS, kubeConfig: scaleConfig });
    expect(await a.currentReplicas('carts')).toBe(1);
    const d = decision({ targetReplicas: 3 });
    expect(await a.apply(d)).toEqual({ applied: true, detail: 'sock-shop/carts-hpa (Deployment carts): minReplicas 1 → 3' });
    expect(await minOf('carts-hpa')).toBe(3);
    await eventually('the HPA controller to scale carts to the new minimum', async () => ((await replicasOf('carts')) === 3 ? true : undefined), 20_000);
    // sockml's count is the floor, not what runs: another writer (or the HPA on CPU) running 5 is not sockml's.
    await apps.replaceNamespacedDeploymentScale({ name: 'carts', namespace: NS, body: { ...(await apps.readNamespacedDeploymentScale({ name: 'carts', namespace: NS })), spec: { replicas: 5 } } });
    expect(await replicasOf('carts')).toBe(5);
    expect(await a.currentReplicas('carts')).toBe(3);
    expect(await floorEvents('carts-hpa')).toEqual(['HorizontalPodAutoscaler Normal SockmlFloor: New minReplicas: 3 (was 1)']);
    const hpaEvents = (await core.listNamespacedEvent({ namespace: NS, fieldSelector: 'involvedObject.name=carts-hpa,reason=SuccessfulRescale' })).items;
    expect(hpaEvents[0]?.message).toMatch(/^New size: 3; reason: Current number of replicas below Spec.MinReplicas/);
    const describe = await kube.kubectl(['describe', 'hpa', 'carts-hpa', '-n', NS]);
    expect(describe.stdout).toContain(`SockmlFloor`);
    expect(describe.stdout).toContain(`decision ${d.decisionId}`);
    // sockml's write is on record under its own field manager.
    const hpa = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'carts-hpa', namespace: NS });
    expect(hpa.metadata!.managedFields!.some((f) => f.manager === 'sockml-scale' && f.operation === 'Update' && !f.subresource)).toBe(true);
  });

  it('a SCALE_DOWN lowers minReplicas; a target above maxReplicas is clamped, and said so', async () => {
    await applyYaml(kube, hpaYaml('orders-hpa', 'orders', 4));
    const a = new KubernetesHpaFloorActuator({ namespace: NS, kubeConfig: scaleConfig });
    expect(await a.apply(down(2, 'orders'))).toEqual({ applied: true, detail: 'sock-shop/orders-hpa (Deployment orders): minReplicas 4 → 2' });
    expect(await minOf('orders-hpa')).toBe(2);
    expect(await a.apply(decision({ service: 'orders', targetReplicas: 9 }))).toEqual({
      applied: true, detail: "sock-shop/orders-hpa (Deployment orders): minReplicas 2 → 5 (9 clamped to the HPA's maxReplicas 5)",
    });
    expect(await minOf('orders-hpa')).toBe(5);
    expect(await floorEvents('orders-hpa')).toEqual([
      'HorizontalPodAutoscaler Normal SockmlFloor: New minReplicas: 2 (was 4)',
      "HorizontalPodAutoscaler Normal SockmlFloor: New minReplicas: 5 (was 2) (9 clamped to the HPA's maxReplicas 5)",
    ]);
  });

  it('changes nothing, and writes no Event, for NO_ACTION, a floor already there, or a decision that would move it the other way', async () => {
    await applyYaml(kube, hpaYaml('carts-hpa', 'carts', 3));
    const before = (await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'carts-hpa', namespace: NS })).metadata!.generation;
    const a = new KubernetesHpaFloorActuator({ namespace: NS, kubeConfig: scaleConfig });
    expect(await a.apply(decision({ decision: 'NO_ACTION' }))).toEqual({ applied: false, detail: 'no action' });
    expect(await a.apply(decision({ targetReplicas: 3 }))).toEqual({ applied: false, detail: 'sock-shop/carts-hpa (Deployment carts) already has minReplicas 3' });
    expect(await a.apply(decision({ targetReplicas: 2 }))).toEqual({ applied: false, detail: 'sock-shop/carts-hpa (Deployment carts) has minReplicas 3: SCALE_UP to 2 would go the other way, not applied' });
    expect(await a.apply(down(4))).toEqual({ applied: false, detail: 'sock-shop/carts-hpa (Deployment carts) has minReplicas 3: SCALE_DOWN to 4 would go the other way, not applied' });
    expect((await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'carts-hpa', namespace: NS })).metadata!.generation).toBe(before);
    expect(await floorEvents('carts-hpa')).toEqual([]);
  });

  it('a service whose Deployment has no HPA: a clear per-decision answer, no exception; the other services go on', async () => {
    await applyYaml(kube, hpaYaml('carts-hpa', 'carts', 1));
    const refused: string[] = [];
    const a = new KubernetesHpaFloorActuator({ namespace: NS, kubeConfig: scaleConfig, onRefused: (r) => refused.push(r) });
    const r = await a.apply(decision({ service: 'user' }));
    expect(r).toEqual({
      applied: false,
      detail: 'sock-shop/user has no HorizontalPodAutoscaler (--actuator kubernetes-hpa-floor sets an HPA\'s minReplicas; give it an HPA, or use --actuator kubernetes): SCALE_UP to 3 not applied',
    });
    expect(refused).toEqual([r.detail]);
    expect((await a.apply(decision({}))).applied).toBe(true);
    // An HPA created after the list was read is found without waiting for the cache to expire.
    await applyYaml(kube, hpaYaml('user-hpa', 'user', 1));
    expect((await a.apply(decision({ service: 'user' }))).detail).toBe('sock-shop/user-hpa (Deployment user): minReplicas 1 → 3');
  });

  it('never applies a redelivered decision twice (idempotency by decision id), even after someone lowered the floor', async () => {
    await applyYaml(kube, hpaYaml('carts-hpa', 'carts', 1));
    const a = new IdempotentActuator(new KubernetesHpaFloorActuator({ namespace: NS, kubeConfig: scaleConfig }));
    const d = decision({ targetReplicas: 2 });
    expect((await a.apply(d)).applied).toBe(true);
    await applyYaml(kube, hpaYaml('carts-hpa', 'carts', 1)); // another writer put the floor back
    expect(await a.apply(d)).toEqual({ applied: false, detail: `decision ${d.decisionId} was already applied` });
    expect(await minOf('carts-hpa')).toBe(1);
    expect(a.duplicates).toBe(1);
    expect(await floorEvents('carts-hpa')).toHaveLength(1);
  });

  describe('a writer that gets there between the read and the write (HTTP 409 from the API server)', () => {
    let proxy: WriteProxy;
    beforeAll(async () => {
      proxy = await startWriteProxy(kube, await kube.serviceAccountToken('sockml', 'sockml-scale'));
    });
    afterAll(() => proxy?.close());

    it('changed something else: the actuator reads again and its write then goes through', async () => {
      await applyYaml(kube, hpaYaml('carts-hpa', 'carts', 1));
      const a = new KubernetesHpaFloorActuator({ namespace: NS, kubeConfig: proxy.config });
      proxy.puts = 0;
      proxy.beforeWrite = async () => {
        const r = await kube.kubectl(['annotate', 'hpa', 'carts-hpa', '-n', NS, 'owner=platform', '--overwrite']);
        expect(r.code, r.stderr).toBe(0);
      };
      const r = await a.apply(decision({ targetReplicas: 2 }));
      // The first write was refused with 409 (and maybe another, if the HPA controller's status write
      // also came in between); the last went through.
      expect(r.applied).toBe(true);
      expect(r.detail).toMatch(/^sock-shop\/carts-hpa \(Deployment carts\): minReplicas 1 → 2 \(after [1-4] conflicting writes?\)$/);
      expect(proxy.puts).toBeGreaterThanOrEqual(2);
      const hpa = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'carts-hpa', namespace: NS });
      expect(hpa.spec!.minReplicas).toBe(2);
      expect(hpa.metadata!.annotations).toMatchObject({ owner: 'platform' });
      expect(await floorEvents('carts-hpa')).toHaveLength(1);
    });

    it('raised the floor further: the decision is judged again on what the HPA now holds and not applied', async () => {
      await applyYaml(kube, hpaYaml('carts-hpa', 'carts', 1));
      const a = new KubernetesHpaFloorActuator({ namespace: NS, kubeConfig: proxy.config });
      proxy.puts = 0;
      proxy.beforeWrite = async () => {
        const r = await kube.kubectl(['patch', 'hpa', 'carts-hpa', '-n', NS, '--type', 'merge', '-p', '{"spec":{"minReplicas":4}}']);
        expect(r.code, r.stderr).toBe(0);
      };
      const r = await a.apply(decision({ targetReplicas: 2 }));
      expect(r).toEqual({ applied: false, detail: 'sock-shop/carts-hpa (Deployment carts) has minReplicas 4: SCALE_UP to 2 would go the other way, not applied' });
      expect(proxy.puts).toBe(1);
      expect(await minOf('carts-hpa')).toBe(4); // a blind retry would have written 2 over the other writer's 4
    });
  });

  it("RBAC, as the scale ServiceAccount's token: the HPA write is allowed in sock-shop, forbidden in another namespace", async () => {
    await applyYaml(kube, hpaYaml('carts-hpa', 'carts', 1));
    expect((await new KubernetesHpaFloorActuator({ namespace: NS, kubeConfig: scaleConfig }).apply(decision({}))).applied).toBe(true);
    await applyYaml(kube, ['apiVersion: v1', 'kind: Namespace', 'metadata:', '  name: elsewhere'].join('\n'));
    await applyYaml(kube, [deploymentYaml('carts', 1, 'elsewhere'), hpaYaml('carts-hpa', 'carts', 1, 5, 'elsewhere')].join('\n---\n'));
    const elsewhere = new KubernetesHpaFloorActuator({ namespace: 'elsewhere', kubeConfig: scaleConfig });
    await expect(elsewhere.apply(decision({}))).rejects.toThrow(
      /listing the HorizontalPodAutoscalers of elsewhere failed \(HTTP 403\): .*"system:serviceaccount:sockml:sockml-scale" cannot list resource "horizontalpodautoscalers".*to find the HPA whose minReplicas it sets/,
    );
    // The write itself, straight: the same body the actuator would send, refused.
    const token = await kube.serviceAccountToken('sockml', 'sockml-scale');
    const other = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'carts-hpa', namespace: 'elsewhere' });
    const put = await kube.requestAs(token, 'PUT', '/apis/autoscaling/v2/namespaces/elsewhere/horizontalpodautoscalers/carts-hpa', { ...other, spec: { ...other.spec!, minReplicas: 3 } });
    expect(put.status, put.body).toBe(403);
    expect(JSON.parse(put.body).message).toMatch(/cannot update resource "horizontalpodautoscalers" in API group "autoscaling" in the namespace "elsewhere"/);
    expect((await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'carts-hpa', namespace: 'elsewhere' })).spec!.minReplicas).toBe(1);
  });

  it('rejects an invalid namespace where it is built', () => {
    expect(() => new KubernetesHpaFloorActuator({ namespace: 'Sock_Shop', kubeConfig: scaleConfig })).toThrow(/'Sock_Shop' is not a valid namespace name/);
  });
});
