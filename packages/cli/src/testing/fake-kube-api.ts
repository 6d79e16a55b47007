/**
 * A FAKE Kubernetes API server (no real kube-apiserver can run on this machine): a local HTTP server
 * that answers the calls sockml's kubernetes actuator makes — a Deployment's scale subresource (GET,
 * PUT) and the namespace's HorizontalPodAutoscalers (list) — the way the API server does, and records
 * every request. It checks what sockml sends (paths, verbs, bodies, credentials), not Kubernetes.
 *
 *   const api = await startFakeKubeApi({ replicas: { carts: 1 }, hpas: [['carts-hpa', 'Deployment', 'carts']] });
 *   api.kubeConfig();          // a KubeConfig for in-process clients
 *   api.writeKubeconfig(dir);  // a kubeconfig file for a sockml process (KUBECONFIG)
 *   api.recorded;              // every request, in order
 */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';

export interface RecordedRequest {
  method: string;
  url: string;
  auth: string | undefined;
  body: any;
}

export interface FakeKubeApi {
  readonly url: string;
  readonly recorded: RecordedRequest[];
  /** Deployments' replicas by name (PUTs change them). */
  replicas: Record<string, number>;
  /** HorizontalPodAutoscalers of every namespace: [name, kind of its target, target name]. */
  hpas: [string, string, string][];
  /** When set, scale-subresource calls fail with this status. */
  failWith: number | null;
  /** When set, listing HPAs fails with this status (e.g. 403: no RBAC for it). */
  hpaFailWith: number | null;
  kubeConfig(): k8s.KubeConfig;
  /** Writes a kubeconfig file for this server (bearer token `secret-token`) into `dir`; returns its path. */
  writeKubeconfig(dir: string): string;
  close(): Promise<void>;
}

const TOKEN = 'secret-token';
const body = (req: IncomingMessage) => new Promise<string>((r) => { let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => r(b)); });
const status = (code: number, message: string) => JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code });

export async function startFakeKubeApi(initial: { replicas?: Record<string, number>; hpas?: [string, string, string][] } = {}): Promise<FakeKubeApi> {
  const api = { recorded: [] as RecordedRequest[], replicas: { ...(initial.replicas ?? {}) }, hpas: [...(initial.hpas ?? [])], failWith: null as number | null, hpaFailWith: null as number | null };
  const server = createServer(async (req, res) => {
    const text = await body(req);
    api.recorded.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body: text ? JSON.parse(text) : undefined });
    const json = (code: number, payload: string) => res.writeHead(code, { 'content-type': 'application/json' }).end(payload);
    const h = /^\/apis\/autoscaling\/v2\/namespaces\/([^/]+)\/horizontalpodautoscalers(\?|$)/.exec(req.url!);
    if (h && req.method === 'GET') {
      if (api.hpaFailWith) return json(api.hpaFailWith, status(api.hpaFailWith, 'horizontalpodautoscalers.autoscaling is forbidden'));
      const items = api.hpas.map(([name, kind, target]) => ({
        apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name, namespace: h[1] },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind, name: target }, minReplicas: 1, maxReplicas: 10 },
      }));
      return json(200, JSON.stringify({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscalerList', metadata: {}, items }));
    }
    const m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)\/scale/.exec(req.url!);
    if (api.failWith) return json(api.failWith, status(api.failWith, 'deployments.apps "x" is forbidden'));
    if (!m || !(m[2] in api.replicas)) return json(404, status(404, 'not found'));
    if (req.method === 'PUT') api.replicas[m[2]] = JSON.parse(text).spec.replicas;
    const scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: m[2], namespace: m[1], resourceVersion: '7' }, spec: { replicas: api.replicas[m[2]] }, status: { replicas: api.replicas[m[2]] } };
    json(200, JSON.stringify(scale));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return Object.assign(api, {
    url,
    kubeConfig() {
      const kc = new k8s.KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: 'sockml', token: TOKEN }],
        contexts: [{ name: 'fake', cluster: 'fake', user: 'sockml' }],
        currentContext: 'fake',
      });
      return kc;
    },
    writeKubeconfig(dir: string) {
      const path = join(dir, 'kubeconfig');
      const lines = [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '  - name: fake',
        '    cluster:',
        `      server: ${url}`,
        '      insecure-skip-tls-verify: true # plain HTTP: the client refuses http:// otherwise',
        'users:',
        '  - name: sockml',
        '    user:',
        `      token: ${TOKEN}`,
        'contexts:',
        '  - name: fake',
        '    context:',
        '      cluster: fake',
        '      user: sockml',
        'current-context: fake',
      ];
      writeFileSync(path, lines.join('\n') + '\n');
      return path;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  });
}
