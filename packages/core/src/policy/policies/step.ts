import type { DecisionKind } from '../../schema.js';
import type { EnsembleVerdict } from '../../voting/vote-aggregator.js';
import { decisionFor, stateWithReplicas, validateBounds, type PolicyOutcome, type ReplicaBounds, type ScalingPolicy, type ServiceScalingState } from '../scaling-policy.js';

export interface StepPolicyConfig extends ReplicaBounds {
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

export const DEFAULT_STEP_POLICY: StepPolicyConfig = {
  minReplicas: 1,
  maxReplicas: 10,
  stepUp: 1,
  stepDown: 1,
  scaleUpCooldownMs: 60_000,
  scaleDownCooldownMs: 300_000,
  scaleDownAfterCalmPolls: 10,
  calmScore: 0,
};

export function validateStepPolicy(c: StepPolicyConfig): StepPolicyConfig {
  validateBounds(c, 'step');
  const whole = (k: keyof StepPolicyConfig, min: number) => {
    if (!Number.isInteger(c[k]) || c[k] < min) throw new Error(`scaling policy step: '${k}' must be a whole number ≥ ${min}, got ${c[k]}`);
  };
  whole('stepUp', 1);
  whole('stepDown', 1);
  whole('scaleDownAfterCalmPolls', 1);
  for (const k of ['scaleUpCooldownMs', 'scaleDownCooldownMs'] as const) {
    if (!(c[k] >= 0)) throw new Error(`scaling policy step: '${k}' must be ≥ 0, got ${c[k]}`);
  }
  if (!(c.calmScore >= 0 && c.calmScore <= 1)) throw new Error(`scaling policy step: 'calmScore' must be in [0, 1], got ${c.calmScore}`);
  return c;
}

/**
 * sockml's first policy: a verdict of "violation" adds `stepUp` replicas (at most once per cooldown);
 * `scaleDownAfterCalmPolls` calm verdicts in a row, and a longer cooldown, remove `stepDown`. It reads
 * only the verdict. On the calibrated emulator it scales the front-end by one replica per cooldown while
 * the front-end's p95 sits near the SLO for reasons more front-end replicas do not remove (see
 * docs/EXPERIMENTS.md).
 */
export class StepPolicy implements ScalingPolicy {
  readonly name = 'step';

  constructor(readonly config: StepPolicyConfig = DEFAULT_STEP_POLICY) {
    validateStepPolicy(config);
  }

  get bounds(): ReplicaBounds {
    return this.config;
  }

  get settings(): { readonly [K in keyof StepPolicyConfig]: number } {
    return this.config;
  }

  initialState(replicas = this.config.minReplicas): ServiceScalingState {
    return this.withReplicas({ replicas: this.config.minReplicas, lastActionMs: null, calmStreak: 0 }, replicas);
  }

  withReplicas(state: ServiceScalingState, replicas: number): ServiceScalingState {
    return stateWithReplicas(this.config, state, replicas);
  }

  decide(verdict: EnsembleVerdict, nowMs: number, state: ServiceScalingState): PolicyOutcome {
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
    const { decision, kind: final } = decisionFor(verdict, c, state, { kind, replicas, reason });
    const acted = final !== 'NO_ACTION';
    return { decision, state: { replicas, lastActionMs: acted ? nowMs : state.lastActionMs, calmStreak: final === 'SCALE_DOWN' ? 0 : calmStreak } };
  }
}
