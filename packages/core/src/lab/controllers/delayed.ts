import type { LabCluster } from '../lab-cluster.js';
import type { LabController, LabScalingAction } from '../lab-controller.js';

interface Pending {
  atMs: number;
  service: string;
  replicas: number;
}

/**
 * Another controller whose replica changes take effect `lagMs` after it decides them. The lab's proactive
 * controller acts at its poll's instant; live, sockml's decision rests on Prometheus data up to a scrape old
 * and reaches the target through Kafka and an actuator. This wraps it to measure what such a lag costs in the
 * closed loop (`lab --actuation-lag`), without changing what it decides: the inner controller sees the
 * cluster as it is and decides as before, so `sockml replay` of its metrics CSV still takes its decisions.
 *
 * Changes due at the same instant as the inner controller's next run are applied first, in the order
 * decided; the inner controller then sees them.
 */
export class DelayedController implements LabController {
  private readonly pending: Pending[] = [];

  constructor(
    private readonly inner: LabController,
    readonly lagMs: number,
  ) {
    if (!(lagMs >= 0) || !Number.isFinite(lagMs)) throw new Error(`an actuation lag must be a time ≥ 0, got ${lagMs}`);
  }

  nextAtMs(): number {
    return Math.min(this.inner.nextAtMs(), this.pending[0]?.atMs ?? Infinity);
  }

  async fire(nowMs: number, cluster: LabCluster): Promise<LabScalingAction[]> {
    const actions: LabScalingAction[] = [];
    while (this.pending.length > 0 && this.pending[0].atMs <= nowMs) {
      const { service, replicas } = this.pending.shift()!;
      const from = cluster.replicas(nowMs)[service].asked;
      cluster.setReplicas(service, replicas, nowMs);
      if (replicas !== from) actions.push({ atMs: nowMs, service, from, to: replicas });
    }
    if (this.inner.nextAtMs() !== nowMs) return actions;
    if (this.lagMs === 0) return [...actions, ...(await this.inner.fire(nowMs, cluster))];
    const view: LabCluster = Object.create(cluster);
    // Every ask is queued, even one for the count that runs (an HPA floor records sockml's asks, see ProactiveController).
    view.setReplicas = (service: string, replicas: number, atMs: number) => {
      this.pending.push({ atMs: atMs + this.lagMs, service, replicas });
    };
    await this.inner.fire(nowMs, view);
    return actions;
  }
}
