import type { LabCluster } from './lab-cluster.js';

/** A replica change a controller made, at virtual time atMs. */
export interface LabScalingAction {
  atMs: number;
  service: string;
  from: number;
  to: number;
}

/**
 * Who scales in a lab run: nobody (static), the HPA algorithm (reactive) or sockml's decision path
 * (proactive). A controller wakes at the times it names, looks at the cluster as its live counterpart
 * would, and changes replicas through it. Every controller is driven by the same event loop (lab-run.ts),
 * so only the controller differs between conditions.
 */
export interface LabController {
  /** The next virtual time this controller wants to run at (Infinity: never). */
  nextAtMs(): number;
  /** Runs at nowMs (= the last nextAtMs); returns the replica changes it made. */
  fire(nowMs: number, cluster: LabCluster): Promise<LabScalingAction[]>;
}
