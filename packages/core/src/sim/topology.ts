/**
 * The Sock Shop the emulator models: its services, what one replica of each can do, and which
 * downstream calls each front-end route makes. The numbers are the emulator's assumptions, not
 * measurements; they are chosen so the front-end saturates first under the default journey mix (as in
 * the recordings, where front-end and catalogue carry most of the traffic) and so one replica of
 * every service is comfortable at ~50 rps of journey traffic.
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

/** Memory follows the real images: the Java services (carts, orders, shipping) are the heavy ones. */
export const DEFAULT_SERVICE_SPECS: Readonly<Record<SockShopService, ServiceSpec>> = {
  'front-end': { capacityRps: 100, baseLatencyMs: 6, latencyCv: 0, cpuMsPerRequest: 3, cpuRequestCores: 0.3, idleCores: 0.005, memoryMbPerReplica: 90 },
  carts: { capacityRps: 60, baseLatencyMs: 10, latencyCv: 0, cpuMsPerRequest: 8.33, cpuRequestCores: 0.5, idleCores: 0.01, memoryMbPerReplica: 350 },
  orders: { capacityRps: 30, baseLatencyMs: 15, latencyCv: 0, cpuMsPerRequest: 16.67, cpuRequestCores: 0.5, idleCores: 0.01, memoryMbPerReplica: 380 },
  catalogue: { capacityRps: 120, baseLatencyMs: 4, latencyCv: 0, cpuMsPerRequest: 0.83, cpuRequestCores: 0.1, idleCores: 0.002, memoryMbPerReplica: 12 },
  user: { capacityRps: 100, baseLatencyMs: 5, latencyCv: 0, cpuMsPerRequest: 1, cpuRequestCores: 0.1, idleCores: 0.002, memoryMbPerReplica: 14 },
  payment: { capacityRps: 150, baseLatencyMs: 3, latencyCv: 0, cpuMsPerRequest: 0.67, cpuRequestCores: 0.1, idleCores: 0.001, memoryMbPerReplica: 9 },
  shipping: { capacityRps: 60, baseLatencyMs: 8, latencyCv: 0, cpuMsPerRequest: 5, cpuRequestCores: 0.3, idleCores: 0.01, memoryMbPerReplica: 340 },
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
