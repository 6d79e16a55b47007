/**
 * The Sock Shop emulator over HTTP: the front-end routes the loadtest journey hits, answered after the
 * modelled latency (a timer per request, so thousands can wait at once); `/metrics`; and
 * `/admin/replicas` to read (GET) and set (POST `{service, replicas[, decision_id]}`, what sockml's
 * http actuator sends) the replica counts. The model (SockShopEmulator) decides; this file only moves
 * bytes and time.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseReplicaRequest, type SockShopEmulator, type SockShopService } from '@sockml/core';
import { emulatorMetrics } from './emulator-metrics.js';

export interface EmulatorServerOptions {
  emulator: SockShopEmulator;
  /** The model's clock, ms (monotonic); the emulator must have been created on the same clock. */
  clock: () => number;
  host: string;
  /** 0: any free port. */
  port: number;
}

export interface EmulatorServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Admin and JSON bodies are tiny; anything bigger is a client bug, not a request to buffer. */
const MAX_BODY_BYTES = 64 * 1024;

export async function startEmulatorServer(o: EmulatorServerOptions): Promise<EmulatorServer> {
  const metrics = emulatorMetrics(o.emulator, o.clock);
  const pending = new Set<NodeJS.Timeout>();

  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body) + '\n');

  const handle = async (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0];
    const method = req.method ?? 'GET';
    if (path === '/metrics' && method === 'GET') {
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
      return;
    }
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/admin/replicas') {
      if (method === 'GET') return json(res, 200, o.emulator.replicas(o.clock()));
      if (method !== 'POST') return json(res, 405, { error: 'use GET or POST' });
      const r = parseReplicaRequest(body, o.emulator.services);
      if (!r.ok) return json(res, 400, { error: r.error });
      const now = o.clock();
      o.emulator.setReplicas(r.request.service as SockShopService, r.request.replicas, now);
      return json(res, 200, o.emulator.replicas(now));
    }
    const r = o.emulator.handle(method, url, o.clock());
    if (r.status === 404) return json(res, 404, { error: `the emulated front-end does not serve ${method} ${path}` });
    const timer = setTimeout(() => {
      pending.delete(timer);
      for (const ob of r.observations) metrics.observe(ob);
      if (r.status === 200) json(res, 200, {});
      else json(res, r.status, { error: r.status === 503 ? 'overloaded: the queue is full' : 'a downstream service failed' });
    }, r.latencyMs);
    pending.add(timer);
  };

  const server = createServer((req, res) => {
    let body = '';
    let size = 0;
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      size += Buffer.byteLength(chunk);
      if (size <= MAX_BODY_BYTES) body += chunk;
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return json(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
      handle(req, res, body).catch((e) => {
        if (!res.headersSent) json(res, 500, { error: String((e as Error).message ?? e) });
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${port}`,
    port,
    async stop() {
      for (const t of pending) clearTimeout(t);
      pending.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
