import type { ScalingDecision } from '@sockml/core';
import { IdempotentActuator } from '@sockml/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeKubeApi, type FakeKubeApi, type RecordedRequest } from '../testing/fake-kube-api.js';
import { KubernetesActuator } from './kubernetes.js';

/**
 * No Kubernetes API server can run on this machine, so these tests use a FAKE (testing/fake-kube-api.ts):
 * a local HTTP server that answers the scale-subresource and HPA calls the way the API server does and
 * records every request. It checks what the actuator sends (paths, verbs, body, credentials), not Kubernetes itself.
 */
let api: FakeKubeApi;
let recorded: RecordedRequest[];
// The fake's state, through these names so each test reads like the API's state it sets up.
let replicas: Record<string, number>;
const state = {
  set failWith(v: number | null) { api.failWith = v; },
  set hpaFailWith(v: number | null) { api.hpaFailWith = v; },
  set hpas(v: [string, string, string][]) { api.hpas = v; },
};

beforeEach(async () => {
  api = await startFakeKubeApi({ replicas: { carts: 1, 'front-end': 3 } });
  recorded = api.recorded;
  replicas = api.replicas;
});
afterEach(() => api.close());

const kubeConfig = () => api.kubeConfig();

const decision = (over: Partial<ScalingDecision>): ScalingDecision => ({
  decisionId: 'carts@run@t1', snapshotId: 'run@t1', service: 'carts', timestamp: 't1', decision: 'SCALE_UP', strategy: 'majority',
  scaleUpVotes: 3, noActionVotes: 0, totalVotes: 3, confidence: 0.9, score: 1, degraded: false, targetReplicas: 2, ...over,
});

