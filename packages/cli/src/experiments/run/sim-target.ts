/**
 * The emulator as the experiment's target (`--target sim`), in this process on 127.0.0.1 (as `sockml sim`
 * runs it). Snapshots come straight from its /metrics (no Prometheus needed: the emulator exports Sock
 * Shop's metric names, see metrics-poller.ts), replicas are set through POST /admin/replicas.
 */
import { DEFAULT_SERVICE_SPECS, SockShopEmulator, type SockShopService } from '@sockml/core';
import { startEmulatorServer, type EmulatorServer } from '../../sim/emulator-server.js';
import { sleep, type ExperimentTarget, type IntervalObserver } from './experiment-target.js';
import { observeBetween, scrapeMetrics, setReplicas, type MetricsScrape } from './metrics-poller.js';

const cpuRequest = (s: string) => DEFAULT_SERVICE_SPECS[s as SockShopService]?.cpuRequestCores ?? 1;
const requestsSeen = (s: MetricsScrape) => [...s.buckets.values()].reduce((n, b) => n + (b.get(Infinity) ?? 0), 0);

export class SimTarget implements ExperimentTarget {
  readonly url: string;
  readonly description: string;

  private constructor(
    readonly emulator: SockShopEmulator,
    readonly server: EmulatorServer,
    private readonly services: readonly SockShopService[],
  ) {
    this.url = server.url;
    this.description = `emulator on ${server.url}`;
  }

  static async start(o: { services: readonly SockShopService[]; timeScale: number; port?: number }): Promise<SimTarget> {
    const clock = () => performance.now();
    const emulator = new SockShopEmulator({ services: o.services, timeScale: o.timeScale }, clock());
    const server = await startEmulatorServer({ emulator, clock, host: '127.0.0.1', port: o.port ?? 0 });
    return new SimTarget(emulator, server, o.services);
  }

  get port(): number {
    return this.server.port;
  }

  setReplicas(service: string, replicas: number): Promise<void> {
    return setReplicas(this.url, service, replicas);
  }

  async observer(elapsed: () => number): Promise<IntervalObserver> {
    let last = await scrapeMetrics(this.url, elapsed());
    return {
      next: async () => {
        const now = await scrapeMetrics(this.url, elapsed());
        const services = observeBetween(last, now, this.services, cpuRequest);
        const fromMs = last.atMs;
        last = now;
        return { services, fromMs, toMs: now.atMs };
      },
    };
  }

  /** Idle: no request finished between two scrapes 1 s apart. */
  async waitUntilIdle(maxMs: number, signal?: AbortSignal): Promise<boolean> {
    const until = performance.now() + maxMs;
    let last = requestsSeen(await scrapeMetrics(this.url, 0));
    while (performance.now() < until && !signal?.aborted) {
      await sleep(1000, signal);
      const now = requestsSeen(await scrapeMetrics(this.url, 0));
      if (now === last) return true;
      last = now;
    }
    return false;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}
