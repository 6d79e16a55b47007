/**
 * docker/k8s on a real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager from
 * scripts/kube.sh; no kubelet): the manifests apply with `kubectl apply --server-side`, the Deployment
 * controller turns them into ReplicaSets, and the RBAC they declare lets the scale ServiceAccount's own
 * token do what the Kubernetes actuators do — and nothing else. Each request below is a real request to
 * the API server with that token; its answer is what RBAC decided.
 */
import * as k8s from '@kubernetes/client-node';
import { SOCKSHOP_SERVICES } from '@sockml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeControlPlaneAvailable, startKubeControlPlane, type KubeControlPlane } from '../testing/kube-control-plane.js';
import { applyYaml, eventually, sockShopYaml, UNLISTED_DEPLOYMENTS } from '../testing/kube-sock-shop.js';

const SOCKML_DEPLOYMENTS = ['sockml-collect', 'sockml-scale', 'sockml-serve-logistic-regression', 'sockml-serve-random-forest', 'sockml-serve-xgboost'];

describe.skipIf(!kubeControlPlaneAvailable() && !process.env.CI)('docker/k8s on a real API server (kubectl apply --server-side, RBAC)', () => {
  let kube: KubeControlPlane;
  let token: string;

  beforeAll(async () => {
    kube = await startKubeControlPlane();
    await applyYaml(kube, sockShopYaml());
  }, 240_000);
  afterAll(async () => {
    await kube?.stop();
  });

  it('applies with kubectl apply --server-side -k docker/k8s, and again without a conflict', async () => {
    const first = await kube.kubectl(['apply', '--server-side', '-k', 'docker/k8s']);
    expect(first.code, first.stderr).toBe(0);
    for (const o of ['namespace/sockml', 'serviceaccount/sockml-scale', 'role.rbac.authorization.k8s.io/sockml-scale', 'rolebinding.rbac.authorization.k8s.io/sockml-scale', 'configmap/sockml-config', ...SOCKML_DEPLOYMENTS.map((d) => `deployment.apps/${d}`)]) {
      expect(first.stdout).toContain(`${o} serverside-applied`);
    }
    // A second apply by the same field manager owns every field already: no conflict, nothing forced.
    const again = await kube.kubectl(['apply', '--server-side', '-k', 'docker/k8s']);
    expect(again.code, again.stderr).toBe(0);
    const deployments = await kube.admin().makeApiClient(k8s.AppsV1Api).listNamespacedDeployment({ namespace: 'sockml' });
    expect(deployments.items.map((d) => d.metadata!.name).sort()).toEqual(SOCKML_DEPLOYMENTS);
    const scale = deployments.items.find((d) => d.metadata!.name === 'sockml-scale')!;
    expect(scale.metadata!.managedFields!.map((f) => [f.manager, f.operation])).toContainEqual(['kubectl', 'Apply']);
  });

  it("the Deployment controller gives each sockml Deployment a ReplicaSet; without nodes the pods stay Pending", async () => {
    const apps = kube.admin().makeApiClient(k8s.AppsV1Api);
    const core = kube.admin().makeApiClient(k8s.CoreV1Api);
    const sets = await eventually('a ReplicaSet per sockml Deployment', async () => {
      const list = await apps.listNamespacedReplicaSet({ namespace: 'sockml' });
      const owners = list.items.map((r) => r.metadata!.ownerReferences?.[0]?.name).sort();
      return JSON.stringify(owners) === JSON.stringify(SOCKML_DEPLOYMENTS) ? list.items : undefined;
    });
    expect(sets.every((r) => r.spec!.replicas === 1)).toBe(true);
    const pods = await eventually('the pods of the ReplicaSets', async () => {
      const list = await core.listNamespacedPod({ namespace: 'sockml' });
      return list.items.length === SOCKML_DEPLOYMENTS.length ? list.items : undefined;
    });
    expect(pods.map((p) => p.status?.phase)).toEqual(Array(SOCKML_DEPLOYMENTS.length).fill('Pending'));
    expect(pods.every((p) => !p.spec!.nodeName)).toBe(true);
    // The scale pod runs as its ServiceAccount, whose token is mounted; the others mount none.
    const scalePod = pods.find((p) => p.metadata!.name!.startsWith('sockml-scale-'))!;
    expect(scalePod.spec!.serviceAccountName).toBe('sockml-scale');
    expect(scalePod.spec!.volumes!.some((v) => v.projected?.sources?.some((s) => s.serviceAccountToken))).toBe(true);
    expect(pods.filter((p) => p !== scalePod).every((p) => !p.spec!.volumes!.some((v) => v.projected))).toBe(true);
  });

  describe("as the sockml-scale ServiceAccount's token", () => {
    beforeAll(async () => {
      const r = await kube.kubectl(['apply', '--server-side', '-k', 'docker/k8s']);
      expect(r.code, r.stderr).toBe(0);
      token = await kube.serviceAccountToken('sockml', 'sockml-scale');
    });
    const scalePath = (name: string, ns = 'sock-shop') => `/apis/apps/v1/namespaces/${ns}/deployments/${name}/scale`;
    const as = (method: string, path: string, body?: unknown) => kube.requestAs(token, method, path, body);

    it('it is that ServiceAccount (the API server says who the token is)', async () => {
      const r = await as('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
      expect(r.status, r.body).toBe(201);
      expect(JSON.parse(r.body).status.userInfo.username).toBe('system:serviceaccount:sockml:sockml-scale');
    });

    it.each([...SOCKSHOP_SERVICES])('reads and updates deployments/scale of %s', async (service) => {
      const read = await as('GET', scalePath(service));
      expect(read.status, read.body).toBe(200);
      const scale = JSON.parse(read.body);
      expect(scale.kind).toBe('Scale');
      const next = scale.spec.replicas + 1;
      // Without the resourceVersion (an unconditional write): this is about RBAC, not about racing the
      // Deployment controller's status updates (the actuator's tests cover 409s).
      const put = await as('PUT', scalePath(service), { ...scale, metadata: { ...scale.metadata, resourceVersion: undefined }, spec: { replicas: next } });
      expect(put.status, put.body).toBe(200);
      const admin = await kube.admin().makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ name: service, namespace: 'sock-shop' });
      expect(admin.spec!.replicas).toBe(next);
    });

    it('lists the HorizontalPodAutoscalers of sock-shop and writes Events there', async () => {
      const list = await as('GET', '/apis/autoscaling/v2/namespaces/sock-shop/horizontalpodautoscalers');
      expect(list.status, list.body).toBe(200);
      const event = await as('POST', '/api/v1/namespaces/sock-shop/events', {
        metadata: { generateName: 'carts.' },
        involvedObject: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'carts', namespace: 'sock-shop' },
        type: 'Normal', reason: 'SuccessfulRescale', message: 'New size: 2', source: { component: 'sockml-scale' },
      });
      expect(event.status, event.body).toBe(201);
    });

    it("reads and replaces an HPA of sock-shop (--actuator kubernetes-hpa-floor sets its minReplicas)", async () => {
      const admin = kube.admin().makeApiClient(k8s.AutoscalingV2Api);
      const hpa = { metadata: { name: 'carts-floor' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'carts' }, minReplicas: 1, maxReplicas: 5 } };
      await admin.createNamespacedHorizontalPodAutoscaler({ namespace: 'sock-shop', body: hpa });
      try {
        const path = '/apis/autoscaling/v2/namespaces/sock-shop/horizontalpodautoscalers/carts-floor';
        const read = await as('GET', path);
        expect(read.status, read.body).toBe(200);
        const got = JSON.parse(read.body);
        // Without the resourceVersion, as above: this is about RBAC, not the HPA controller's status writes.
        const put = await as('PUT', path, { ...got, metadata: { ...got.metadata, resourceVersion: undefined }, spec: { ...got.spec, minReplicas: 3 } });
        expect(put.status, put.body).toBe(200);
        expect((await admin.readNamespacedHorizontalPodAutoscaler({ name: 'carts-floor', namespace: 'sock-shop' })).spec.minReplicas).toBe(3);
      } finally {
        await admin.deleteNamespacedHorizontalPodAutoscaler({ name: 'carts-floor', namespace: 'sock-shop' });
      }
    });

    // Everything else is forbidden: RBAC answers 403 whether or not the object exists.
    const forbidden: [string, string, string, unknown?][] = [
      ...UNLISTED_DEPLOYMENTS.map((d): [string, string, string] => [`the scale of ${d} (not a listed service)`, 'GET', scalePath(d)]),
      ['updating the scale of carts-db', 'PUT', scalePath('carts-db'), { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'carts-db', namespace: 'sock-shop' }, spec: { replicas: 3 } }],
      ['patching the scale of carts (no patch verb)', 'PATCH', scalePath('carts'), { spec: { replicas: 3 } }],
      ['the Deployment carts itself', 'GET', '/apis/apps/v1/namespaces/sock-shop/deployments/carts'],
      ['updating the Deployment carts', 'PATCH', '/apis/apps/v1/namespaces/sock-shop/deployments/carts', { spec: { replicas: 3 } }],
      ['listing Deployments', 'GET', '/apis/apps/v1/namespaces/sock-shop/deployments'],
      ['deleting the Deployment carts', 'DELETE', '/apis/apps/v1/namespaces/sock-shop/deployments/carts'],
      ['pods', 'GET', '/api/v1/namespaces/sock-shop/pods'],
      ['secrets', 'GET', '/api/v1/namespaces/sock-shop/secrets'],
      ['config maps', 'GET', '/api/v1/namespaces/sock-shop/configmaps'],
      ['patching an HPA (get and update only)', 'PATCH', '/apis/autoscaling/v2/namespaces/sock-shop/horizontalpodautoscalers/carts', { spec: { minReplicas: 3 } }],
      ['deleting an HPA', 'DELETE', '/apis/autoscaling/v2/namespaces/sock-shop/horizontalpodautoscalers/carts'],
      ['the status of an HPA (the HPA controller writes it)', 'PUT', '/apis/autoscaling/v2/namespaces/sock-shop/horizontalpodautoscalers/carts/status', { metadata: { name: 'carts' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'carts' }, maxReplicas: 3 } }],
      ['reading an HPA of another namespace', 'GET', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/carts'],
      ['updating an HPA of another namespace', 'PUT', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/carts', { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'carts', namespace: 'default' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'carts' }, minReplicas: 2, maxReplicas: 3 } }],
      ['HPAs of every namespace', 'GET', '/apis/autoscaling/v2/horizontalpodautoscalers'],
      ['creating an HPA', 'POST', '/apis/autoscaling/v2/namespaces/sock-shop/horizontalpodautoscalers', { metadata: { name: 'x' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'carts' }, maxReplicas: 3 } }],
      ['reading Events', 'GET', '/api/v1/namespaces/sock-shop/events'],
      ['the scale of a sockml Deployment (another namespace)', 'GET', scalePath('sockml-scale', 'sockml')],
      ['secrets of its own namespace', 'GET', '/api/v1/namespaces/sockml/secrets'],
      ['the scale of a Deployment in default', 'GET', scalePath('carts', 'default')],
      ['Deployments of every namespace', 'GET', '/apis/apps/v1/deployments'],
      ['nodes', 'GET', '/api/v1/nodes'],
      ['creating a RoleBinding (no escalation)', 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/sock-shop/rolebindings', { metadata: { name: 'x' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'ServiceAccount', name: 'sockml-scale', namespace: 'sockml' }] }],
    ];
    it.each(forbidden)('forbids %s', async (_what, method, path, body) => {
      const r = await as(method, path, body);
      expect(r.status, r.body).toBe(403);
      expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', reason: 'Forbidden' });
      expect(JSON.parse(r.body).message).toContain('system:serviceaccount:sockml:sockml-scale');
    });

    it('a token the API server did not issue is no one (401)', async () => {
      const [header, payload] = token.split('.');
      const r = await kube.requestAs(`${header}.${payload}.c2lnbmF0dXJl`, 'GET', scalePath('carts'));
      expect(r.status).toBe(401);
    });
  });
});