describe('KubernetesActuator (against a recorded-HTTP fake API server)', () => {
  it('reads and replaces the Deployment scale subresource with the target replicas', async () => {
    const a = new KubernetesActuator({ namespace: 'sock-shop', kubeConfig: kubeConfig() });
    const r = await a.apply(decision({}));
    expect(r).toEqual({ applied: true, detail: 'sock-shop/carts: 1 → 2 replicas' });
    expect(recorded.map((x) => `${x.method} ${x.url.split('?')[0]}`)).toEqual([
      'GET /apis/autoscaling/v2/namespaces/sock-shop/horizontalpodautoscalers', // no HPA scales carts
      'GET /apis/apps/v1/namespaces/sock-shop/deployments/carts/scale',
      'PUT /apis/apps/v1/namespaces/sock-shop/deployments/carts/scale',
    ]);
    expect(recorded[2].body).toMatchObject({ kind: 'Scale', metadata: { resourceVersion: '7' }, spec: { replicas: 2 } });
    expect(recorded.every((x) => x.auth === 'Bearer secret-token')).toBe(true);
    expect(replicas.carts).toBe(2);
  });

  it('changes nothing for NO_ACTION or when the target is already in place', async () => {
    const a = new KubernetesActuator({ namespace: 'sock-shop', kubeConfig: kubeConfig() });
    expect((await a.apply(decision({ decision: 'NO_ACTION' }))).applied).toBe(false);
    expect(recorded).toEqual([]);
    expect((await a.apply(decision({ service: 'front-end', targetReplicas: 3, decision: 'SCALE_DOWN' }))).applied).toBe(false);
    expect(recorded.map((x) => x.method)).toEqual(['GET', 'GET']); // the HPAs, the scale
  });

  it('never lets a SCALE_UP shrink a Deployment (the scaler may start below the cluster’s count)', async () => {
    const a = new KubernetesActuator({ namespace: 'sock-shop', kubeConfig: kubeConfig() });
    const r = await a.apply(decision({ service: 'front-end', decision: 'SCALE_UP', targetReplicas: 2 }));
    expect(r.applied).toBe(false);
    expect(r.detail).toMatch(/front-end has 3 replicas: SCALE_UP to 2 would go the other way/);
    expect(recorded.map((x) => x.method)).toEqual(['GET', 'GET']);
    expect(replicas['front-end']).toBe(3);
  });

  it('never applies a redelivered decision twice', async () => {
    const a = new IdempotentActuator(new KubernetesActuator({ namespace: 'sock-shop', kubeConfig: kubeConfig() }));
    await a.apply(decision({}));
    replicas.carts = 1; // someone else scaled it back meanwhile: a redelivered decision must still not act
    await a.apply(decision({}));
    expect(recorded.filter((x) => x.method === 'PUT')).toHaveLength(1);
  });

  it('reports an API error with the deployment and status', async () => {
    state.failWith = 403;
    const a = new KubernetesActuator({ namespace: 'sock-shop', kubeConfig: kubeConfig() });
    await expect(a.apply(decision({}))).rejects.toThrow(/kubernetes actuator: scaling sock-shop\/carts failed \(HTTP 403\)/);
  });

  it('reads the current replicas for the policy to start from (null for a Deployment that does not exist)', async () => {
    const a = new IdempotentActuator(new KubernetesActuator({ namespace: 'sock-shop', kubeConfig: kubeConfig() }));
    expect(await a.currentReplicas('front-end')).toBe(3);
    expect(await a.currentReplicas('queue-master')).toBeNull();
    expect(recorded.map((x) => `${x.method} ${x.url.split('?')[0]}`)).toEqual([
      'GET /apis/apps/v1/namespaces/sock-shop/deployments/front-end/scale',
      'GET /apis/apps/v1/namespaces/sock-shop/deployments/queue-master/scale',
    ]);
    state.failWith = 403;
    await expect(a.currentReplicas('carts')).rejects.toThrow(/reading sock-shop\/carts's scale failed \(HTTP 403\)/);
  });

  it('setReplicas replaces the scale in either direction, and skips the write when it is already there', async () => {
    const a = new KubernetesActuator({ namespace: 'sock-shop', kubeConfig: kubeConfig() });
    await a.setReplicas('front-end', 1);
    await a.setReplicas('carts', 1);
    expect(replicas).toEqual({ carts: 1, 'front-end': 1 });
    expect(recorded.map((x) => `${x.method} ${x.url.split('?')[0]}`)).toEqual([
      'GET /apis/apps/v1/namespaces/sock-shop/deployments/front-end/scale',
      'PUT /apis/apps/v1/namespaces/sock-shop/deployments/front-end/scale',
      'GET /apis/apps/v1/namespaces/sock-shop/deployments/carts/scale',
    ]);
    state.failWith = 403;
    await expect(a.setReplicas('carts', 2)).rejects.toThrow(/setting sock-shop\/carts to 2 replicas failed \(HTTP 403\)/);
  });

  it('refuses a decision for a Deployment an HPA also scales, and says so; other Deployments are scaled', async () => {
    state.hpas = [['carts-hpa', 'Deployment', 'carts'], ['user-hpa', 'StatefulSet', 'front-end']];
    const refused: string[] = [];
    const a = new KubernetesActuator({ namespace: 'sock-shop', kubeConfig: kubeConfig(), onRefused: (d) => refused.push(d) });
    const r = await a.apply(decision({}));
    expect(r).toEqual({ applied: false, detail: 'sock-shop/carts is also scaled by HorizontalPodAutoscaler carts-hpa: SCALE_UP to 2 not applied (delete the HPA, or pass --allow-hpa-conflict)' });
    expect(refused).toEqual([r.detail]);
    expect((await a.apply(decision({ service: 'front-end', targetReplicas: 4 }))).applied).toBe(true); // an HPA on a StatefulSet of that name is not this Deployment's
    expect(replicas).toEqual({ carts: 1, 'front-end': 4 });
    // The list is read once and reused within its time to live.
    expect(recorded.filter((x) => x.url.includes('horizontalpodautoscalers'))).toHaveLength(1);
    expect(await a.hpaTargets()).toEqual([{ deployment: 'carts', hpa: 'carts-hpa' }]);
  });

  it("checks the HPA against the service's own Deployment (a config file's deployment)", async () => {
    state.hpas = [['hpa', 'Deployment', 'carts-v2']];
    api.replicas = replicas = { 'carts-v2': 1 };
    const a = new KubernetesActuator({ namespace: 'sock-shop', kubeConfig: kubeConfig(), deploymentFor: (s) => (s === 'carts' ? 'carts-v2' : s) });
    expect((await a.apply(decision({}))).detail).toMatch(/sock-shop\/carts-v2 is also scaled by HorizontalPodAutoscaler hpa/);
    expect(recorded.filter((x) => x.method === 'PUT')).toEqual([]);
  });

  it('--allow-hpa-conflict: acts anyway and never lists HPAs (no RBAC for them needed)', async () => {
    state.hpas = [['carts-hpa', 'Deployment', 'carts']];
    const a = new KubernetesActuator({ namespace: 'sock-shop', kubeConfig: kubeConfig(), hpaConflict: 'allow' });
    expect((await a.apply(decision({}))).applied).toBe(true);
    expect(recorded.some((x) => x.url.includes('horizontalpodautoscalers'))).toBe(false);
  });

  it('cannot list HPAs (RBAC): fails naming the permission; once a list was read, keeps refusing on it', async () => {
    state.hpaFailWith = 403;
    const a = new KubernetesActuator({ namespace: 'sock-shop', kubeConfig: kubeConfig(), hpaTtlMs: 0 });
    await expect(a.hpaTargets()).rejects.toThrow(/listing the HorizontalPodAutoscalers of sock-shop failed \(HTTP 403\).*needs list on horizontalpodautoscalers \(apiGroup autoscaling\).*--allow-hpa-conflict/);
    await expect(a.apply(decision({}))).rejects.toThrow(/HTTP 403/);
    expect(recorded.filter((x) => x.method === 'PUT')).toEqual([]);
    state.hpaFailWith = null;
    state.hpas = [['carts-hpa', 'Deployment', 'carts']];
    await a.hpaTargets();
    state.hpaFailWith = 403;
    expect((await a.apply(decision({}))).applied).toBe(false);
  });

  it('rejects an invalid namespace where it is built', () => {
    expect(() => new KubernetesActuator({ namespace: 'Sock_Shop', kubeConfig: kubeConfig() })).toThrow(/'Sock_Shop' is not a valid namespace name/);
  });
});
