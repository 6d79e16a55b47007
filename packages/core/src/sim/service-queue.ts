import { seededRandom } from '../random.js';
import type { ServiceSpec } from './topology.js';

/**
 * One emulated service: its replicas (each ready after a start-up delay), a measured arrival rate and a
 * backlog of work, and what it has consumed (CPU seconds, memory). Pure: every method takes the time,
 * and the randomness comes from the generator it is given.
 *
 * Latency of a request admitted at time t (ms), its own part (without downstream calls):
 *
 *     latency = c × baseLatencyMs × (1 − latencyCv + latencyCv × E₁)      service time
 *             + [with probability min(ρ, 1)^stallExponent] stallMs × E₂    stall under load
 *             + 1000 × backlog / μ                                        overload queue
 *
 * with c the route's cost (ServiceSpec.routeCost, 1 by default), E₁, E₂ independent exponentials of mean 1, μ = readyReplicas × capacityRps (requests per second
 * the ready replicas complete) and ρ = λ / μ, λ the arrival rate measured as an exponentially weighted
 * moving average (time constant rateWindowMs). Load spreads evenly over the ready replicas, so ρ is each
 * replica's utilisation: n replicas at n·λ behave as one at λ.
 *
 * - The service time has mean c × baseLatencyMs whatever the load; latencyCv sets its spread (0:
 *   constant, 1: exponential).
 * - The stall term is how the recorded GKE front-end degrades (see topology.ts): its median hardly moves
 *   up to ~70 % of its capacity while its p95 and p99 grow, because a growing minority of requests is
 *   held up by tens of milliseconds (consistent with CPU throttling under a CPU limit), not because
 *   every request waits a little longer. An M/M/1 wait (every request slowed by 1 / (1 − ρ)) puts the
 *   median far too high and the p95 too low at those loads.
 * - The backlog is a fluid queue for overload: every admitted request adds one unit of work, which
 *   drains at μ; below capacity it stays near 0, above it grows by (λ − μ) per second, so latency keeps
 *   rising while the overload lasts and falls again once replicas are added and ready. Requests admitted
 *   at the same instant (the emulator's calls of one request) wait only as long as the first of them. A
 *   request that would wait longer than maxQueueMs in the backlog (or meets no ready replica) is
 *   rejected: the HTTP layer answers 503.
 *
 * CPU: every request costs cpuMsPerRequest core-milliseconds, spent as the backlog drains (so a
 * saturated service burns at most capacityRps × cpuMsPerRequest per replica, as the real one is held at
 * its CPU limit), plus idleCores per ready replica.
 * Memory: memoryMbPerReplica for every replica that exists (starting ones too), plus queuedKb per
 * request waiting in the backlog.
 */
export interface QueueModelOptions {
  /** Time from a scale-up until the new replica serves. */
  startupDelayMs: number;
  /** Longest wait in the backlog before a request is rejected. */
  maxQueueMs: number;
  /** Time constant of the arrival-rate average. */
  rateWindowMs: number;
  /** Mean extra latency of a request stalled under load. */
  stallMs: number;
  /** A request stalls with probability ρ^stallExponent (ρ capped at 1). */
  stallExponent: number;
  /** Memory of one waiting request, in KiB. */
  queuedKb: number;
}

/** stallMs and stallExponent are fitted to the GKE front-end (topology.ts says how). */
export const DEFAULT_QUEUE_MODEL: QueueModelOptions = { startupDelayMs: 20_000, maxQueueMs: 5_000, rateWindowMs: 1_000, stallMs: 65, stallExponent: 3.5, queuedKb: 64 };

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
  private instantMs = NaN;
  private instantQueueMs = 0;

  constructor(
    readonly spec: ServiceSpec,
    readonly options: QueueModelOptions,
    nowMs: number,
    replicas = 1,
    /** Uniform in [0, 1): the service time and stall draws. Seed it for a reproducible run. */
    private readonly random: () => number = seededRandom(1),
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

  /** Admits a request whose service time is `cost` × the spec's (a route's relative cost). */
  admit(nowMs: number, cost = 1): Admission {
    this.advance(nowMs);
    const tau = this.options.rateWindowMs;
    this.rate += 1000 / tau; // EWMA of arrivals: each adds 1/τ, decaying with exp(−Δt/τ); its mean is λ
    const mu = this.readyAt(this.lastMs) * this.spec.capacityRps;
    // Arrivals at one instant (the calls of one request) wait as long as the first of them: not for each other.
    if (this.lastMs !== this.instantMs) {
      this.instantMs = this.lastMs;
      this.instantQueueMs = mu > 0 ? (1000 * this.backlog) / mu : Infinity;
    }
    const queueMs = this.instantQueueMs;
    if (queueMs > this.options.maxQueueMs) {
      this.rejected++;
      return { accepted: false };
    }
    const rho = Math.min(this.rate / mu, 1);
    const { baseLatencyMs: base, latencyCv: cv } = this.spec;
    let latencyMs = cost * base * (1 - cv + cv * this.exponential()) + queueMs;
    if (this.random() < rho ** this.options.stallExponent) latencyMs += this.options.stallMs * this.exponential();
    this.backlog += 1;
    this.admitted++;
    return { accepted: true, latencyMs };
  }

  /** An exponential draw of mean 1. */
  private exponential(): number {
    return -Math.log(1 - this.random());
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
   * Moves the model to nowMs: the backlog drains (spending its CPU) and idle CPU accrues at the rate of
   * the replicas ready in each stretch (split where a replica becomes ready), and the rate average
   * decays. Time never runs backwards: an earlier time is treated as the last one seen.
   */
  private advance(nowMs: number): void {
    if (!(nowMs > this.lastMs)) return;
    this.rate *= Math.exp(-(nowMs - this.lastMs) / this.options.rateWindowMs);
    // Every admitted request advances the queue (a million times an hour in the lab), and a replica
    // becomes ready inside the step only around a scale-up: the common step is one stretch, done without
    // building the list of bounds (the same arithmetic as the general loop's single pass).
    if (!this.readyBetween(this.lastMs, nowMs)) {
      this.drain(nowMs);
      return;
    }
    const bounds = [...new Set(this.pods.filter((p) => p > this.lastMs && p < nowMs))].sort((a, b) => a - b);
    for (const end of [...bounds, nowMs]) this.drain(end);
  }

  /** Whether a replica becomes ready strictly between fromMs and toMs. */
  private readyBetween(fromMs: number, toMs: number): boolean {
    for (const p of this.pods) if (p > fromMs && p < toMs) return true;
    return false;
  }

  /** One stretch up to end with the replicas ready at its start: the backlog drains, CPU accrues. */
  private drain(end: number): void {
    const ready = this.readyAt(this.lastMs);
    const dt = (end - this.lastMs) / 1000;
    const done = Math.min(this.backlog, ready * this.spec.capacityRps * dt);
    this.backlog -= done;
    this.cpuSeconds += (done * this.spec.cpuMsPerRequest) / 1000 + ready * this.spec.idleCores * dt;
    this.lastMs = end;
  }
}
