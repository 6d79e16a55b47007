/**
 * What an experiment runs on: the emulator (`--target sim`, sim-target.ts) or a real Sock Shop behind a
 * URL, observed through Prometheus and scaled through an actuator (`--target URL`, prometheus-target.ts).
 * A run only talks to its target through this interface, so every condition and both kinds of target
 * take their snapshots, resets and reactive steps the same way.
 */
import type { TargetServiceObservation } from '@sockml/core';
import { sleepUntil } from '../../collect/poller.js';

export interface ObservedInterval {
  services: Record<string, TargetServiceObservation>;
  /** The interval's ends on the run's clock (ms since the run started). */
  fromMs: number;
  toMs: number;
}

/** Observes consecutive intervals: each call covers the time since the previous one (the first: since it was made). */
export interface IntervalObserver {
  next(): Promise<ObservedInterval>;
}

export interface ExperimentTarget {
  /** Where the load goes: the front-end's base URL. */
  readonly url: string;
  /** What the run logs about it. */
  readonly description: string;
  setReplicas(service: string, replicas: number): Promise<void>;
  /** A new observer whose first interval starts now; `elapsed` is the run's clock. */
  observer(elapsed: () => number): Promise<IntervalObserver>;
  /** Waits until no request ends on the target for a moment (the previous run drained), at most maxMs; false on timeout. */
  waitUntilIdle(maxMs: number, signal?: AbortSignal): Promise<boolean>;
  stop(): Promise<void>;
}

/** Resolves after ms, or as soon as the signal aborts. */
export const sleep = (ms: number, signal?: AbortSignal) => sleepUntil(Date.now() + ms, signal);
