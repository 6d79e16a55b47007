/**
 * Sock Shop's Deployments as a real API server holds them, for the control plane of
 * testing/kube-control-plane.ts: namespace sock-shop, the seven stateless services sockml scales and
 * two it must never touch (a database and the queue master). The images are Sock Shop's; no kubelet
 * runs, so they are never pulled and the pods stay Pending.
 */
import { SOCKSHOP_SERVICES } from '@sockml/core';
import type { KubeControlPlane } from './kube-control-plane.js';

export const SOCKSHOP_NAMESPACE = 'sock-shop';
/** Deployments in sock-shop that docker/k8s's Role does not name. */
export const UNLISTED_DEPLOYMENTS = ['carts-db', 'queue-master'];

const IMAGES: Record<string, string> = {
  'front-end': 'weaveworksdemos/front-end:0.3.12',
  carts: 'weaveworksdemos/carts:0.4.8',
  orders: 'weaveworksdemos/orders:0.4.7',
  catalogue: 'weaveworksdemos/catalogue:0.3.5',
  user: 'weaveworksdemos/user:0.4.7',
  payment: 'weaveworksdemos/payment:0.4.3',
  shipping: 'weaveworksdemos/shipping:0.4.8',
  'carts-db': 'mongo',
  'queue-master': 'weaveworksdemos/queue-master:0.3.1',
};

/** One Deployment of Sock Shop's shape (labels name=<name>), as YAML. */
export function deploymentYaml(name: string, replicas = 1, namespace = SOCKSHOP_NAMESPACE): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    '  labels:',
    `    name: ${name}`,
    'spec:',
    `  replicas: ${replicas}`,
    '  selector:',
    '    matchLabels:',
    `      name: ${name}`,
    '  template:',
    '    metadata:',
    '      labels:',
    `        name: ${name}`,
    '    spec:',
    '      containers:',
    `        - name: ${name}`,
    `          image: ${IMAGES[name] ?? 'weaveworksdemos/front-end:0.3.12'}`,
    '          resources:',
    '            requests:',
    '              cpu: 100m',
    '              memory: 100Mi',
  ].join('\n');
}

/** The namespace and every Deployment, one replica each. */
export function sockShopYaml(): string {
  const namespace = ['apiVersion: v1', 'kind: Namespace', 'metadata:', `  name: ${SOCKSHOP_NAMESPACE}`].join('\n');
  return [namespace, ...[...SOCKSHOP_SERVICES, ...UNLISTED_DEPLOYMENTS].map((n) => deploymentYaml(n))].join('\n---\n') + '\n';
}

/**
 * Applies YAML with `kubectl apply --server-side` as the admin, taking back fields another manager
 * (sockml's scale writes own spec.replicas) changed since (--force-conflicts): a test's reset. Throws
 * with kubectl's stderr on failure.
 */
export async function applyYaml(kube: KubeControlPlane, yaml: string, fieldManager = 'sockml-test'): Promise<string> {
  const r = await kube.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager', fieldManager, '-f', '-'], { input: yaml });
  if (r.code !== 0) throw new Error(`kubectl apply --server-side failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** Polls `check` every 200 ms until it returns a value other than undefined; throws after timeoutMs. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
