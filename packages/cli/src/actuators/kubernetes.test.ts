import { createServer, type IncomingMessage, type Server } from 'node:http';
import * as k8s from '@kubernetes/client-node';
import type { ScalingDecision } from '@sockml/core';
import { IdempotentActuator } from '@sockml/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesActuator } from './kubernetes.js';

/**
 * No Kubernetes API server can run on this machine, so these tests use a FAKE: a local HTTP server
 * that answers the two scale-subresource calls the way the API server does and records every request.
 * It checks what the actuator sends (paths, verbs, body, credentials), not Kubernetes itself.
 */
interface Recorded {
  method: string;
  url: string;
  auth: string | undefined;
  body: any;
}

let server: Server;
let recorded: Recorded[];
let replicas: Record<string, number>;
let failWith: number | null;

const body = (req: IncomingMessage) => new Promise<string>((r) => { let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => r(b)); });

beforeEach(async () => {
  recorded = [];
  replicas = { carts: 1, 'front-end': 3 };
  failWith = null;
  server = createServer(async (req, res) => {
    const text = await body(req);
    recorded.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body: text ? JSON.parse(text) : undefined });
    const m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)\/scale/.exec(req.url!);
    if (failWith) return res.writeHead(failWith, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', status: 'Failure', message: 'deployments.apps "x" is forbidden', code: failWith }));
    if (!m || !(m[2] in replicas)) return res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 404, message: 'not found' }));
    if (req.method === 'PUT') replicas[m[2]] = JSON.parse(text).spec.replicas;
    const scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: m[2], namespace: m[1], resourceVersion: '7' }, spec: { replicas: replicas[m[2]] }, status: { replicas: replicas[m[2]] } };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(scale));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterEach(() => new Promise<void>((r) => server.close(() => r())));

function kubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  const { port } = server.address() as { port: number };
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'sockml', token: 'secret-token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'sockml' }],
    currentContext: 'fake',
  });
  return kc;
}

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
      'GET /apis/apps/v1/namespaces/sock-shop/deployments/carts/scale',
      'PUT /apis/apps/v1/namespaces/sock-shop/deployments/carts/scale',
    ]);
    expect(recorded[1].body).toMatchObject({ kind: 'Scale', metadata: { resourceVersion: '7' }, spec: { replicas: 2 } });
    expect(recorded.every((x) => x.auth === 'Bearer secret-token')).toBe(true);
    expect(replicas.carts).toBe(2);
  });

  it('changes nothing for NO_ACTION or when the target is already in place', async () => {
    const a = new KubernetesActuator({ namespace: 'sock-shop', kubeConfig: kubeConfig() });
    expect((await a.apply(decision({ decision: 'NO_ACTION' }))).applied).toBe(false);
    expect(recorded).toEqual([]);
    expect((await a.apply(decision({ service: 'front-end', targetReplicas: 3, decision: 'SCALE_DOWN' }))).applied).toBe(false);
    expect(recorded.map((x) => x.method)).toEqual(['GET']);
  });

  it('never lets a SCALE_UP shrink a Deployment (the scaler may start below the cluster’s count)', async () => {
    const a = new KubernetesActuator({ namespace: 'sock-shop', kubeConfig: kubeConfig() });
    const r = await a.apply(decision({ service: 'front-end', decision: 'SCALE_UP', targetReplicas: 2 }));
    expect(r.applied).toBe(false);
    expect(r.detail).toMatch(/front-end has 3 replicas: SCALE_UP to 2 would go the other way/);
    expect(recorded.map((x) => x.method)).toEqual(['GET']);
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
    failWith = 403;
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
    failWith = 403;
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
    failWith = 403;
    await expect(a.setReplicas('carts', 2)).rejects.toThrow(/setting sock-shop\/carts to 2 replicas failed \(HTTP 403\)/);
  });

  it('rejects an invalid namespace where it is built', () => {
    expect(() => new KubernetesActuator({ namespace: 'Sock_Shop', kubeConfig: kubeConfig() })).toThrow(/'Sock_Shop' is not a valid namespace name/);
  });
});
