import { ReactiveLoop } from '../../experiments/run/reactive-loop.js';
import { DEFAULT_HPA_OPTIONS, type HpaOptions } from '../../reactive/hpa-controller.js';
import type { LabCluster } from '../lab-cluster.js';
import type { LabController, LabScalingAction } from '../lab-controller.js';

/**
 * The reactive condition: the HPA v2 algorithm for every service (ReactiveLoop, as `experiment run`
 * runs it), every sync period, on the CPU utilisation over the period since the previous sync, with
 * the asked-for replicas as current and the ready ones for its not-ready rule.
 *
 * `timeScale` k runs it as `experiment run --time-scale k` does: the lab's clock is the emulator's (wall)
 * time, the HPA's is k times faster, so it syncs every syncPeriod / k and its windows and policy periods
 * (in its own time) shrink with the experiment.
 */
export class ReactiveController implements LabController {
  private readonly loop: ReactiveLoop;
  private readonly syncPeriodMs: number;
  private syncs = 0;
  private next: number;
  private last = 0;

  constructor(
    services: readonly string[],
    hpa: Partial<HpaOptions>,
    byService: Readonly<Record<string, Partial<HpaOptions>>> = {},
    private readonly timeScale = 1,
  ) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error(`time scale must be a positive number, got ${timeScale}`);
    this.loop = new ReactiveLoop(services, hpa, byService);
    this.syncPeriodMs = hpa.syncPeriodMs ?? DEFAULT_HPA_OPTIONS.syncPeriodMs;
    this.next = this.syncAtMs(1);
  }

  /**
   * The lab time of the n-th sync: n sync periods of the HPA's time, rounded up to a whole ms of the lab's.
   * The HPA itself is told exactly n periods (fire), so a rounded sync is never "not yet due" to it.
   */
  private syncAtMs(n: number): number {
    return Math.ceil((n * this.syncPeriodMs) / this.timeScale);
  }

  nextAtMs(): number {
    return this.next;
  }

  async fire(nowMs: number, cluster: LabCluster): Promise<LabScalingAction[]> {
    const replicas = cluster.replicas(nowMs);
    const input = Object.fromEntries(
      this.loop.services.map((s) => [s, { replicas: replicas[s].asked, readyReplicas: replicas[s].ready, cpuPct: cluster.cpuUtilisation(s, this.last, nowMs) }]),
    );
    const actions: LabScalingAction[] = [];
    // fire runs at nextAtMs (the LabController contract): the HPA's own time is then exactly this many periods.
    this.syncs++;
    for (const a of this.loop.step(this.syncs * this.syncPeriodMs, input)) {
      cluster.setReplicas(a.service, a.to, nowMs);
      actions.push({ atMs: nowMs, service: a.service, from: a.from, to: a.to });
    }
    this.last = nowMs;
    this.next = this.syncAtMs(this.syncs + 1);
    return actions;
  }
}
