/**
 * The reactive baseline: the Kubernetes HorizontalPodAutoscaler (autoscaling/v2) for one deployment and
 * one metric, CPU utilisation as a percentage of the pods' CPU request. Pure: time is an input.
 *
 * What this follows, from the Kubernetes documentation ("Horizontal Pod Autoscaling", algorithm details
 * and configurable scaling behavior) and the HPAScalingRules API reference:
 *  - desiredReplicas = ceil(currentReplicas × currentMetricValue / desiredMetricValue);
 *  - no scaling when the ratio is within the tolerance of 1.0 (default 0.1);
 *  - the controller runs every sync period (default 15 s, --horizontal-pod-autoscaler-sync-period);
 *  - stabilization: scale-down uses the highest recommendation of the last 300 s; scale-up has no
 *    window by default (0 s, i.e. the lowest recommendation of an empty window: the current one);
 *  - default scale-up policies: +100 % or +4 pods per 15 s, selectPolicy Max (the larger change);
 *    default scale-down policy: −100 % per 15 s (down to minReplicas at once);
 *  - a policy limits the change relative to the replica count at the start of its period: replicas
 *    already added (removed) by scale events inside the last periodSeconds count against it;
 *  - the result is kept within [minReplicas, maxReplicas].
 * Not modelled: missing metrics and not-ready pods (the controller's conservative assumptions for
 * them), initial readiness delays, and multiple metrics.
 */

export interface HpaPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface HpaScalingRules {
  stabilizationWindowSeconds: number;
  /** Max: the policy allowing the biggest change wins; Min: the smallest; Disabled: no scaling this way. */
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: HpaPolicy[];
}

export interface HpaOptions {
  minReplicas: number;
  maxReplicas: number;
  /** Target average CPU utilisation, % of the request. */
  targetUtilizationPct: number;
  tolerance: number;
  syncPeriodMs: number;
  scaleUp: HpaScalingRules;
  scaleDown: HpaScalingRules;
}

export const DEFAULT_HPA_OPTIONS: HpaOptions = {
  minReplicas: 1,
  maxReplicas: 10,
  targetUtilizationPct: 70,
  tolerance: 0.1,
  syncPeriodMs: 15_000,
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Percent', value: 100, periodSeconds: 15 },
      { type: 'Pods', value: 4, periodSeconds: 15 },
    ],
  },
  scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
};

export interface HpaObservation {
  currentReplicas: number;
  /** Average CPU utilisation of the pods, % of their request. */
  utilizationPct: number;
}

export interface HpaDecision {
  desiredReplicas: number;
  /** ceil(current × ratio), or current within the tolerance: before stabilization, policies and bounds. */
  recommendation: number;
  /** What shaped the result last. */
  reason: 'within-tolerance' | 'metric' | 'stabilized' | 'rate-limited' | 'bounds';
}

export class HpaController {
  readonly options: HpaOptions;
  private recommendations: { atMs: number; replicas: number }[] = [];
  private scaleEvents: { atMs: number; change: number }[] = [];
  private lastSyncMs: number | null = null;

  constructor(options: Partial<HpaOptions> = {}) {
    this.options = { ...DEFAULT_HPA_OPTIONS, ...options };
    const o = this.options;
    if (!(o.minReplicas >= 1 && o.maxReplicas >= o.minReplicas)) throw new Error(`HPA needs 1 ≤ minReplicas ≤ maxReplicas, got ${o.minReplicas}..${o.maxReplicas}`);
    if (!(o.targetUtilizationPct > 0)) throw new Error(`HPA target utilisation must be > 0 %, got ${o.targetUtilizationPct}`);
  }

  /** Whether a sync is due at nowMs (the first one always is). */
  due(nowMs: number): boolean {
    return this.lastSyncMs === null || nowMs - this.lastSyncMs >= this.options.syncPeriodMs;
  }

  /** One sync when due, else null: call it as often as convenient. */
  tick(nowMs: number, observation: HpaObservation): HpaDecision | null {
    return this.due(nowMs) ? this.sync(nowMs, observation) : null;
  }

