import { ReplicaFloor } from '../../policy/replica-floor.js';
import type { LabCluster } from '../lab-cluster.js';
import type { LabController, LabScalingAction } from '../lab-controller.js';

/**
 * sockml over an HPA that stays (ReplicaFloor): each service runs the larger of the HPA's count and
 * sockml's, as when sockml raises the HPA's minReplicas instead of writing the Deployment's scale (the
 * shape of AWS predictive scaling: the forecast scales out, a reactive policy stays as the floor). The HPA keeps its
 * own cadence (15 s, CPU since its last sync) and sees every replica, sockml's included, as current;
 * sockml's policy keeps its own count, so its decisions are those `sockml replay` takes from the run's
 * metrics CSV.
 */
export class HpaFloorController implements LabController {
  private readonly floor: ReplicaFloor;

  constructor(
    private readonly hpa: LabController,
    private readonly sockml: LabController,
    /** What every service runs before either has asked for anything. */
    initialReplicas: number,
  ) {
    this.floor = new ReplicaFloor(initialReplicas);
  }

  nextAtMs(): number {
    return Math.min(this.hpa.nextAtMs(), this.sockml.nextAtMs());
  }

  async fire(nowMs: number, cluster: LabCluster): Promise<LabScalingAction[]> {
    const actions: LabScalingAction[] = [];
    // Both due at once: the HPA first, so sockml's poll at that instant acts on the HPA's count.
    for (const [who, controller] of [['hpa', this.hpa], ['sockml', this.sockml]] as const) {
      if (controller.nextAtMs() !== nowMs) continue;
      // The controller sees the real cluster; what it asks for is one of the two counts.
      const view: LabCluster = Object.create(cluster);
      const asked = new Set<string>();
      view.setReplicas = (service: string, replicas: number, atMs: number) => {
        asked.add(service);
        const to = this.floor.ask(who, service, replicas);
        const from = cluster.replicas(atMs)[service].asked;
        if (to !== from) {
          cluster.setReplicas(service, to, atMs);
          actions.push({ atMs, service, from, to });
        }
      };
      await controller.fire(nowMs, view);
      if (who === 'hpa') {
        const now = cluster.replicas(nowMs);
        for (const s of cluster.services) if (!asked.has(s)) this.floor.hpaHolds(s, now[s].asked);
      }
    }
    return actions;
  }
}
