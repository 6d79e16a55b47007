import type { ServiceSpec } from './topology.js';

/**
 * One emulated service: its replicas (each ready after a start-up delay), a measured arrival rate and a
 * backlog of work, and what it has consumed (CPU seconds, memory). Pure: every method takes the time.
 *
 * Latency of a request admitted at time t (ms):
 *
 *     latency = baseLatencyMs × min(1 / (1 − ρ), maxSlowdown)  +  1000 × backlog / μ
 *
 * with μ = readyReplicas × capacityRps (requests per second the ready replicas complete) and
 * ρ = λ / μ, λ the arrival rate measured as an exponentially weighted moving average (time constant
 * rateWindowMs). The first term is the M/M/1 sojourn-time curve S / (1 − ρ): queueing in a stable
 * queue, growing without bound as ρ → 1, capped at maxSlowdown × S so it stays finite at and above
 * saturation. The second is a fluid queue for overload: every admitted request adds one unit of work to
 * the backlog, which drains at μ; below capacity it stays near 0, above it grows by (λ − μ) per second,
 * so latency keeps rising while the overload lasts and falls again once replicas are added and ready.
 * A request that would wait longer than maxQueueMs in the backlog (or meets no ready replica) is
 * rejected: the HTTP layer answers 503.
 *
 * CPU: an admitted request costs cpuRequestCores / capacityRps core-seconds, so a replica at capacity
 * uses exactly its CPU request (utilisation 100 %), plus idleCores per ready replica. Memory:
 * memoryMbPerReplica for every replica that exists (starting ones too), plus queuedKb per request
 * waiting in the backlog.
 */
export interface QueueModelOptions {
  /** Time from a scale-up until the new replica serves. */
  startupDelayMs: number;
  /** Longest wait in the backlog before a request is rejected. */
  maxQueueMs: number;
  /** Time constant of the arrival-rate average. */
  rateWindowMs: number;
  /** Cap of the 1 / (1 − ρ) slowdown. */
  maxSlowdown: number;
  /** Memory of one waiting request, in KiB. */
  queuedKb: number;
}

export const DEFAULT_QUEUE_MODEL: QueueModelOptions = { startupDelayMs: 20_000, maxQueueMs: 5_000, rateWindowMs: 1_000, maxSlowdown: 20, queuedKb: 64 };

export type Admission = { accepted: true; latencyMs: number } | { accepted: false };

export interface ServiceQueueSnapshot {
  /** Replicas asked for (ready or starting). */
  replicas: number;
  ready: number;
  /** Measured arrival rate (requests per second). */
  arrivalRps: number;
  /** λ / μ; Infinity when no replica is ready and requests arrive. */
  utilisation: number;
  backlog: number;
  cpuSecondsTotal: number;
  memoryBytes: number;
  admitted: number;
  rejected: number;
}

export class ServiceQueue {
  /** When each replica is (or was) ready, ms. */
  private pods: number[];
  private backlog = 0;
  private lastMs: number;
  private rate = 0;
  private cpuSeconds = 0;
  private admitted = 0;
  private rejected = 0;

  constructor(
    readonly spec: ServiceSpec,
    readonly options: QueueModelOptions,
    nowMs: number,
    replicas = 1,
  ) {
    // The replicas there at start are ready: the emulator starts as a deployment that has settled.
    this.pods = Array.from({ length: replicas }, () => nowMs);
    this.lastMs = nowMs;
  }

  /** Scales to n replicas: new ones start now and serve after the start-up delay; removal is immediate, starting replicas first. */
  setReplicas(n: number, nowMs: number): void {
    if (!Number.isInteger(n) || n < 0) throw new Error(`replicas must be a whole number ≥ 0, got ${n}`);
    this.advance(nowMs);
    if (n > this.pods.length) {
      const readyAt = Math.max(nowMs, this.lastMs) + this.options.startupDelayMs;
      while (this.pods.length < n) this.pods.push(readyAt);
    } else {
      // Kubernetes deletes not-ready pods before ready ones when a ReplicaSet shrinks.
      this.pods = [...this.pods].sort((a, b) => a - b).slice(0, n);
    }
  }

  admit(nowMs: number): Admission {
    this.advance(nowMs);
    const tau = this.options.rateWindowMs;
    this.rate += 1000 / tau; // EWMA of arrivals: each adds 1/τ, decaying with exp(−Δt/τ); its mean is λ
    const mu = this.readyAt(this.lastMs) * this.spec.capacityRps;
    const queueMs = mu > 0 ? (1000 * this.backlog) / mu : Infinity;
    if (queueMs > this.options.maxQueueMs) {
      this.rejected++;
      return { accepted: false };
    }
    const rho = this.rate / mu;
    const slowdown = rho >= 1 ? this.options.maxSlowdown : Math.min(1 / (1 - rho), this.options.maxSlowdown);
    this.backlog += 1;
    this.admitted++;
    this.cpuSeconds += this.spec.cpuRequestCores / this.spec.capacityRps;
    return { accepted: true, latencyMs: this.spec.baseLatencyMs * slowdown + queueMs };
  }

  snapshot(nowMs: number): ServiceQueueSnapshot {
    this.advance(nowMs);
    const ready = this.readyAt(this.lastMs);
    const mu = ready * this.spec.capacityRps;
    return {
      replicas: this.pods.length,
      ready,
      arrivalRps: this.rate,
      utilisation: mu > 0 ? this.rate / mu : this.rate > 0 ? Infinity : 0,
      backlog: this.backlog,
      cpuSecondsTotal: this.cpuSeconds,
      memoryBytes: Math.round(this.pods.length * this.spec.memoryMbPerReplica * 1048576 + this.backlog * this.options.queuedKb * 1024),
      admitted: this.admitted,
      rejected: this.rejected,
    };
  }

  private readyAt(t: number): number {
    let n = 0;
    for (const p of this.pods) if (p <= t) n++;
    return n;
  }

  /**
   * Moves the model to nowMs: the backlog drains and idle CPU accrues at the rate of the replicas ready
   * in each stretch (split where a replica becomes ready), and the rate average decays. Time never runs
   * backwards: an earlier time is treated as the last one seen.
   */
  private advance(nowMs: number): void {
    if (!(nowMs > this.lastMs)) return;
    this.rate *= Math.exp(-(nowMs - this.lastMs) / this.options.rateWindowMs);
    const bounds = [...new Set(this.pods.filter((p) => p > this.lastMs && p < nowMs))].sort((a, b) => a - b);
    for (const end of [...bounds, nowMs]) {
      const ready = this.readyAt(this.lastMs);
      const dt = (end - this.lastMs) / 1000;
      this.backlog = Math.max(0, this.backlog - ready * this.spec.capacityRps * dt);
      this.cpuSeconds += ready * this.spec.idleCores * dt;
      this.lastMs = end;
    }
  }
}
