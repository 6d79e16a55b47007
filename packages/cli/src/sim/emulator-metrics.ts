/**
 * The Sock Shop emulator's Prometheus metrics, under the real images' names and label sets so that
 * `sockml collect` (and Sock Shop's own dashboards) read the emulator as they read Sock Shop:
 *
 *  - `request_duration_seconds{service,method,route,status_code}`: the published images' request
 *    histogram, with client_golang's default buckets 0.005 … 10 s (prom-client's defaults are the
 *    same, which is what the Node front-end uses);
 *  - `process_cpu_seconds_total{service}` and `process_resident_memory_bytes{service}`: one series per
 *    service (summed over its replicas), labelled `service` because collect resolves a series' service
 *    from that label first — a real deployment has one series per pod, distinguished by `instance`;
 *  - `kube_deployment_status_replicas{deployment}` and `..._available{deployment}`: kube-state-metrics'
 *    replica gauges (asked for, and ready), which collect reads by the `deployment` label; and
 *    `kube_deployment_spec_replicas{deployment}` (asked for: the emulator has no rollout lag between
 *    spec and status) and `kube_pod_container_resource_requests{container,resource="cpu",unit="core"}`
 *    (one replica's CPU request; one series per service, not per pod), which `experiment run --target
 *    URL` reads to compute the HPA's CPU utilisation from Prometheus as on a cluster.
 *
 * CPU, memory and replicas are read from the model at scrape time.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { REQUEST_DURATION_BUCKETS, routeRequest, type EmulatorObservation, type ServiceCall, type SockShopEmulator } from '@sockml/core';

/** A sample of every journey route, to initialise each emulated (service, method, route) series at 0. */
const ROUTE_SAMPLES: [string, string][] = [
  ['GET', '/'],
  ['GET', '/basket.html'],
  ['GET', '/catalogue'],
  ['GET', '/catalogue/x'],
  ['GET', '/login'],
  ['GET', '/cart'],
  ['POST', '/cart'],
  ['POST', '/orders'],
];

export interface EmulatorMetrics {
  readonly registry: Registry;
  observe(o: EmulatorObservation): void;
}

export function emulatorMetrics(emulator: SockShopEmulator, clock: () => number): EmulatorMetrics {
  const registry = new Registry();
  const emulated = new Set<string>(emulator.services);
  const histogram = new Histogram({
    name: 'request_duration_seconds',
    help: 'Time (in seconds) spent serving HTTP requests (Sock Shop emulator).',
    labelNames: ['service', 'method', 'route', 'status_code'],
    buckets: REQUEST_DURATION_BUCKETS,
    registers: [registry],
  });
  // Idle services then have a request rate of 0, not a missing series (as a real service after one request).
  const zero = (c: ServiceCall) => {
    if (emulated.has(c.service)) histogram.zero({ service: c.service, method: c.method, route: c.route, status_code: '200' });
    c.calls.forEach(zero);
  };
  for (const [method, path] of ROUTE_SAMPLES) zero(routeRequest(method, path)!);

  const reported = new Map<string, number>();
  new Counter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds (Sock Shop emulator, all replicas of the service).',
    labelNames: ['service'],
    registers: [registry],
    collect() {
      for (const [service, s] of Object.entries(emulator.snapshot(clock()))) {
        this.inc({ service }, Math.max(0, s.cpuSecondsTotal - (reported.get(service) ?? 0)));
        reported.set(service, s.cpuSecondsTotal);
      }
    },
  });
  new Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes (Sock Shop emulator, all replicas of the service).',
    labelNames: ['service'],
    registers: [registry],
    collect() {
      for (const [service, s] of Object.entries(emulator.snapshot(clock()))) this.set({ service }, s.memoryBytes);
    },
  });
  new Gauge({
    name: 'kube_deployment_status_replicas',
    help: 'The number of replicas per deployment (Sock Shop emulator).',
    labelNames: ['deployment'],
    registers: [registry],
    collect() {
      for (const [deployment, s] of Object.entries(emulator.snapshot(clock()))) this.set({ deployment }, s.replicas);
    },
  });
  new Gauge({
    name: 'kube_deployment_spec_replicas',
    help: 'Number of desired pods for a deployment (Sock Shop emulator).',
    labelNames: ['deployment'],
    registers: [registry],
    collect() {
      for (const [deployment, s] of Object.entries(emulator.snapshot(clock()))) this.set({ deployment }, s.replicas);
    },
  });
  new Gauge({
    name: 'kube_pod_container_resource_requests',
    help: 'The number of requested request resource by a container (Sock Shop emulator: one series per service).',
    labelNames: ['container', 'resource', 'unit'],
    registers: [registry],
    collect() {
      for (const [container, spec] of Object.entries(emulator.specs())) this.set({ container, resource: 'cpu', unit: 'core' }, spec.cpuRequestCores);
    },
  });
  new Gauge({
    name: 'kube_deployment_status_replicas_available',
    help: 'The number of available (ready) replicas per deployment (Sock Shop emulator).',
    labelNames: ['deployment'],
    registers: [registry],
    collect() {
      for (const [deployment, s] of Object.entries(emulator.snapshot(clock()))) this.set({ deployment }, s.ready);
    },
  });

  return {
    registry,
    observe: (o) => histogram.observe({ service: o.service, method: o.method, route: o.route, status_code: String(o.status) }, o.latencyMs / 1000),
  };
}
