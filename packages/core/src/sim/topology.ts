/**
 * The Sock Shop the emulator models: its services, what one replica of each can do, and which
 * downstream calls each front-end route makes.
 *
 * DEFAULT_SERVICE_SPECS (and the stall term of DEFAULT_QUEUE_MODEL) are calibrated against the 18 GKE
 * load runs in fixtures/sockshop-gke/runs (2026-04-08/09; replicas were not recorded, memory and CPU point
 * to one per service), by `pnpm build && node experiments/calibration/calibrate.mjs`, which measures the
 * runs and drives the emulator at the same rates; calibration.test.ts fails when the two drift apart
 * (docs/EXPERIMENTS.md, "Calibration", has the tables, the tolerance and what is not modelled). Where
 * each number comes from:
 *
 * - cpuMsPerRequest, idleCores: the slope and intercept of the service's CPU against its rate.
 * - memoryMbPerReplica: the service's median resident memory.
 * - cpuRequestCores: 0.1 for every service, the request of the recorded GKE deployment (its HPA runs in
 *   fixtures/seed-experiments scaled on 70 % of 100 m).
 * - capacityRps: the front-end's is about the rate it saturated at (146 rps with CPU at 0.27–0.32 core,
 *   its 300 m limit). No other service came near saturation, so theirs is an estimate: the stock Sock
 *   Shop CPU limit (carts, user, shipping 300 m; catalogue, payment 200 m; orders 500 m), less idle CPU,
 *   over the measured CPU per request.
 * - baseLatencyMs, latencyCv, routeCost: fitted so each service's p50/p95 match at the recorded rates.
 *   catalogue, user, payment and shipping answer everything under 5 ms (the first bucket), which is all
 *   the recordings can say about them. The route costs stand for what per-service series cannot show:
 *   the front-end's login and checkout handlers, which make several calls each, take more of its own
 *   time than its pages and make up most of its tail; the carts item list that orders reads is lighter
 *   than carts' merges and additions (orders is always 10–25 ms while carts spreads over 2–25 ms).
 * - The stall term (stallMs 65, stallExponent 3.5) is fitted to the front-end's p95 and p99 at 54–105 rps
 *   and applied to every service as an assumption.
 */

export const SOCKSHOP_SERVICES = ['front-end', 'carts', 'orders', 'catalogue', 'user', 'payment', 'shipping'] as const;
export type SockShopService = (typeof SOCKSHOP_SERVICES)[number];

export function isSockShopService(s: string): s is SockShopService {
  return (SOCKSHOP_SERVICES as readonly string[]).includes(s);
}

export interface ServiceSpec {
  /** Requests per second one ready replica completes. */
  capacityRps: number;
  /** Mean service time of one request (its own work, without downstream calls), whatever the load. */
  baseLatencyMs: number;
  /** Spread of the service time: 0 = every request takes baseLatencyMs, 1 = exponential; in [0, 1]. */
  latencyCv: number;
  /**
   * Service time of a route relative to baseLatencyMs, keyed `METHOD route` (the histogram's labels);
   * routes not named cost 1.
   */
  routeCost?: Readonly<Record<string, number>>;
  /** CPU one request costs, in core-milliseconds. */
  cpuMsPerRequest: number;
  /** The replica's Kubernetes CPU request in cores: what an HPA's CPU utilisation is a percentage of. */
  cpuRequestCores: number;
  /** CPU an idle replica burns anyway (runtime, health checks), in cores. */
  idleCores: number;
  /** Resident memory of one replica (started or starting: the process exists either way). */
  memoryMbPerReplica: number;
}

/**
 * Upper bounds (seconds) of the `request_duration_seconds` histogram buckets, as the Sock Shop images
 * export them: client_golang's defaults, which prom-client (the Node front-end) shares. The recordings'
 * quantiles are interpolated inside these buckets.
 */
