import { ScalingPolicy, type ServiceScalingState } from '../policy/scaling-policy.js';
import { parseIsoTime, type ScalingDecision, type Vote } from '../schema.js';
import { VoteAggregator, type EnsembleVerdict, type VoteAggregatorOptions } from '../voting/vote-aggregator.js';

/**
 * The live scaler's logic without its transport: votes in, decisions out. It is the VoteAggregator
 * (windows, quorum, duplicate and late votes) feeding the same ScalingPolicy replay uses, with one
 * policy state per service. The decision's time is its snapshot's poll time, as in replay, so a
 * recording pushed through Kafka yields replay's decisions. Time is an input; nothing here reads a clock.
 */
export class ScalingController {
  private readonly aggregator: VoteAggregator;
  private readonly states = new Map<string, ServiceScalingState>();

  constructor(
    aggregator: VoteAggregatorOptions,
    readonly policy: ScalingPolicy = new ScalingPolicy(),
    /** Replica counts to start from, per service (default: the policy's minimum). */
    private readonly initialReplicas: Readonly<Record<string, number>> = {},
  ) {
    this.aggregator = new VoteAggregator(aggregator);
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
   * Starts a service's policy state at `replicas` (clamped to the policy's min and max), as read from
   * the target before the service's first decision. Ignored once the service has a state: the policy's
   * own count is then the better record of what it asked for.
   */
  seed(service: string, replicas: number): boolean {
    if (this.states.has(service) || !Number.isInteger(replicas) || replicas < 0) return false;
    this.states.set(service, this.policy.initialState(replicas));
    return true;
  }

  /** A vote arrives at `nowMs`; returns the decision it completed, if any. */
  onVote(vote: Vote, nowMs: number): { verdict: EnsembleVerdict; decision: ScalingDecision } | null {
    const verdict = this.aggregator.add(vote, nowMs);
    return verdict ? this.decide(verdict) : null;
  }

  /** Closes the windows that expired by `nowMs`; returns the (possibly degraded) decisions taken. */
  onTick(nowMs: number): { verdict: EnsembleVerdict; decision: ScalingDecision }[] {
    return this.aggregator.tick(nowMs).map((v) => this.decide(v));
  }

  private decide(verdict: EnsembleVerdict) {
    const { decision, state } = this.policy.decide(verdict, pollTime(verdict.timestamp), this.stateOf(verdict.service));
    this.states.set(verdict.service, state);
    return { verdict, decision };
  }

  private stateOf(service: string): ServiceScalingState {
    return this.states.get(service) ?? this.policy.initialState(this.initialReplicas[service]);
  }
}

function pollTime(timestamp: string): number {
  const ms = parseIsoTime(timestamp);
  return Number.isNaN(ms) ? 0 : ms;
}
