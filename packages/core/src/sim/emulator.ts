import { seededRandom } from '../random.js';
import { DEFAULT_QUEUE_MODEL, ServiceQueue, type QueueModelOptions, type ServiceQueueSnapshot } from './service-queue.js';
import { DEFAULT_SERVICE_SPECS, routeRequest, SOCKSHOP_SERVICES, type ServiceCall, type ServiceSpec, type SockShopService } from './topology.js';

/**
 * The Sock Shop emulator's model: one ServiceQueue per emulated service and the front-end's call
 * trees. A request is served by walking its call tree: each service admits it (or rejects it: 503),
 * spends its own latency, then calls its downstream services one after the other; a failed call makes
 * the caller stop and answer 500, as the real front-end and orders do. A service's latency is its own
 * plus its calls', and every service on the way reports one observation for its request histogram.
 *
 * All calls of one request arrive at their services at the request's arrival time: the model's queues
 * only need arrival rates, and keeping each queue's clock monotonic matters more than the few
 * milliseconds a call really starts later. A request's calls to one service (an order's customer and
 * card lookups) therefore arrive at the same instant; the queue does not make them wait for each other,
 * as the real calls, one after the other, do not. Services left out of `services` cost nothing and report
 * nothing (their calls pass straight through), so a subset can be emulated.
 *
 * --time-scale divides the start-up delay only (time-scale 10: replicas ready after 2 s instead of
 * 20 s), so experiments run faster while rates and latencies stay in real time.
 */
export interface EmulatorOptions {
  services: readonly SockShopService[];
  specs: Partial<Record<SockShopService, Partial<ServiceSpec>>>;
  queue: Partial<QueueModelOptions>;
  timeScale: number;
  initialReplicas: number;
  /** Seeds the latency draws: the same seed and the same requests give the same latencies. */
  seed: number;
}

export interface EmulatorObservation {
  service: SockShopService;
  method: 'GET' | 'POST';
  route: string;
  status: number;
  latencyMs: number;
}

export interface EmulatedResponse {
  /** 200; 404 for a path the front-end does not serve; 500 when a downstream call failed; 503 when the front-end rejected it. */
  status: number;
  latencyMs: number;
  observations: EmulatorObservation[];
}

/**
 * A front-end call tree resolved against one emulator (SockShopEmulator.route): each call with its
 * service's queue (absent: a service not emulated, whose call passes straight through) and its route cost.
 */
export interface EmulatorRoute {
  readonly service: SockShopService;
  readonly method: 'GET' | 'POST';
  readonly route: string;
  readonly queue: ServiceQueue | undefined;
  readonly cost: number;
  readonly calls: readonly EmulatorRoute[];
}

export class SockShopEmulator {
  private readonly queues = new Map<SockShopService, ServiceQueue>();
  readonly services: readonly SockShopService[];

  constructor(options: Partial<EmulatorOptions>, nowMs: number) {
    const timeScale = options.timeScale ?? 1;
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error(`time scale must be a positive number, got ${timeScale}`);
    const queue = { ...DEFAULT_QUEUE_MODEL, ...options.queue };
    queue.startupDelayMs /= timeScale;
    const services = options.services ?? SOCKSHOP_SERVICES;
    if (services.length === 0) throw new Error('emulate at least one service');
    // Kept in the topology's order, whatever the order asked for.
    this.services = SOCKSHOP_SERVICES.filter((s) => services.includes(s));
    const seed = options.seed ?? 1;
    // One generator per service, so emulating a subset does not change the others' draws.
    for (const s of this.services) {
      const random = seededRandom(seed * 31 + SOCKSHOP_SERVICES.indexOf(s));
      this.queues.set(s, new ServiceQueue({ ...DEFAULT_SERVICE_SPECS[s], ...options.specs?.[s] }, queue, nowMs, options.initialReplicas ?? 1, random));
    }
  }

  handle(method: string, path: string, nowMs: number): EmulatedResponse {
    return this.handleRoute(this.route(method, path), nowMs);
  }

  /**
   * The front-end call tree of a request resolved against this emulator (each call's queue and route
   * cost), or null for a path the front-end does not serve. A caller that sends the same requests over
   * and over (the lab's journey mix) resolves each once and serves it with handleRoute.
   */
  route(method: string, path: string): EmulatorRoute | null {
    const tree = routeRequest(method, path);
    return tree && this.resolve(tree);
  }

  /** handle, for a route from route(): the same answer for the same request. */
  handleRoute(route: EmulatorRoute | null, nowMs: number): EmulatedResponse {
    if (!route) return { status: 404, latencyMs: 0, observations: [] };
    const observations: EmulatorObservation[] = [];
    const r = this.serve(route, nowMs, observations);
    return { status: r.status, latencyMs: r.latencyMs, observations };
  }

  setReplicas(service: SockShopService, replicas: number, nowMs: number): void {
    this.queue(service).setReplicas(replicas, nowMs);
  }

  /** Replicas asked for, per emulated service (what GET /admin/replicas shows). */
  replicas(nowMs: number): Record<string, number> {
    return Object.fromEntries(this.services.map((s) => [s, this.queue(s).snapshot(nowMs).replicas]));
  }

  /** One replica's spec per emulated service (its CPU request is what kube-state-metrics would report). */
  specs(): Record<string, ServiceSpec> {
    return Object.fromEntries(this.services.map((s) => [s, this.queue(s).spec]));
  }

  snapshot(nowMs: number): Record<string, ServiceQueueSnapshot> {
    return Object.fromEntries(this.services.map((s) => [s, this.queue(s).snapshot(nowMs)]));
  }

  private queue(service: SockShopService): ServiceQueue {
    const q = this.queues.get(service);
    if (!q) throw new Error(`service ${service} is not emulated (emulated: ${this.services.join(', ')})`);
    return q;
  }

  private resolve(c: ServiceCall): EmulatorRoute {
    const queue = this.queues.get(c.service);
    return { service: c.service, method: c.method, route: c.route, queue, cost: queue?.spec.routeCost?.[`${c.method} ${c.route}`] ?? 1, calls: c.calls.map((child) => this.resolve(child)) };
  }

  private serve(c: EmulatorRoute, nowMs: number, out: EmulatorObservation[]): { status: number; latencyMs: number } {
    const q = c.queue;
    let latencyMs = 0;
    if (q) {
      const a = q.admit(nowMs, c.cost);
      if (!a.accepted) {
        out.push({ service: c.service, method: c.method, route: c.route, status: 503, latencyMs: 0 });
        return { status: 503, latencyMs: 0 };
      }
      latencyMs = a.latencyMs;
    }
    let status = 200;
    for (const child of c.calls) {
      const r = this.serve(child, nowMs, out);
      latencyMs += r.latencyMs;
      if (r.status >= 500) {
        status = 500;
        break;
      }
    }
    if (q) out.push({ service: c.service, method: c.method, route: c.route, status, latencyMs });
    return { status, latencyMs };
  }
}
