import type { QueryName } from '../collect/promql.js';
import type { PromVectorSeries } from '../collect/prometheus-response.js';
import { histogramQuantile } from '../collect/histogram-quantile.js';
import { SERVICE_LABEL } from '../collect/service-resolution.js';
import type { ServiceObservation } from '../experiments/run/snapshot-recorder.js';
import type { EmulatorRoute, SockShopEmulator } from '../sim/emulator.js';
import type { SockShopService } from '../sim/topology.js';
import { LAB_BUCKET_BOUNDS, RequestBins } from './request-bins.js';

/** The load generator's counts over an interval (what `experiment run` takes from its timeline). */
export interface LabLoadCounts {
  offered: number;
  completed: number;
  /** Answers with a status ≥ 400. */
  errors: number;
}

/**
 * The emulator as the lab sees it: requests served at their arrival time, what Prometheus would have
 * scraped from it (each service's request histogram, CPU counter, memory, replicas) kept per second of
 * virtual time, and the load generator's counts. It answers the three observers of a run:
 *
 * - `collectSeries`: the results of collect's PromQL at a poll (promql.ts: rates over the rate window,
 *   histogram_quantile of the summed bucket rates, CPU %, memory, replicas), which samplesFromSeries turns
 *   into the 13-column sample exactly as it does Prometheus's answers;
 * - `snapshot`: what `experiment run`'s poller records per interval (ready replicas, the p95 of the
 *   requests that ended in it, CPU as % of the ready replicas' request);
 * - `cpuUtilisation`: the HPA's metric over its last sync period.
 *
 * The CPU counter is read at `mark` times (the run marks every timer instant), so a window must start at
 * one of them. Like the emulator, the cluster only moves forward: serve, mark and set replicas in time
 * order (a mark after a later request reads the counter as of that request).
 */
export class LabCluster {
  private readonly bins = new Map<string, RequestBins>();
  private readonly cpuAt = new Map<number, Map<string, number>>();
  private readonly load: Float64Array;
  private readonly seconds: number;
  /** When each service first answered a 5xx: from then on Prometheus has its 5xx series. */
  private readonly firstErrorMs = new Map<string, number>();

  constructor(
    readonly emulator: SockShopEmulator,
    /** Length of the run in virtual ms; requests ending up to a minute later are still counted. */
    durationMs: number,
  ) {
    this.seconds = Math.ceil(durationMs / 1000) + 60;
    for (const s of emulator.services) this.bins.set(s, new RequestBins(this.seconds));
    this.load = new Float64Array(this.seconds * 3);
    this.mark(0);
  }

  get services(): readonly SockShopService[] {
    return this.emulator.services;
  }

  /** One front-end request arriving at nowMs: served by the emulator, counted when it ends. */
  serve(method: string, path: string, nowMs: number): void {
    this.serveRoute(this.emulator.route(method, path), nowMs);
  }

  /** serve, for a request already resolved with emulator.route (the run resolves its journey's requests once). */
  serveRoute(route: EmulatorRoute | null, nowMs: number): void {
    const r = this.emulator.handleRoute(route, nowMs);
    const endMs = nowMs + r.latencyMs;
    for (const o of r.observations) {
      this.bins.get(o.service)!.observe(endMs, o.latencyMs, o.status);
      if (o.status >= 500 && !this.firstErrorMs.has(o.service)) this.firstErrorMs.set(o.service, endMs);
    }
    const arrived = Math.floor(nowMs / 1000);
    const ended = Math.floor(endMs / 1000);
    if (arrived < this.seconds) this.load[arrived * 3] += 1;
    if (ended < this.seconds) {
      this.load[ended * 3 + 1] += 1;
      if (r.status >= 400) this.load[ended * 3 + 2] += 1;
    }
  }

  /** Reads every service's CPU counter at nowMs, for windows that start or end there. */
  mark(nowMs: number): void {
    if (this.cpuAt.has(nowMs)) return;
    const snap = this.emulator.snapshot(nowMs);
    this.cpuAt.set(nowMs, new Map(Object.entries(snap).map(([s, v]) => [s, v.cpuSecondsTotal])));
  }

  /** Asks for `replicas` of `service`; asking for the count already asked for changes nothing. */
  setReplicas(service: string, replicas: number, nowMs: number): void {
    if (this.emulator.replicas(nowMs)[service] === replicas) return;
    this.emulator.setReplicas(service as SockShopService, replicas, nowMs);
  }

