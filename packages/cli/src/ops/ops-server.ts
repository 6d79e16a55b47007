/**
 * What the long-running commands (collect, serve-model, scale) serve for operators: Prometheus metrics
 * on GET /metrics (their own, plus prom-client's default process metrics: CPU, memory, event-loop lag,
 * GC, open handles) and a probe on GET /healthz — 200 with a JSON body saying what was checked, or 503
 * saying what is wrong (still starting, the consumer crashed, no fetch for too long, …).
 */
import { createServer, type Server } from 'node:http';
import client from 'prom-client';
import { InputError } from '../lib/base-command.js';

/**
 * A process's registry, with prom-client's default process metrics on — under the prefix `sockml_`
 * (`sockml_process_cpu_seconds_total`, `sockml_nodejs_eventloop_lag_seconds`, …). Unprefixed, they
 * would be `process_cpu_seconds_total` and `process_resident_memory_bytes`, the very series collect
 * reads for Sock Shop's services: a Prometheus that scrapes both would hand collect a "service" named
 * after each sockml job. (docker/'s consistency test checks that no name collides.)
 */
export function newMetricsRegistry(): client.Registry {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: DEFAULT_METRICS_PREFIX });
  return registry;
}

export const DEFAULT_METRICS_PREFIX = 'sockml_';

/** One check's verdict; `detail` is for people (and the 503 body). */
export interface HealthReport {
  healthy: boolean;
  /** 'ok', 'starting', or what is wrong. */
  status: string;
  [detail: string]: unknown;
}

export type HealthCheck = (nowMs: number) => HealthReport;

/** All of `checks` must pass; the first failing one names the problem. */
export function allHealthy(checks: Record<string, HealthCheck>): HealthCheck {
  return (nowMs) => {
    const reports = Object.fromEntries(Object.entries(checks).map(([name, check]) => [name, check(nowMs)]));
    const failing = Object.entries(reports).find(([, r]) => !r.healthy);
    return { healthy: !failing, status: failing ? `${failing[0]}: ${failing[1].status}` : 'ok', checks: reports };
  };
}

export interface OpsServer {
  readonly server: Server;
  /** The port it listens on (the one asked for, or the kernel's choice for 0). */
  readonly port: number;
  close(): Promise<void>;
  /**
   * `step`, and if it fails, close the server before the error goes on: a listening server keeps Node
   * running, so a command whose start-up failed (the broker refused it) would hang instead of exiting.
   */
  orClose<T>(step: Promise<T>): Promise<T>;
}

export interface OpsServerOptions {
  host: string;
  port: number;
  registry: client.Registry;
  health: HealthCheck;
  now?: () => number;
}

export async function startOpsServer(o: OpsServerOptions): Promise<OpsServer> {
  const now = o.now ?? Date.now;
  const healthGauge = new client.Gauge({
    name: 'sockml_healthy',
    help: 'What /healthz answers: 1 healthy, 0 not (starting, consumer crashed or stalled)',
    registers: [o.registry],
    collect() {
      this.set(o.health(now()).healthy ? 1 : 0);
    },
  });
  void healthGauge;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = async () => {
      if (path === '/metrics') return { status: 200, type: o.registry.contentType, body: await o.registry.metrics() };
      if (path === '/healthz') {
        const report = o.health(now());
        return { status: report.healthy ? 200 : 503, type: 'application/json', body: JSON.stringify(report) + '\n' };
      }
      return { status: 404, type: 'text/plain', body: 'not found: /metrics, /healthz\n' };
    };
    answer().then(
      (r) => res.writeHead(r.status, { 'content-type': r.type }).end(r.body),
      (e) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    // A port in use or an address that is not ours is bad input (exit 2), not a crash.
    server.once('error', (e: NodeJS.ErrnoException) => reject(new InputError(`--host ${o.host} --port ${o.port}: cannot listen (${e.code ?? e.message})`)));
    server.listen(o.port, o.host, () => resolve());
  });
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // a scraper's keep-alive connection would hold close() open
    });
  return {
    server,
    port: (server.address() as { port: number }).port,
    close,
    orClose: (step) =>
      step.catch(async (e) => {
        await close();
        throw e;
      }),
  };
}
