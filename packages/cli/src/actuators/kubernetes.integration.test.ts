/**
 * The Kubernetes actuator against a real control plane (scripts/kube.sh: etcd, kube-apiserver,
 * kube-controller-manager; no kubelet), authenticated as docker/k8s's sockml-scale ServiceAccount with
 * its own token, so every call also passes the RBAC the manifests ship. What a fake could not show:
 * the scale subresource's resourceVersion check (409) against a writer that really got there first,
 * what the Deployment controller does with the new count, a Deployment deleted under the scaler, the
 * Events `kubectl describe` shows, and HPA objects the API server validated.
 *
 * The 409 cases put a small pass-through proxy (testing/kube-write-proxy.ts) between the actuator and
 * the API server. It changes nothing in the traffic; it only lets another writer (the admin) act at the
 * worst moment — after the actuator's read, before its write — so the conflict the API server answers
 * is a real one.
 */
import type { ScalingDecision } from '@sockml/core';
import { IdempotentActuator } from '@sockml/core';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kubeControlPlaneAvailable, startKubeControlPlane, type KubeControlPlane } from '../testing/kube-control-plane.js';
import { applyYaml, deploymentYaml, eventually, sockShopYaml } from '../testing/kube-sock-shop.js';
import { startWriteProxy, type WriteProxy } from '../testing/kube-write-proxy.js';
import { KubernetesActuator } from './kubernetes.js';

const NS = 'sock-shop';
let kube: KubeControlPlane;
let scaleConfig: k8s.KubeConfig;
let apps: k8s.AppsV1Api;
let core: k8s.CoreV1Api;

const decision = (over: Partial<ScalingDecision>): ScalingDecision => ({
  decisionId: `carts@run@${Math.random().toString(36).slice(2)}`, snapshotId: 'run@t1', service: 'carts', timestamp: 't1', decision: 'SCALE_UP', strategy: 'majority',
  scaleUpVotes: 3, noActionVotes: 0, totalVotes: 3, confidence: 0.9, score: 1, degraded: false, targetReplicas: 2, ...over,
});

