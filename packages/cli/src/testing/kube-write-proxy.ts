/**
 * A pass-through HTTP proxy to a test control plane's API server, for the actuators' 409 tests. It
 * changes nothing in the traffic; it only lets another writer act at the worst moment — after the
 * actuator's read, before its write — so the conflict the API server answers is a real one.
 */
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import * as k8s from '@kubernetes/client-node';
import type { KubeControlPlane } from './kube-control-plane.js';

/** `config` reaches the API server through the proxy with `token`; `beforeWrite` runs once before the next PUT is forwarded. */
export interface WriteProxy {
  config: k8s.KubeConfig;
  beforeWrite?: () => Promise<void>;
  puts: number;
  close(): void;
}

export async function startWriteProxy(kube: KubeControlPlane, token: string): Promise<WriteProxy> {
  const proxy: WriteProxy = { config: new k8s.KubeConfig(), puts: 0, close: () => server.close() };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      if (req.method === 'PUT') {
        proxy.puts++;
        const hook = proxy.beforeWrite;
        proxy.beforeWrite = undefined;
        try {
          await hook?.();
        } catch (e) {
          // The test's own writer failed: answer at once rather than leave the actuator waiting.
          res.writeHead(599).end(`the test's concurrent writer failed: ${(e as Error).message}`);
          return;
        }
      }
      const headers = { ...req.headers, host: new URL(kube.url).host };
      const up = httpsRequest(`${kube.url}${req.url}`, { method: req.method, headers, ca: kube.ca }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', (e) => res.writeHead(502).end(String(e)));
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  proxy.config.loadFromOptions({
    clusters: [{ name: 'proxy', server: url, skipTLSVerify: true }], // plain HTTP to the proxy; the client refuses http:// otherwise
    users: [{ name: 'sockml-scale', token }],
    contexts: [{ name: 'proxy', cluster: 'proxy', user: 'sockml-scale' }],
    currentContext: 'proxy',
  });
  return proxy;
}
