import type { LabCluster } from '../lab-cluster.js';
import type { LabController, LabScalingAction } from '../lab-controller.js';

/** One replica count a ScheduledController sets, at virtual time atMs. */
export interface ScheduledReplicas {
  atMs: number;
  service: string;
  replicas: number;
}

/**
 * Open loop: sets the given replica counts at the given times and looks at nothing. Not a policy: a
 * yardstick. Fed another run's scaling actions moved earlier (`shiftActions`), it is the HPA with
 * perfect foresight of its own decisions, which bounds what anticipating the HPA can buy on the same
 * arrivals at about the same replica-seconds (experiments/2026-12-05-lag-bound).
 */
export class ScheduledController implements LabController {
  private readonly schedule: ScheduledReplicas[];
  private i = 0;

  constructor(schedule: readonly ScheduledReplicas[]) {
    for (const s of schedule) {
      if (!(s.atMs >= 0) || !Number.isFinite(s.atMs)) throw new Error(`a scheduled change needs a time ≥ 0, got ${s.atMs}`);
      if (!Number.isInteger(s.replicas) || s.replicas < 0) throw new Error(`a scheduled change needs a whole replica count ≥ 0, got ${s.replicas}`);
    }
    // Stable: changes at the same instant keep their order, so the last one for a service wins.
    this.schedule = schedule.map((s, k) => ({ s, k })).sort((a, b) => a.s.atMs - b.s.atMs || a.k - b.k).map((x) => x.s);
  }

  nextAtMs(): number {
    return this.schedule[this.i]?.atMs ?? Infinity;
  }

  async fire(nowMs: number, cluster: LabCluster): Promise<LabScalingAction[]> {
    const actions: LabScalingAction[] = [];
    for (; this.i < this.schedule.length && this.schedule[this.i].atMs === nowMs; this.i++) {
      const { service, replicas } = this.schedule[this.i];
      const from = cluster.replicas(nowMs)[service].asked;
      if (replicas === from) continue;
      cluster.setReplicas(service, replicas, nowMs);
      actions.push({ atMs: nowMs, service, from, to: replicas });
    }
    return actions;
  }
}

/** A run's scaling actions as a schedule `leadMs` earlier (never before 0). */
export function shiftActions(actions: readonly LabScalingAction[], leadMs: number): ScheduledReplicas[] {
  return actions.map((a) => ({ atMs: Math.max(0, a.atMs - leadMs), service: a.service, replicas: a.to }));
}