/** The Deployment's spec.replicas, as the admin reads it. */
const replicasOf = async (name: string) => (await apps.readNamespacedDeployment({ name, namespace: NS })).spec!.replicas;
/** Another writer scales it (kubectl scale: a patch, so it never loses a race itself). */
const setReplicas = async (name: string, replicas: number) => {
  const r = await kube.kubectl(['scale', 'deployment', name, '-n', NS, '--replicas', String(replicas)]);
  if (r.code !== 0) throw new Error(`kubectl scale ${name} failed: ${r.stderr}`);
};
/** sockml's Events on a Deployment, oldest first. */
const sockmlEvents = async (name: string) =>
    // (in the order etcd stored them: timestamps have whole seconds)
  (await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=${name},source=sockml-scale` })).items.sort((a, b) => Number(a.metadata!.resourceVersion) - Number(b.metadata!.resourceVersion));

describe.skipIf(!kubeControlPlaneAvailable() && !process.env.CI)('KubernetesActuator against a real API server, as the sockml-scale ServiceAccount', () => {
  beforeAll(async () => {
    kube = await startKubeControlPlane();
    await applyYaml(kube, sockShopYaml());
    const r = await kube.kubectl(['apply', '--server-side', '-k', 'docker/k8s']);
    expect(r.code, r.stderr).toBe(0);
    scaleConfig = await kube.serviceAccountConfig('sockml', 'sockml-scale');
    apps = kube.admin().makeApiClient(k8s.AppsV1Api);
    core = kube.admin().makeApiClient(k8s.CoreV1Api);
  }, 240_000);
  afterAll(async () => {
    const memory = kube?.memoryKb();
    if (memory) console.log(`control plane resident memory after the actuator tests: ${Object.entries(memory).map(([k, v]) => `${k} ${Math.round(v / 1024)} MiB`).join(', ')}`);
    await kube?.stop();
  });
  // Every test starts from Sock Shop at one replica per service, with no HPA and no Event.
  beforeEach(async () => {
    await kube.kubectl(['delete', 'hpa', '--all', '-n', NS]);
    await applyYaml(kube, sockShopYaml());
    await kube.kubectl(['delete', 'events', '--all', '-n', NS]);
  });

  it('scales through the scale subresource; the Deployment controller gives the ReplicaSet the new count (pods Pending: no nodes)', async () => {
    const a = new KubernetesActuator({ namespace: NS, kubeConfig: scaleConfig });
    const d = decision({ targetReplicas: 3 });
    expect(await a.apply(d)).toEqual({ applied: true, detail: 'sock-shop/carts: 1 → 3 replicas' });
    expect(await replicasOf('carts')).toBe(3);
    const rs = await eventually('the ReplicaSet at 3', async () => {
      const list = await apps.listNamespacedReplicaSet({ namespace: NS, labelSelector: 'name=carts' });
      return list.items.length === 1 && list.items[0].spec!.replicas === 3 ? list.items[0] : undefined;
    });
    expect(rs.metadata!.ownerReferences![0]).toMatchObject({ kind: 'Deployment', name: 'carts' });
    const pods = await eventually('three carts pods', async () => {
      const list = await core.listNamespacedPod({ namespace: NS, labelSelector: 'name=carts' });
      return list.items.length === 3 ? list.items : undefined;
    });
    expect(pods.map((p) => p.status!.phase)).toEqual(['Pending', 'Pending', 'Pending']);
    // sockml's write is on record under its own field manager.
    const deployment = await apps.readNamespacedDeployment({ name: 'carts', namespace: NS });
    expect(deployment.metadata!.managedFields!.some((f) => f.manager === 'sockml-scale' && f.subresource === 'scale')).toBe(true);
  });

  it('writes an Event on the Deployment for each change, as the HPA does (kubectl describe shows it)', async () => {
    const a = new KubernetesActuator({ namespace: NS, kubeConfig: scaleConfig });
    const up = decision({ targetReplicas: 2 });
    const down = decision({ decision: 'SCALE_DOWN', targetReplicas: 1, scaleUpVotes: 0, noActionVotes: 3, reason: 'cooldown over' });
    await a.apply(up);
    await a.apply(down);
    await a.apply(decision({ decision: 'NO_ACTION' })); // no change, no event
    const events = await sockmlEvents('carts');
    expect(events.map((e) => [e.type, e.reason, e.message])).toEqual([
      ['Normal', 'SuccessfulRescale', `New size: 2; reason: sockml SCALE_UP (3/3 models predict an SLO violation), decision ${up.decisionId}`],
      ['Normal', 'SuccessfulRescale', `New size: 1; reason: sockml SCALE_DOWN (0/3 models predict an SLO violation; cooldown over), decision ${down.decisionId}`],
    ]);
    const deployment = await apps.readNamespacedDeployment({ name: 'carts', namespace: NS });
    expect(events.every((e) => e.involvedObject.uid === deployment.metadata!.uid && e.involvedObject.kind === 'Deployment')).toBe(true);
    const describe = await kube.kubectl(['describe', 'deployment', 'carts', '-n', NS]);
    expect(describe.stdout).toMatch(/Normal\s+SuccessfulRescale\s+.*sockml-scale\s+New size: 2; reason: sockml SCALE_UP/);
  });

  it('changes nothing, and writes no Event, for NO_ACTION, a target already in place, or a SCALE_UP that would shrink', async () => {
    await setReplicas('front-end', 3);
    // The spec's generation: the Deployment controller's status updates move the resourceVersion, not it.
    const before = (await apps.readNamespacedDeployment({ name: 'front-end', namespace: NS })).metadata!.generation;
    const a = new KubernetesActuator({ namespace: NS, kubeConfig: scaleConfig });
    expect(await a.apply(decision({ service: 'front-end', decision: 'NO_ACTION' }))).toEqual({ applied: false, detail: 'no action' });
    expect(await a.apply(decision({ service: 'front-end', decision: 'SCALE_DOWN', targetReplicas: 3 }))).toEqual({ applied: false, detail: 'sock-shop/front-end already has 3 replicas' });
    const r = await a.apply(decision({ service: 'front-end', targetReplicas: 2 }));
    expect(r).toEqual({ applied: false, detail: 'sock-shop/front-end has 3 replicas: SCALE_UP to 2 would go the other way, not applied' });
    expect((await apps.readNamespacedDeployment({ name: 'front-end', namespace: NS })).metadata!.generation).toBe(before);
    expect(await sockmlEvents('front-end')).toEqual([]);
  });

  it('reads the real count for --initial-replicas actuator, and null for a Deployment that does not exist', async () => {
    await setReplicas('orders', 4);
    const a = new KubernetesActuator({ namespace: NS, kubeConfig: scaleConfig });
    expect(await a.currentReplicas('orders')).toBe(4);
    expect(await a.currentReplicas('payment')).toBe(1);
    await apps.deleteNamespacedDeployment({ name: 'payment', namespace: NS });
    expect(await a.currentReplicas('payment')).toBeNull();
  });

  it('never applies a redelivered decision twice (idempotency by decision id), even after someone scaled back', async () => {
    const a = new IdempotentActuator(new KubernetesActuator({ namespace: NS, kubeConfig: scaleConfig }));
    const d = decision({});
    expect((await a.apply(d)).applied).toBe(true);
    await setReplicas('carts', 1); // another writer scaled it back meanwhile
    expect((await a.apply(d)).applied).toBe(false);
    expect(await replicasOf('carts')).toBe(1);
    expect(a.duplicates).toBe(1);
    expect(await sockmlEvents('carts')).toHaveLength(1);
  });

  describe('a writer that gets there between the read and the write (HTTP 409 from the API server)', () => {
    let proxy: WriteProxy;
    beforeAll(async () => {
      proxy = await startWriteProxy(kube, await kube.serviceAccountToken('sockml', 'sockml-scale'));
    });
    afterAll(() => proxy?.close());

    it('changed something else: the actuator reads again and its write then goes through', async () => {
      const a = new KubernetesActuator({ namespace: NS, kubeConfig: proxy.config });
      proxy.puts = 0;
      proxy.beforeWrite = async () => {
        // e.g. someone annotates it: a new resourceVersion, the same replicas
        const r = await kube.kubectl(['annotate', 'deployment', 'carts', '-n', NS, 'rollout=now', '--overwrite']);
        expect(r.code, r.stderr).toBe(0);
      };
      const r = await a.apply(decision({ targetReplicas: 2 }));
      // The first write was refused with 409 (and maybe another, if the Deployment controller's status
      // update also came in between); the last went through.
      expect(r.applied).toBe(true);
      expect(r.detail).toMatch(/^sock-shop\/carts: 1 → 2 replicas \(after [1-4] conflicting writes?\)$/);
      expect(proxy.puts).toBeGreaterThanOrEqual(2);
      expect(await replicasOf('carts')).toBe(2);
      expect((await apps.readNamespacedDeployment({ name: 'carts', namespace: NS })).metadata!.annotations).toMatchObject({ rollout: 'now' });
      expect(await sockmlEvents('carts')).toHaveLength(1);
    });

    it('scaled it further: the decision is judged again on what the Deployment now holds and not applied', async () => {
      const a = new KubernetesActuator({ namespace: NS, kubeConfig: proxy.config });
      proxy.puts = 0;
      proxy.beforeWrite = () => setReplicas('carts', 4);
      const r = await a.apply(decision({ targetReplicas: 2 }));
      expect(r).toEqual({ applied: false, detail: 'sock-shop/carts has 4 replicas: SCALE_UP to 2 would go the other way, not applied' });
      expect(proxy.puts).toBe(1);
      expect(await replicasOf('carts')).toBe(4); // a blind retry would have written 2 over the other writer's 4
      expect(await sockmlEvents('carts')).toEqual([]);
    });

    it('setReplicas (experiment resets) retries the same way', async () => {
      const a = new KubernetesActuator({ namespace: NS, kubeConfig: proxy.config });
      proxy.puts = 0;
      await setReplicas('carts', 3);
      proxy.beforeWrite = () => setReplicas('carts', 5);
      await a.setReplicas('carts', 1);
      expect(proxy.puts).toBeGreaterThanOrEqual(2); // refused (409) at least once, then through
      expect(await replicasOf('carts')).toBe(1);
    });
  });

  it('many writers at once (four scalers and kubectl): every write is retried to an answer, none fails', async () => {
    const scalers = [2, 3, 4, 5].map(() => new KubernetesActuator({ namespace: NS, kubeConfig: scaleConfig }));
    const results = await Promise.all([
      ...scalers.map((a, i) => a.apply(decision({ targetReplicas: i + 2 }))),
      kube.kubectl(['scale', 'deployment', 'carts', '-n', NS, '--replicas', '6']),
    ]);
    // Each scaler got an answer: applied, or not because what it found after its retries made it moot.
    const answers = results.slice(0, 4) as { applied: boolean; detail: string }[];
    for (const r of answers) expect(r.detail).toMatch(/^sock-shop\/carts(: \d → \d replicas| already has \d replicas| has \d replicas: SCALE_UP to \d would go the other way, not applied)/);
    const applied = answers.filter((r) => r.applied);
    expect((results[4] as { code: number }).code).toBe(0);
    // Whoever wrote last is what the Deployment holds; each sockml write left one Event.
    expect([2, 3, 4, 5, 6]).toContain(await replicasOf('carts'));
    expect(await sockmlEvents('carts')).toHaveLength(applied.length);
  });

  it('a Deployment deleted under the scaler: a clear "does not exist", no exception; the other services go on', async () => {
    await apps.deleteNamespacedDeployment({ name: 'shipping', namespace: NS });
    const refused: string[] = [];
    const a = new KubernetesActuator({ namespace: NS, kubeConfig: scaleConfig, onRefused: (d) => refused.push(d) });
    const r = await a.apply(decision({ service: 'shipping' }));
    expect(r).toEqual({ applied: false, detail: 'sock-shop/shipping does not exist (deleted, or not this namespace\'s Deployment): SCALE_UP to 2 not applied' });
    expect(refused).toEqual([r.detail]);
    expect((await a.apply(decision({ service: 'user' }))).applied).toBe(true);
    await expect(a.setReplicas('shipping', 1)).rejects.toThrow(/kubernetes actuator: setting sock-shop\/shipping to 1 replicas failed \(HTTP 404\)/);
  });

  it('a service the Role does not name: the API server refuses (403) and the error says which Deployment', async () => {
    const a = new KubernetesActuator({ namespace: NS, kubeConfig: scaleConfig });
    // The API server's own words follow: who may not do what.
    await expect(a.apply(decision({ service: 'queue-master' }))).rejects.toThrow(
      /kubernetes actuator: scaling sock-shop\/queue-master failed \(HTTP 403\): deployments.apps "queue-master" is forbidden: User "system:serviceaccount:sockml:sockml-scale" cannot get resource "deployments\/scale"/,
    );
    await expect(a.currentReplicas('carts-db')).rejects.toThrow(/reading sock-shop\/carts-db's scale failed \(HTTP 403\)/);
    expect(await replicasOf('queue-master')).toBe(1);
  });

  it('a write the API server refuses leaves a Warning FailedRescale Event, as the HPA does, and the error', async () => {
    // A scaler that may read the scale and write Events, but not update the scale.
    await applyYaml(
      kube,
      [
        'apiVersion: v1', 'kind: ServiceAccount', 'metadata:', '  name: read-only', `  namespace: ${NS}`,
        '---', 'apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', 'metadata:', '  name: read-only', `  namespace: ${NS}`, 'rules:',
        '  - {apiGroups: ["apps"], resources: ["deployments/scale"], verbs: ["get"]}',
        '  - {apiGroups: [""], resources: ["events"], verbs: ["create"]}',
        '---', 'apiVersion: rbac.authorization.k8s.io/v1', 'kind: RoleBinding', 'metadata:', '  name: read-only', `  namespace: ${NS}`,
        'subjects:', `  - {kind: ServiceAccount, name: read-only, namespace: ${NS}}`, 'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-only}',
      ].join('\n'),
    );
    const a = new KubernetesActuator({ namespace: NS, kubeConfig: await kube.serviceAccountConfig(NS, 'read-only'), hpaConflict: 'allow' });
    const d = decision({});
    await expect(a.apply(d)).rejects.toThrow(/scaling sock-shop\/carts failed \(HTTP 403\): .*cannot update resource "deployments\/scale"/);
    const events = await core.listNamespacedEvent({ namespace: NS, fieldSelector: 'involvedObject.name=carts,source=sockml-scale' });
    expect(events.items.map((e) => [e.type, e.reason])).toEqual([['Warning', 'FailedRescale']]);
    expect(events.items[0].message).toMatch(new RegExp(`^New size: 2; reason: sockml SCALE_UP .*decision ${d.decisionId}; error: .*cannot update resource`));
    expect(await replicasOf('carts')).toBe(1);
  });

  it('an Event the scaler may not write is reported, and the scaling stands', async () => {
    await applyYaml(
      kube,
      [
        'apiVersion: v1', 'kind: ServiceAccount', 'metadata:', '  name: no-events', `  namespace: ${NS}`,
        '---', 'apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', 'metadata:', '  name: no-events', `  namespace: ${NS}`, 'rules:',
        '  - {apiGroups: ["apps"], resources: ["deployments/scale"], verbs: ["get", "update"]}',
        '---', 'apiVersion: rbac.authorization.k8s.io/v1', 'kind: RoleBinding', 'metadata:', '  name: no-events', `  namespace: ${NS}`,
        'subjects:', `  - {kind: ServiceAccount, name: no-events, namespace: ${NS}}`, 'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: no-events}',
      ].join('\n'),
    );
    const failed: string[] = [];
    const a = new KubernetesActuator({ namespace: NS, kubeConfig: await kube.serviceAccountConfig(NS, 'no-events'), hpaConflict: 'allow', onEventFailed: (m) => failed.push(m) });
    expect((await a.apply(decision({}))).applied).toBe(true);
    expect(await replicasOf('carts')).toBe(2);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/could not write the SuccessfulRescale event on sock-shop\/carts \(HTTP 403\): .*; scale needs create on events in sock-shop/);
  });

  describe('HorizontalPodAutoscalers', () => {
    const hpaYaml = (name: string, kind: string, target: string, min = 1) =>
      [
        'apiVersion: autoscaling/v2',
        'kind: HorizontalPodAutoscaler',
        'metadata:',
        `  name: ${name}`,
        `  namespace: ${NS}`,
        'spec:',
        '  scaleTargetRef:',
        `    apiVersion: ${kind === 'Deployment' ? 'apps/v1' : 'apps/v1'}`,
        `    kind: ${kind}`,
        `    name: ${target}`,
        `  minReplicas: ${min}`,
        '  maxReplicas: 5',
        '  metrics:',
        '    - type: Resource',
        '      resource:',
        '        name: cpu',
        '        target:',
        '          type: Utilization',
        '          averageUtilization: 70',
      ].join('\n');

    it('refuses a decision for a Deployment an HPA also scales, and says so; other Deployments are scaled', async () => {
      await applyYaml(kube, [hpaYaml('carts-hpa', 'Deployment', 'carts'), hpaYaml('user-hpa', 'StatefulSet', 'front-end')].join('\n---\n'));
      const refused: string[] = [];
      const a = new KubernetesActuator({ namespace: NS, kubeConfig: scaleConfig, onRefused: (d) => refused.push(d) });
      const r = await a.apply(decision({}));
      expect(r).toEqual({ applied: false, detail: 'sock-shop/carts is also scaled by HorizontalPodAutoscaler carts-hpa: SCALE_UP to 2 not applied (delete the HPA, or pass --allow-hpa-conflict)' });
      expect(refused).toEqual([r.detail]);
      expect((await a.apply(decision({ service: 'front-end', targetReplicas: 4 }))).applied).toBe(true); // an HPA on a StatefulSet of that name is not this Deployment's
      expect(await a.hpaTargets()).toEqual([{ deployment: 'carts', hpa: 'carts-hpa' }]);
      expect(await replicasOf('carts')).toBe(1);
    });

    it('--allow-hpa-conflict acts anyway, and does not need to list HPAs', async () => {
      await applyYaml(kube, hpaYaml('carts-hpa', 'Deployment', 'carts'));
      const a = new KubernetesActuator({ namespace: NS, kubeConfig: scaleConfig, hpaConflict: 'allow' });
      expect((await a.apply(decision({}))).applied).toBe(true);
    });

    it('a real HPA acts on its own: below its minimum it scales the Deployment and writes its Event; sockml reads that count', async () => {
      await applyYaml(kube, hpaYaml('orders-hpa', 'Deployment', 'orders', 3));
      await eventually('the HPA controller to scale orders to its minimum', async () => ((await replicasOf('orders')) === 3 ? true : undefined));
      const events = (await core.listNamespacedEvent({ namespace: NS, fieldSelector: 'involvedObject.name=orders-hpa,reason=SuccessfulRescale' })).items;
      expect(events[0]?.message).toMatch(/^New size: 3; reason: Current number of replicas below Spec.MinReplicas/);
      expect(await new KubernetesActuator({ namespace: NS, kubeConfig: scaleConfig }).currentReplicas('orders')).toBe(3);
    });

    it('may not list HPAs (RBAC): fails naming the permission; once a list was read, keeps refusing on it', async () => {
      await applyYaml(kube, hpaYaml('carts-hpa', 'Deployment', 'carts'));
      // A scaler whose Role grants deployments/scale but, once its list is read, no longer list on HPAs.
      const role = (verbs: string[]) =>
        [
          'apiVersion: v1', 'kind: ServiceAccount', 'metadata:', '  name: narrow', `  namespace: ${NS}`,
          '---', 'apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', 'metadata:', '  name: narrow', `  namespace: ${NS}`, 'rules:',
          '  - apiGroups: ["apps"]', '    resources: ["deployments/scale"]', '    verbs: ["get", "update"]',
          ...(verbs.length ? ['  - apiGroups: ["autoscaling"]', '    resources: ["horizontalpodautoscalers"]', `    verbs: ${JSON.stringify(verbs)}`] : []),
          '---', 'apiVersion: rbac.authorization.k8s.io/v1', 'kind: RoleBinding', 'metadata:', '  name: narrow', `  namespace: ${NS}`,
          'subjects:', `  - {kind: ServiceAccount, name: narrow, namespace: ${NS}}`, 'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: narrow}',
        ].join('\n');
      await applyYaml(kube, role([]));
      const narrow = await kube.serviceAccountConfig(NS, 'narrow');
      const blind = new KubernetesActuator({ namespace: NS, kubeConfig: narrow, hpaTtlMs: 0 });
      await expect(blind.hpaTargets()).rejects.toThrow(/listing the HorizontalPodAutoscalers of sock-shop failed \(HTTP 403\).*needs list on horizontalpodautoscalers \(apiGroup autoscaling\).*--allow-hpa-conflict/);
      await expect(blind.apply(decision({ service: 'user' }))).rejects.toThrow(/HTTP 403/);
      expect(await replicasOf('user')).toBe(1);

      await applyYaml(kube, role(['list']));
      const a = new KubernetesActuator({ namespace: NS, kubeConfig: narrow, hpaTtlMs: 0 });
      expect(await eventually('the list allowed', () => a.hpaTargets())).toEqual([{ deployment: 'carts', hpa: 'carts-hpa' }]);
      await applyYaml(kube, role([]));
      await eventually('the list forbidden again', async () => ((await a.hpaTargets().catch(() => 'forbidden')) === 'forbidden' ? true : undefined));
      expect((await a.apply(decision({}))).detail).toMatch(/is also scaled by HorizontalPodAutoscaler carts-hpa/);
      expect(await replicasOf('carts')).toBe(1);
    });
  });

  it('rejects an invalid namespace where it is built', () => {
    expect(() => new KubernetesActuator({ namespace: 'Sock_Shop', kubeConfig: scaleConfig })).toThrow(/'Sock_Shop' is not a valid namespace name/);
  });
});
