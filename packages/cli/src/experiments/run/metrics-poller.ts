/**
 * Polls a Sock Shop target's /metrics directly (the emulator exports Sock Shop's metric names; no
 * Prometheus server needed): per service, the ready and asked-for replicas, the p95 of the requests
 * that ended since the previous poll (bucket differences of request_duration_seconds, interpolated as
 * histogram_quantile does — as coarse as the buckets) and CPU utilisation since the previous poll, as a
 * percentage of the ready replicas' CPU request (what the HPA targets).
 */
import { histogramBuckets, intervalQuantile, parseExposition, sumBy, type TargetServiceObservation } from '@sockml/core';

/** desiredReplicas: kube_deployment_status_replicas, which the emulator sets to what was asked for. */
export type PolledService = TargetServiceObservation;

export interface MetricsScrape {
  atMs: number;
  buckets: Map<string, Map<number, number>>;
  cpuSeconds: Map<string, number>;
  replicas: Map<string, number>;
  available: Map<string, number>;
}

export async function scrapeMetrics(baseUrl: string, atMs: number): Promise<MetricsScrape> {
  const res = await fetch(new URL('/metrics', baseUrl), { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${baseUrl}/metrics: HTTP ${res.status}`);
  const samples = parseExposition(await res.text());
  return {
    atMs,
    buckets: histogramBuckets(samples, 'request_duration_seconds', 'service'),
    cpuSeconds: sumBy(samples, 'process_cpu_seconds_total', 'service'),
    replicas: sumBy(samples, 'kube_deployment_status_replicas', 'deployment'),
    available: sumBy(samples, 'kube_deployment_status_replicas_available', 'deployment'),
  };
}

/** Per-service observations between two scrapes; cpuRequestCores gives each service's CPU request per replica. */
export function observeBetween(before: MetricsScrape, after: MetricsScrape, services: readonly string[], cpuRequestCores: (service: string) => number): Record<string, PolledService> {
  const seconds = (after.atMs - before.atMs) / 1000;
  const out: Record<string, PolledService> = {};
  for (const s of services) {
    const ready = after.available.get(s);
    const buckets = after.buckets.get(s);
    const p95s = buckets ? intervalQuantile(0.95, before.buckets.get(s), buckets) : null;
    const cpuNow = after.cpuSeconds.get(s);
    const cpuThen = before.cpuSeconds.get(s);
    let cpuPct: number | null = null;
    if (cpuNow !== undefined && cpuThen !== undefined && seconds > 0 && ready !== undefined && ready > 0) {
      cpuPct = (100 * Math.max(0, cpuNow - cpuThen)) / seconds / (ready * cpuRequestCores(s));
    }
    out[s] = { replicas: ready ?? null, desiredReplicas: after.replicas.get(s) ?? null, p95Ms: p95s === null ? null : p95s * 1000, cpuPct };
  }
  return out;
}

export async function setReplicas(baseUrl: string, service: string, replicas: number): Promise<void> {
  const res = await fetch(new URL('/admin/replicas', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ service, replicas }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`POST ${baseUrl}/admin/replicas ${service}=${replicas}: HTTP ${res.status} ${await res.text()}`);
}
