import type { DecisionKind, ScalingDecision } from '../schema.js';
import type { EnsembleVerdict } from '../voting/vote-aggregator.js';

export interface ScalingPolicyConfig {
  minReplicas: number;
  maxReplicas: number;
  /** Replicas added by one SCALE UP. */
  stepUp: number;
  /** Replicas removed by one SCALE DOWN. */
  stepDown: number;
  /** No second scale-up within this long of the last scaling action. */
  scaleUpCooldownMs: number;
  /** No scale-down within this long of the last scaling action (cf. HPA's 300 s stabilisation). */
  scaleDownCooldownMs: number;
  /** Scale down only after this many consecutive calm verdicts in a row. */
  scaleDownAfterCalmPolls: number;
  /** A verdict is calm when it does not scale up and its score is at most this. */
  calmScore: number;
}

export const DEFAULT_POLICY: ScalingPolicyConfig = {
  minReplicas: 1,
  maxReplicas: 10,
  stepUp: 1,
  stepDown: 1,
  scaleUpCooldownMs: 60_000,
  scaleDownCooldownMs: 300_000,
  scaleDownAfterCalmPolls: 10,
  calmScore: 0,
};

/** What the policy remembers per service between verdicts. */
export interface ServiceScalingState {
  /** The replicas the policy counts with, always within [minReplicas, maxReplicas]. */
  replicas: number;
  lastActionMs: number | null;
  calmStreak: number;
  /**
   * What the target was read to run when that lay outside [minReplicas, maxReplicas] (scaled by hand,
   * or the bounds changed): `replicas` holds the bound, and the next decision moves the target to it.
   */
  outOfBounds?: number;
}

export function validatePolicy(c: ScalingPolicyConfig): ScalingPolicyConfig {
  const whole = (k: keyof ScalingPolicyConfig, min: number) => {
    if (!Number.isInteger(c[k]) || c[k] < min) throw new Error(`scaling policy: '${k}' must be a whole number ≥ ${min}, got ${c[k]}`);
  };
  whole('minReplicas', 0);
  whole('maxReplicas', 1);
  whole('stepUp', 1);
  whole('stepDown', 1);
  whole('scaleDownAfterCalmPolls', 1);
  if (c.maxReplicas < c.minReplicas) throw new Error(`scaling policy: maxReplicas (${c.maxReplicas}) is below minReplicas (${c.minReplicas})`);
  for (const k of ['scaleUpCooldownMs', 'scaleDownCooldownMs'] as const) {
    if (!(c[k] >= 0)) throw new Error(`scaling policy: '${k}' must be ≥ 0, got ${c[k]}`);
  }
  if (!(c.calmScore >= 0 && c.calmScore <= 1)) throw new Error(`scaling policy: 'calmScore' must be in [0, 1], got ${c.calmScore}`);
  return c;
}

/**
 * Turns ensemble verdicts into target replicas. Pure: the state goes in and comes out, and time is
 * the verdict's poll time, so `replay`, `scale` and the experiment runner take identical decisions.
 */
export class ScalingPolicy {
  constructor(readonly config: ScalingPolicyConfig = DEFAULT_POLICY) {
    validatePolicy(config);
  }

  initialState(replicas = this.config.minReplicas): ServiceScalingState {
    return this.withReplicas({ replicas: this.config.minReplicas, lastActionMs: null, calmStreak: 0 }, replicas);
  }

  /**
   * `state` with the replica count the target was read to run. A count outside [minReplicas, maxReplicas]
   * is held at the nearer bound and remembered as `outOfBounds`: the next decision brings the target
   * to that bound (a SCALE_DOWN to the max, a SCALE_UP to the min) when the verdict itself does not move
   * it, whatever the cooldowns say, since the bounds are limits, not preferences (as an HPA's).
   */
  withReplicas(state: ServiceScalingState, replicas: number): ServiceScalingState {
    const { minReplicas, maxReplicas } = this.config;
    const held = Math.min(maxReplicas, Math.max(minReplicas, replicas));
    const { outOfBounds: _, ...rest } = state;
    return held === replicas ? { ...rest, replicas } : { ...rest, replicas: held, outOfBounds: replicas };
  }

  decide(verdict: EnsembleVerdict, nowMs: number, state: ServiceScalingState): { decision: ScalingDecision; state: ServiceScalingState } {
    const c = this.config;
    const since = state.lastActionMs === null ? Infinity : nowMs - state.lastActionMs;
    const calm = !verdict.scaleUp && verdict.score <= c.calmScore;
    const calmStreak = calm ? state.calmStreak + 1 : 0;
    let kind: DecisionKind = 'NO_ACTION';
    let replicas = state.replicas;
    let reason: string;
    if (verdict.scaleUp) {
      if (state.replicas >= c.maxReplicas) reason = `violation predicted, already at max ${c.maxReplicas} replicas`;
      else if (since < c.scaleUpCooldownMs) reason = `violation predicted, scale-up cooldown (${Math.round(since / 1000)} s < ${c.scaleUpCooldownMs / 1000} s)`;
      else {
        kind = 'SCALE_UP';
        replicas = Math.min(c.maxReplicas, state.replicas + c.stepUp);
        reason = `violation predicted (score ${verdict.score.toFixed(2)})`;
      }
    } else if (calmStreak >= c.scaleDownAfterCalmPolls && state.replicas > c.minReplicas && since >= c.scaleDownCooldownMs) {
      kind = 'SCALE_DOWN';
      replicas = Math.max(c.minReplicas, state.replicas - c.stepDown);
      reason = `${calmStreak} calm polls in a row`;
    } else {
      reason = 'no violation predicted';
    }
    if (state.outOfBounds !== undefined) {
      const bound = state.outOfBounds > c.maxReplicas ? `above max ${c.maxReplicas}` : `below min ${c.minReplicas}`;
      if (kind === 'NO_ACTION') {
        kind = state.outOfBounds > c.maxReplicas ? 'SCALE_DOWN' : 'SCALE_UP';
        reason = `the target ran ${state.outOfBounds} replicas, ${bound}: brought to ${replicas}; ${reason}`;
      } else {
        reason = `${reason}; the target ran ${state.outOfBounds} replicas, ${bound}`;
      }
    }
    const acted = kind !== 'NO_ACTION';
    return {
      decision: {
        decisionId: `${verdict.service}@${verdict.snapshotId}`,
        snapshotId: verdict.snapshotId,
        service: verdict.service,
        timestamp: verdict.timestamp,
        decision: kind,
        strategy: verdict.strategy,
        scaleUpVotes: verdict.scaleUpVotes,
        noActionVotes: verdict.noActionVotes,
        totalVotes: verdict.totalVotes,
        confidence: verdict.confidence,
        score: verdict.score,
        degraded: verdict.degraded,
        targetReplicas: replicas,
        reason: verdict.degraded ? `${reason}; degraded: no vote from ${verdict.missingModels.join(', ')}` : reason,
      },
      state: { replicas, lastActionMs: acted ? nowMs : state.lastActionMs, calmStreak: kind === 'SCALE_DOWN' ? 0 : calmStreak },
    };
  }
}
