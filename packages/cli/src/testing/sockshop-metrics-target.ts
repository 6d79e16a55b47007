/**
 * A local HTTP server that serves Sock Shop-shaped Prometheus metrics for the collect tests, one
 * registry per service at /metrics/<job>, so a real Prometheus scrapes each service as its own job.
 *
 *   const target = await startSockShopMetricsTarget([
 *     { job: 'cart', load: { rps: 20, latencyMs: 45 } },                // resolved by job: carts
 *     { job: 'sockshop', serviceLabel: 'orders', load: { rps: 5 } },    // resolved by its service label
 *   ]);
 *   target.setLoad('cart', { latencyMs: 300 });                         // make carts violate
 *   await target.stop();
 *
 * What each service exports is what the real images export: the request-latency histogram
 * `request_duration_seconds{method,route,status_code}` (the Go services' middleware; with
 * `serviceLabel`, a `service` label as the front-end has) with the Go client's default buckets
 * 0.005 … 10 s, plus `process_cpu_seconds_total` and `process_resident_memory_bytes`. The requests are
 * simulated: a 100 ms ticker observes rps × 0.1 requests per service at the configured latency (±2 %,
 * so a whole run stays inside one bucket when the latency is chosen inside one), a configured share of
 * them (evenly spread) with status 500, and advances the CPU counter by cpuCores × 0.1 s. Every series is initialised to
 * 0 at start, so an idle service has a request rate of 0, not a missing series.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** prometheus.DefBuckets of client_golang, used by the weaveworks Go services' request histograms. */
export const SOCKSHOP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ServiceLoad {
  rps: number;
  latencyMs: number;
  /** Share of requests answered with 500, in percent. */
  errorPct: number;
  cpuCores: number;
  memoryMb: number;
}

export interface TargetService {
  /** The scrape job and metrics path (/metrics/<job>). */
  job: string;
  /**
   * When set, every series of this target carries service=<this> (prom-client's default labels), so
   * the service resolves by label instead of by job.
   */
  serviceLabel?: string;
  load?: Partial<ServiceLoad>;
}

export interface SockShopMetricsTarget {
  /** host:port to scrape. */
  readonly address: string;
  /** The scrape jobs: name and metrics path. */
  readonly jobs: { job: string; metricsPath: string }[];
  setLoad(job: string, load: Partial<ServiceLoad>): void;
  stop(): Promise<void>;
}

const DEFAULT_LOAD: ServiceLoad = { rps: 0, latencyMs: 10, errorPct: 0, cpuCores: 0.05, memoryMb: 50 };
const TICK_MS = 100;

interface Simulated {
  registry: Registry;
  load: ServiceLoad;
  observe(status: string, seconds: number): void;
  cpu: Counter;
  memory: Gauge;
  /** Fractional requests carried to the next tick, so low rates are exact over time. */
  carry: number;
  /** The same for failed requests: exactly errorPct of the requests fail, spread evenly. */
  errorCarry: number;
  jitter: number;
}

export async function startSockShopMetricsTarget(services: TargetService[], metric = 'request_duration_seconds'): Promise<SockShopMetricsTarget> {
  const byJob = new Map<string, Simulated>();
  for (const s of services) {
    const registry = new Registry();
    if (s.serviceLabel !== undefined) registry.setDefaultLabels({ service: s.serviceLabel });
    const histogram = new Histogram({
      name: metric,
      help: 'Time (in seconds) spent serving HTTP requests.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: SOCKSHOP_BUCKETS,
      registers: [registry],
    });
    const labels = (status: string) => ({ method: 'GET', route: 'root', status_code: status });
    histogram.zero(labels('200'));
    const cpu = new Counter({ name: 'process_cpu_seconds_total', help: 'Total user and system CPU time spent in seconds.', registers: [registry] });
    const memory = new Gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', registers: [registry] });
    const load = { ...DEFAULT_LOAD, ...s.load };
    memory.set(load.memoryMb * 1048576);
    byJob.set(s.job, { registry, load, observe: (status, seconds) => histogram.observe(labels(status), seconds), cpu, memory, carry: 0, errorCarry: 0, jitter: 0 });
  }

  const ticker = setInterval(() => {
    for (const sim of byJob.values()) {
      const { rps, latencyMs, errorPct, cpuCores, memoryMb } = sim.load;
      sim.cpu.inc(cpuCores * (TICK_MS / 1000));
      sim.memory.set(memoryMb * 1048576);
      sim.carry += rps * (TICK_MS / 1000);
      for (; sim.carry >= 1; sim.carry--) {
        sim.jitter = (sim.jitter + 1) % 5; // -2 %, -1 %, 0, +1 %, +2 %
        sim.errorCarry += errorPct / 100;
        const failed = sim.errorCarry >= 1;
        if (failed) sim.errorCarry--;
        sim.observe(failed ? '500' : '200', (latencyMs * (1 + (sim.jitter - 2) / 100)) / 1000);
      }
    }
  }, TICK_MS);

  const server: Server = createServer((req, res) => {
    const job = /^\/metrics\/([^/?]+)/.exec(req.url ?? '')?.[1];
    const sim = job ? byJob.get(decodeURIComponent(job)) : undefined;
    if (!sim) {
      res.writeHead(404).end('no such job\n');
      return;
    }
    sim.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': sim.registry.contentType }).end(text),
      (e) => res.writeHead(500).end(String(e)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    address: `127.0.0.1:${port}`,
    jobs: services.map((s) => ({ job: s.job, metricsPath: `/metrics/${encodeURIComponent(s.job)}` })),
    setLoad(job, load) {
      const sim = byJob.get(job);
      if (!sim) throw new Error(`no service with job '${job}'`);
      Object.assign(sim.load, load);
    },
    async stop() {
      clearInterval(ticker);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
