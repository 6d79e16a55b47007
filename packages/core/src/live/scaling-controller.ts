import { DEFAULT_POLICY_NAME, scalingPolicy } from '../policy/registry.js';
import type { ScalingPolicy, ServiceScalingState } from '../policy/scaling-policy.js';
import { parseIsoTime, type ScalingDecision, type Vote } from '../schema.js';
import { VoteAggregator, type EnsembleVerdict, type VoteAggregatorOptions } from '../voting/vote-aggregator.js';

/** A decision with the verdict it was taken on. */
export interface TakenDecision {
  verdict: EnsembleVerdict;
  decision: ScalingDecision;
}

/**
 * The live scaler's logic without its transport: votes in, decisions out. It is the VoteAggregator
 * (windows, quorum, duplicate and late votes) feeding the same ScalingPolicy replay uses, with one
 * policy state per service. The decision's time is its snapshot's poll time, as in replay, so a
 * recording pushed through Kafka yields replay's decisions. Time is an input; nothing here reads a clock.
 */
export class ScalingController {
  private readonly aggregator: VoteAggregator;
  private readonly states = new Map<string, ServiceScalingState>();
  private readonly seeded = new Set<string>();

  constructor(
    aggregator: VoteAggregatorOptions,
    readonly policy: ScalingPolicy = scalingPolicy(DEFAULT_POLICY_NAME),
    /** Replica counts to start from, per service (default: the policy's minimum). */
    private readonly initialReplicas: Readonly<Record<string, number>> = {},
    /** Services with a policy of their own (a config file's per-service bounds and parameters). */
    private readonly policies: Readonly<Record<string, ScalingPolicy>> = {},
  ) {
    this.aggregator = new VoteAggregator(aggregator);
    for (const [service, p] of [['every service', policy] as const, ...Object.entries(policies)]) {
      // It decides each service as its votes complete; attribution needs the whole poll first.
      if (p.attribute) throw new Error(`scaling policy ${p.name} (${service}) attributes across services (attributionMinUtilization > 0), which needs whole polls: replay and lab do it, the live scaler does not yet`);
    }
  }

  get stats() {
    return this.aggregator.stats;
  }

  /** Current replica target per service, as the policy tracks it. */
  replicas(service: string): number {
    return this.stateOf(service).replicas;
  }

  /** Whether the policy has a state for this service yet (a decision was taken or it was seeded). */
  knows(service: string): boolean {
    return this.states.has(service);
  }

  /**
   * The target was read to run `replicas` of `service`. Before the service's first decision this is where
   * its policy starts; after decisions taken without it (the first read failed and was retried), it
   * replaces the count the policy started from its minimum, keeping the cooldowns. A count outside the
   * policy's min and max is held at the bound, and the next decision moves the target there
   * (ScalingPolicy.withReplicas). Only the first read counts: afterwards the policy's own count is the
   * better record of what it asked for. Returns whether the read was taken.
   */
  seed(service: string, replicas: number): boolean {
    if (this.seeded.has(service) || !Number.isInteger(replicas) || replicas < 0) return false;
    this.seeded.add(service);
    this.states.set(service, this.policyFor(service).withReplicas(this.stateOf(service), replicas));
    return true;
  }

  /** A vote arrives at `nowMs`; returns the verdict it completed, if any (not decided yet: see `decide`). */
  vote(vote: Vote, nowMs: number): EnsembleVerdict | null {
    return this.aggregator.add(vote, nowMs);
  }

  /** Closes the windows that expired by `nowMs`; returns their (possibly degraded) verdicts, not decided yet. */
  expire(nowMs: number): EnsembleVerdict[] {
    return this.aggregator.tick(nowMs);
  }

  /** A vote arrives at `nowMs`; returns the decision it completed, if any. */
  onVote(vote: Vote, nowMs: number): TakenDecision | null {
    const verdict = this.vote(vote, nowMs);
    return verdict ? this.decide(verdict) : null;
  }

  /** Closes the windows that expired by `nowMs`; returns the (possibly degraded) decisions taken. */
  onTick(nowMs: number): TakenDecision[] {
    return this.expire(nowMs).map((v) => this.decide(v));
  }

  /** The policy decides on a verdict, from and into its service's state. */
  decide(verdict: EnsembleVerdict): TakenDecision {
    const { decision, state } = this.policyFor(verdict.service).decide(verdict, pollTime(verdict.timestamp), this.stateOf(verdict.service), verdict.observation);
    this.states.set(verdict.service, state);
    return { verdict, decision };
  }

  private stateOf(service: string): ServiceScalingState {
    return this.states.get(service) ?? this.policyFor(service).initialState(this.initialReplicas[service]);
  }

  /** The policy that decides for `service`: its own, else the scaler's. */
  policyFor(service: string): ScalingPolicy {
    return this.policies[service] ?? this.policy;
  }
}

function pollTime(timestamp: string): number {
  const ms = parseIsoTime(timestamp);
  return Number.isNaN(ms) ? 0 : ms;
}
