/**
 * The reactive condition's loop as a pure step: the HPA controller per scaled service, fed the CPU
 * utilisation the poller measured, returning the replica changes to apply. The caller owns time (the
 * experiment clock: wall time × time-scale, so the HPA's 15 s sync and 300 s scale-down window shrink
 * with the experiment) and applies the changes (POST /admin/replicas, or the Kubernetes API).
 */
import { HpaController, type HpaDecision, type HpaOptions } from '../../reactive/hpa-controller.js';

export interface ReactiveObservation {
  /** Replicas the controller sees as current (the deployment's spec: asked-for, as the HPA reads the scale subresource). */
  replicas: number;
  /** Average CPU utilisation of the ready pods, % of their request; null when unknown (no scaling then, as the HPA does without metrics). */
  cpuPct: number | null;
  /**
   * Pods ready (default: all of replicas). As the HPA does with not-yet-ready pods: when the ready pods'
   * utilisation asks for a scale-up, the not-ready ones are counted at 0 % and the ratio recomputed (no scaling
   * when that reverses the direction), so a scale-up still starting is not asked for again.
   */
  readyReplicas?: number;
}

export interface ReactiveAction {
  service: string;
  from: number;
  to: number;
  decision: HpaDecision;
}

export class ReactiveLoop {
  private readonly controllers = new Map<string, HpaController>();

  /** `byService`: a service's own options over `options` (a config file's per-service replica bounds, as each Deployment's HPA has its own). */
  constructor(services: readonly string[], options: Partial<HpaOptions> = {}, byService: Readonly<Record<string, Partial<HpaOptions>>> = {}) {
    if (services.length === 0) throw new Error('the reactive loop needs at least one service to scale');
    for (const s of services) this.controllers.set(s, new HpaController({ ...options, ...byService[s] }));
  }

  get services(): string[] {
    return [...this.controllers.keys()];
  }

  /** One step at experiment time nowMs: the controllers whose sync is due decide; changes come back. */
  step(nowMs: number, observations: Readonly<Record<string, ReactiveObservation | undefined>>): ReactiveAction[] {
    const actions: ReactiveAction[] = [];
    for (const [service, hpa] of this.controllers) {
      const o = observations[service];
      if (!o || o.cpuPct === null || !Number.isFinite(o.cpuPct) || o.replicas < 1) continue;
      const ready = Math.min(o.readyReplicas ?? o.replicas, o.replicas);
      let utilizationPct = o.cpuPct;
      if (ready < o.replicas && o.cpuPct > hpa.options.targetUtilizationPct) {
        // Recomputed with the not-ready pods at 0 %; a scale-up that turns into a scale-down is no scaling (as the HPA).
        utilizationPct = Math.max((o.cpuPct * ready) / o.replicas, hpa.options.targetUtilizationPct);
      }
      const decision = hpa.tick(nowMs, { currentReplicas: o.replicas, utilizationPct });
      if (decision && decision.desiredReplicas !== o.replicas) actions.push({ service, from: o.replicas, to: decision.desiredReplicas, decision });
    }
    return actions;
  }
}