  /** Replicas asked for (ready or starting) and ready, per service. */
  replicas(nowMs: number): Record<string, { asked: number; ready: number }> {
    const snap = this.emulator.snapshot(nowMs);
    return Object.fromEntries(Object.entries(snap).map(([s, v]) => [s, { asked: v.replicas, ready: v.ready }]));
  }

  /** CPU cores a service used over [fromMs, toMs] (both marked). */
  private cores(service: string, fromMs: number, toMs: number): number | null {
    const a = this.cpuAt.get(fromMs)?.get(service);
    const b = this.cpuAt.get(toMs)?.get(service);
    if (a === undefined || b === undefined || !(toMs > fromMs)) return null;
    return (b - a) / ((toMs - fromMs) / 1000);
  }

  /** The HPA's metric: CPU over [fromMs, toMs] as % of the ready replicas' CPU request; null without a ready replica. */
  cpuUtilisation(service: string, fromMs: number, toMs: number): number | null {
    const cores = this.cores(service, fromMs, toMs);
    const ready = this.emulator.snapshot(toMs)[service]?.ready ?? 0;
    const request = this.emulator.specs()[service]?.cpuRequestCores ?? 0;
    return cores === null || ready === 0 || !(request > 0) ? null : (100 * cores) / (ready * request);
  }

  /** What `experiment run`'s poller records for [fromMs, toMs]. */
  snapshot(fromMs: number, toMs: number): Record<string, ServiceObservation> {
    const out: Record<string, ServiceObservation> = {};
    for (const s of this.services) {
      const { cumulative } = this.bins.get(s)!.window(fromMs, toMs);
      const p95 = histogramQuantile(0.95, LAB_BUCKET_BOUNDS, cumulative);
      out[s] = { replicas: this.emulator.snapshot(toMs)[s].ready, p95Ms: p95 === null ? null : p95 * 1000, cpuPct: this.cpuUtilisation(s, fromMs, toMs) };
    }
    return out;
  }

  /** The load generator's counts over [fromMs, toMs) (whole seconds). */
  loadCounts(fromMs: number, toMs: number): LabLoadCounts {
    const out = { offered: 0, completed: 0, errors: 0 };
    for (let s = Math.max(0, Math.floor(fromMs / 1000)); s < Math.min(this.seconds, Math.floor(toMs / 1000)); s++) {
      out.offered += this.load[s * 3];
      out.completed += this.load[s * 3 + 1];
      out.errors += this.load[s * 3 + 2];
    }
    return out;
  }

  /**
   * The results collect's queries (promql.ts) would return at nowMs over a rate window of windowMs
   * (clipped to the run's start, as a Prometheus with a shorter history rates over what it has): one
   * series per service, labelled with its sockml_service. A 5xx series exists once the service has
   * answered a 5xx (the emulator's metrics start with 200 series only), and a quantile of no requests is
   * NaN, as Prometheus answers them.
   */
  collectSeries(nowMs: number, windowMs: number): Record<QueryName, PromVectorSeries[]> {
    const fromMs = Math.max(0, nowMs - windowMs);
    const seconds = (nowMs - fromMs) / 1000;
    const snap = this.emulator.snapshot(nowMs);
    const out: Record<QueryName, PromVectorSeries[]> = { requestRate: [], errorRate: [], p50: [], p95: [], p99: [], cpu: [], memory: [], replicas: [] };
    for (const s of this.services) {
      const labels = { [SERVICE_LABEL]: s };
      const { cumulative, errors } = this.bins.get(s)!.window(fromMs, nowMs);
      const everErrors = (this.firstErrorMs.get(s) ?? Infinity) < nowMs;
      const q = (x: number) => histogramQuantile(x, LAB_BUCKET_BOUNDS, cumulative) ?? NaN;
      out.requestRate.push({ labels, value: cumulative[cumulative.length - 1] / seconds });
      if (everErrors) out.errorRate.push({ labels, value: errors / seconds });
      out.p50.push({ labels, value: q(0.5) });
      out.p95.push({ labels, value: q(0.95) });
      out.p99.push({ labels, value: q(0.99) });
      const cores = this.cores(s, fromMs, nowMs);
      if (cores !== null) out.cpu.push({ labels, value: cores * 100 });
      out.memory.push({ labels, value: snap[s].memoryBytes / 1048576 });
      out.replicas.push({ labels, value: snap[s].replicas });
    }
    return out;
  }
}