  /**
   * One reconcile: the decision for now. The controller assumes its decision is applied (as the real
   * one writes the scale subresource), recording a scale event when it changes the replica count.
   */
  sync(nowMs: number, { currentReplicas, utilizationPct }: HpaObservation): HpaDecision {
    const o = this.options;
    this.lastSyncMs = nowMs;
    const ratio = utilizationPct / o.targetUtilizationPct;
    const withinTolerance = Math.abs(ratio - 1) <= o.tolerance;
    const recommendation = withinTolerance ? currentReplicas : Math.ceil(currentReplicas * ratio);
    let reason: HpaDecision['reason'] = withinTolerance ? 'within-tolerance' : 'metric';

    // Stabilization over the windows (the current recommendation included).
    this.recommendations.push({ atMs: nowMs, replicas: recommendation });
    const longest = Math.max(o.scaleUp.stabilizationWindowSeconds, o.scaleDown.stabilizationWindowSeconds) * 1000;
    this.recommendations = this.recommendations.filter((r) => r.atMs > nowMs - longest || r.atMs === nowMs);
    const inWindow = (seconds: number) => this.recommendations.filter((r) => r.atMs > nowMs - seconds * 1000 || r.atMs === nowMs).map((r) => r.replicas);
    const upRecommendation = Math.min(...inWindow(o.scaleUp.stabilizationWindowSeconds));
    const downRecommendation = Math.max(...inWindow(o.scaleDown.stabilizationWindowSeconds));
    let stabilized = currentReplicas;
    if (stabilized < upRecommendation) stabilized = upRecommendation;
    if (stabilized > downRecommendation) stabilized = downRecommendation;
    if (stabilized !== recommendation) reason = 'stabilized';

    // Rate limits and bounds.
    let desired = stabilized;
    if (stabilized > currentReplicas) {
      const limit = Math.min(Math.max(this.scaleUpLimit(currentReplicas, nowMs), currentReplicas), o.maxReplicas);
      if (desired > limit) [desired, reason] = [limit, limit === o.maxReplicas ? 'bounds' : 'rate-limited'];
    } else if (stabilized < currentReplicas) {
      const limit = Math.max(Math.min(this.scaleDownLimit(currentReplicas, nowMs), currentReplicas), o.minReplicas);
      if (desired < limit) [desired, reason] = [limit, limit === o.minReplicas ? 'bounds' : 'rate-limited'];
    }
    if (desired < o.minReplicas || desired > o.maxReplicas) [desired, reason] = [Math.min(Math.max(desired, o.minReplicas), o.maxReplicas), 'bounds'];

    if (desired !== currentReplicas) this.scaleEvents.push({ atMs: nowMs, change: desired - currentReplicas });
    const oldest = Math.max(0, ...[...o.scaleUp.policies, ...o.scaleDown.policies].map((p) => p.periodSeconds)) * 1000;
    this.scaleEvents = this.scaleEvents.filter((e) => e.atMs > nowMs - oldest);
    return { desiredReplicas: desired, recommendation, reason };
  }

  /** Replicas added (positive) or removed (negative, as a positive number) inside the last `periodSeconds`. */
  private changedWithin(periodSeconds: number, nowMs: number, sign: 1 | -1): number {
    let n = 0;
    for (const e of this.scaleEvents) if (e.atMs > nowMs - periodSeconds * 1000 && Math.sign(e.change) === sign) n += Math.abs(e.change);
    return n;
  }

  private scaleUpLimit(current: number, nowMs: number): number {
    const rules = this.options.scaleUp;
    if (rules.selectPolicy === 'Disabled' || rules.policies.length === 0) return current;
    const proposals = rules.policies.map((p) => {
      const start = current - this.changedWithin(p.periodSeconds, nowMs, 1);
      return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    });
    return rules.selectPolicy === 'Max' ? Math.max(...proposals) : Math.min(...proposals);
  }

  private scaleDownLimit(current: number, nowMs: number): number {
    const rules = this.options.scaleDown;
    if (rules.selectPolicy === 'Disabled' || rules.policies.length === 0) return current;
    const proposals = rules.policies.map((p) => {
      const start = current + this.changedWithin(p.periodSeconds, nowMs, -1);
      return p.type === 'Pods' ? start - p.value : Math.floor(start * (1 - p.value / 100));
    });
    // For scale-down the biggest change is the lowest count.
    return rules.selectPolicy === 'Max' ? Math.min(...proposals) : Math.max(...proposals);
  }
}
