import type { DecisionKind, PollObservation, ScalingDecision } from '../schema.js';
import type { EnsembleVerdict } from '../voting/vote-aggregator.js';
import { attributeToBusiestCallee, type CalleeAttributionConfig, type PollEntry } from './callee-attribution.js';

/**
 * What a service measured at the poll a verdict is about: the sample's metrics (null = missing, never 0).
 * replay has it from the recording; the live scaler from the votes, which carry their poll's observation
 * (collect → `metrics` → serve-model → `model-votes`); the lab from its own poll. A policy that uses it
 * must still decide without it (an older producer's message).
 */
export type PolicyObservation = PollObservation;

/** The bounds every policy keeps, whatever else it is configured with. */
export interface ReplicaBounds {
  minReplicas: number;
  maxReplicas: number;
}

/** What a policy remembers per service between verdicts. Policies may keep more (extend it). */
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

export interface PolicyOutcome<S extends ServiceScalingState = ServiceScalingState> {
  decision: ScalingDecision;
  state: S;
}

/**
 * Turns an ensemble verdict (and the poll's observation) into a target replica count, per service. A policy
 * is pure: the state goes in and comes out, and time is the verdict's poll time, so `replay`, `scale`,
 * `experiment run` and `lab` take identical decisions. One implementation per file in policies/, named in
 * registry.ts, as the vote strategies are.
 */
export interface ScalingPolicy<S extends ServiceScalingState = ServiceScalingState> {
  /** The name `--policy` selects it by. */
  readonly name: string;
  readonly bounds: ReplicaBounds;
  /**
   * Every setting the policy runs with, defaults included, by the keys `--policy-set` and config files use
   * (registry.ts): what a caller reads to describe or warn about a policy without knowing its class.
   */
  readonly settings: Readonly<Record<string, number>>;
  /** The state a service starts in, running `replicas` (default: the minimum). */
  initialState(replicas?: number): S;
  /**
   * `state` with the replica count the target was read to run. A count outside the bounds is held at the
   * nearer bound and remembered as `outOfBounds`: the next decision brings the target to that bound.
   */
  withReplicas(state: S, replicas: number): S;
  decide(verdict: EnsembleVerdict, nowMs: number, state: S, observation?: PolicyObservation): PolicyOutcome<S>;
  /**
   * Present only on a policy that looks across the services of one poll before any of them decides
   * (callee attribution): `verdictsForPoll` then turns the poll's verdicts into those `decide` is given.
   * It needs every service of the poll at once: `replay` groups a run's rows by poll, `lab` has whole polls,
   * and the live scaler gathers them (PollBuffer). Data, not a function, so that two policies can be told
   * to attribute alike (the live scaler allows one attribution for all its services).
   */
  readonly attribution?: CalleeAttributionConfig;
}

/**
 * The verdicts a policy decides one poll on: the poll's own, or their callee attribution. Every caller that
 * has whole polls (replay, lab, the live scaler) goes through here, so they cannot differ.
 */
export function verdictsForPoll(policy: ScalingPolicy<any>, poll: readonly PollEntry[]): EnsembleVerdict[] {
  return policy.attribution ? attributeToBusiestCallee(poll, policy.attribution) : poll.map((e) => e.verdict);
}

export function validateBounds(b: ReplicaBounds, policy: string): void {
  if (!Number.isInteger(b.minReplicas) || b.minReplicas < 0) throw new Error(`scaling policy ${policy}: 'minReplicas' must be a whole number ≥ 0, got ${b.minReplicas}`);
  if (!Number.isInteger(b.maxReplicas) || b.maxReplicas < 1) throw new Error(`scaling policy ${policy}: 'maxReplicas' must be a whole number ≥ 1, got ${b.maxReplicas}`);
  if (b.maxReplicas < b.minReplicas) throw new Error(`scaling policy ${policy}: maxReplicas (${b.maxReplicas}) is below minReplicas (${b.minReplicas})`);
}

/** withReplicas for every policy: the count held within the bounds, an outlier remembered. */
export function stateWithReplicas<S extends ServiceScalingState>(bounds: ReplicaBounds, state: S, replicas: number): S {
  const held = Math.min(bounds.maxReplicas, Math.max(bounds.minReplicas, replicas));
  const { outOfBounds: _, ...rest } = state;
  return (held === replicas ? { ...rest, replicas } : { ...rest, replicas: held, outOfBounds: replicas }) as S;
}

/**
 * The decision record every policy returns: kind and target from the policy, the rest from the verdict.
 * A target read outside the bounds (state.outOfBounds) turns NO_ACTION into the move to the bound.
 */
export function decisionFor(
  verdict: EnsembleVerdict,
  bounds: ReplicaBounds,
  state: ServiceScalingState,
  chosen: { kind: DecisionKind; replicas: number; reason: string },
): { decision: ScalingDecision; kind: DecisionKind } {
  let { kind, reason } = chosen;
  if (state.outOfBounds !== undefined) {
    const where = state.outOfBounds > bounds.maxReplicas ? `above max ${bounds.maxReplicas}` : `below min ${bounds.minReplicas}`;
    if (kind === 'NO_ACTION') {
      kind = state.outOfBounds > bounds.maxReplicas ? 'SCALE_DOWN' : 'SCALE_UP';
      reason = `the target ran ${state.outOfBounds} replicas, ${where}: brought to ${chosen.replicas}; ${reason}`;
    } else {
      reason = `${reason}; the target ran ${state.outOfBounds} replicas, ${where}`;
    }
  }
  return {
    kind,
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
      targetReplicas: chosen.replicas,
      reason: verdict.degraded ? `${reason}; degraded: no vote from ${verdict.missingModels.join(', ')}` : reason,
    },
  };
}

/**
 * The policy that decides for `service`: its own (a config file's per-service bounds and settings), else the
 * shared one. `replay`, `lab` and the live scaler pick it the same way.
 */
export function policyForService(shared: ScalingPolicy, policies: Readonly<Record<string, ScalingPolicy>>, service: string): ScalingPolicy {
  return policies[service] ?? shared;
}

/**
 * Refuses per-service policies that attribute otherwise than the shared one: callee attribution looks across a
 * poll's services, so it is a setting of the whole scaler (and of a replay or lab run), not of one service.
 */
export function checkServicePolicies(shared: ScalingPolicy, policies: Readonly<Record<string, ScalingPolicy>>): void {
  for (const [service, p] of Object.entries(policies)) {
    if (JSON.stringify(p.attribution) !== JSON.stringify(shared.attribution)) {
      throw new Error(`scaling policy ${p.name} (${service}): callee attribution (attributionMinUtilization, midTierAttributionMinUtilization) is set for the whole scaler, not per service; ${service} sets it otherwise than the others`);
    }
  }
}
