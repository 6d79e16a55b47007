import type { ScalingDecision } from '../schema.js';

export interface ActuationResult {
  /** False when the actuator did nothing (e.g. a redelivered decision, or NO_ACTION). */
  applied: boolean;
  detail: string;
}

/**
 * Applies a scaling decision to the world: a log line (shadow mode), an HTTP call, a Kubernetes
 * Deployment's scale subresource. One implementation per file; configuration is validated where it is built.
 */
export interface Actuator {
  readonly name: string;
  apply(decision: ScalingDecision): Promise<ActuationResult>;
  /**
   * The replicas the target runs now (what was asked for, not what is ready), to start the policy from
   * the cluster's state instead of its minimum; null when the target does not say. Optional: shadow
   * mode has no target to ask.
   */
  currentReplicas?(service: string): Promise<number | null>;
  /**
   * Sets a service's replicas outright, outside any decision: an experiment's reset before a run, or its
   * reactive baseline's HPA steps. No direction check and no decision id. Optional, like currentReplicas.
   */
  setReplicas?(service: string, replicas: number): Promise<void>;
  close?(): Promise<void>;
}