export const REQUEST_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One ready replica of each service, as measured in (or estimated from) the GKE runs: see the top of this file. */
export const DEFAULT_SERVICE_SPECS: Readonly<Record<SockShopService, ServiceSpec>> = {
  'front-end': {
    capacityRps: 150,
    baseLatencyMs: 3,
    latencyCv: 0.5,
    routeCost: { 'GET /login': 4.5, 'POST /orders': 4.5 },
    cpuMsPerRequest: 2.06,
    cpuRequestCores: 0.1,
    idleCores: 0.021,
    memoryMbPerReplica: 88,
  },
  carts: {
    capacityRps: 69,
    baseLatencyMs: 10,
    latencyCv: 0.6,
    routeCost: { 'GET /carts/{customerId}/items': 0.4 },
    cpuMsPerRequest: 4.31,
    cpuRequestCores: 0.1,
    idleCores: 0.0035,
    memoryMbPerReplica: 326,
  },
  orders: { capacityRps: 36, baseLatencyMs: 5, latencyCv: 0.3, cpuMsPerRequest: 13.95, cpuRequestCores: 0.1, idleCores: 0.001, memoryMbPerReplica: 316 },
  catalogue: { capacityRps: 190, baseLatencyMs: 1.5, latencyCv: 0.3, cpuMsPerRequest: 1.05, cpuRequestCores: 0.1, idleCores: 0.0003, memoryMbPerReplica: 17 },
  user: { capacityRps: 240, baseLatencyMs: 1.5, latencyCv: 0.3, cpuMsPerRequest: 1.23, cpuRequestCores: 0.1, idleCores: 0.0009, memoryMbPerReplica: 18 },
  payment: { capacityRps: 440, baseLatencyMs: 1.5, latencyCv: 0.3, cpuMsPerRequest: 0.45, cpuRequestCores: 0.1, idleCores: 0.0009, memoryMbPerReplica: 15 },
  shipping: { capacityRps: 147, baseLatencyMs: 1.5, latencyCv: 0.3, cpuMsPerRequest: 2.04, cpuRequestCores: 0.1, idleCores: 0.0017, memoryMbPerReplica: 296 },
};

/** One request a service serves, with the requests it makes itself (in order, one after the other). */
export interface ServiceCall {
  service: SockShopService;
  method: 'GET' | 'POST';
  /** The `route` label of the request-duration histogram. */
  route: string;
  calls: ServiceCall[];
}

const call = (service: SockShopService, method: 'GET' | 'POST', route: string, calls: ServiceCall[] = []): ServiceCall => ({ service, method, route, calls });

/**
 * The front-end call tree of a journey request (see load/journey.ts), or null for a path the real
 * front-end would not serve. As the real front-end does: logging in merges the session's cart into the
 * customer's (carts); adding to the cart first looks the item up in the catalogue; an order first fetches
 * the customer and then, in parallel, its address and card (user: two calls in a row here, the parallel
 * pair as one), then makes the orders service fetch the customer, address and card (user, one call here)
 * and the cart items (carts) before calling payment and shipping.
 */
export function routeRequest(method: string, rawPath: string): ServiceCall | null {
  const path = rawPath.split('?')[0];
  const m = method.toUpperCase();
  if (m === 'GET' && (path === '/' || path === '/index.html' || path === '/basket.html')) return call('front-end', 'GET', path);
  if (m === 'GET' && path === '/catalogue') return call('front-end', 'GET', '/catalogue', [call('catalogue', 'GET', '/catalogue')]);
  if (m === 'GET' && /^\/catalogue\/[^/]+$/.test(path)) return call('front-end', 'GET', '/catalogue/{id}', [call('catalogue', 'GET', '/catalogue/{id}')]);
  if (m === 'GET' && path === '/login') return call('front-end', 'GET', '/login', [call('user', 'GET', '/login'), call('carts', 'GET', '/carts/{customerId}/merge')]);
  if (m === 'GET' && path === '/cart') return call('front-end', 'GET', '/cart', [call('carts', 'GET', '/carts/{customerId}/items')]);
  if (m === 'POST' && path === '/cart') {
    return call('front-end', 'POST', '/cart', [call('catalogue', 'GET', '/catalogue/{id}'), call('carts', 'POST', '/carts/{customerId}/items')]);
  }
  if (m === 'POST' && path === '/orders') {
    return call('front-end', 'POST', '/orders', [
      call('user', 'GET', '/customers/{id}'),
      call('user', 'GET', '/cards/{id}'),
      call('orders', 'POST', '/orders', [
        call('user', 'GET', '/customers/{id}'),
        call('carts', 'GET', '/carts/{customerId}/items'),
        call('payment', 'POST', '/paymentAuth'),
        call('shipping', 'POST', '/shipping'),
      ]),
    ]);
  }
  return null;
}
