import http from 'node:http';
import https from 'node:https';
import type { JourneyRequest } from '@sockml/core';
import type { RequestSender, SendOutcome } from './request-sender.js';

/**
 * node:http with a keep-alive agent sized to the in-flight cap: one socket per concurrent request and
 * never a queue inside the agent (a queued request would look like server latency).
 */
export class NodeHttpSender implements RequestSender {
  private readonly agent: http.Agent;
  private readonly client: typeof http | typeof https;
  private readonly base: { hostname: string; port: string; prefix: string };
  /** Each request in flight and how to end it. */
  private readonly inFlight = new Map<http.ClientRequest, (outcome: SendOutcome) => void>();

  constructor(
    target: URL,
    private readonly o: { maxSockets: number; timeoutMs: number },
  ) {
    this.client = target.protocol === 'https:' ? https : http;
    this.agent = new this.client.Agent({ keepAlive: true, maxSockets: o.maxSockets, maxFreeSockets: o.maxSockets, scheduling: 'lifo' });
    this.base = { hostname: target.hostname.replace(/^\[|\]$/g, ''), port: target.port, prefix: target.pathname.replace(/\/+$/, '') };
  }

  send(r: JourneyRequest, done: (outcome: SendOutcome) => void): void {
    let finished = false;
    const finish = (outcome: SendOutcome) => {
      if (finished) return;
      finished = true;
      this.inFlight.delete(req);
      done(outcome);
    };
    const headers: Record<string, string | number> = { ...r.headers };
    if (r.body !== undefined) headers['Content-Length'] = Buffer.byteLength(r.body);
    const req = this.client.request(
      { agent: this.agent, hostname: this.base.hostname, port: this.base.port, path: this.base.prefix + r.path, method: r.method, headers },
      (res) => {
        const status = res.statusCode ?? 0;
        res.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? 'RESPONSE_ERROR' }));
        res.on('end', () => finish({ status }));
        res.resume(); // the body is not needed, only its end
      },
    );
    this.inFlight.set(req, finish);
    req.setTimeout(this.o.timeoutMs, () => {
      finish({ error: 'TIMEOUT' });
      req.destroy();
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? 'REQUEST_ERROR' }));
    req.end(r.body);
  }

  abortAll(): void {
    for (const [req, finish] of [...this.inFlight]) {
      finish({ error: 'ABORTED' });
      req.destroy();
    }
  }

  close(): void {
    this.agent.destroy();
  }
}
