import { DEFAULT_POLICY_NAME, scalingPolicy } from '../policy/registry.js';
import { checkServicePolicies, policyForService, verdictsForPoll, type ScalingPolicy, type ServiceScalingState } from '../policy/scaling-policy.js';
import { parseIsoTime, type ScalingDecision, type Vote } from '../schema.js';
import { VoteAggregator, type EnsembleVerdict, type VoteAggregatorOptions } from '../voting/vote-aggregator.js';
import { PollBuffer } from './poll-buffer.js';

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
 *
 * A policy that attributes across services (ScalingPolicy.attribution) decides whole polls, as replay does:
 * then completed verdicts wait in a PollBuffer (`gather`) until their poll is whole, or the vote window
 * has passed again since the poll's first verdict, and `decidePoll` decides them together.
 */
export class ScalingController {
  private readonly aggregator: VoteAggregator;
  private readonly states = new Map<string, ServiceScalingState>();
  private readonly seeded = new Set<string>();
  /** Set when the policy attributes: verdicts wait here for the rest of their poll. */
  private readonly polls: PollBuffer | undefined;

  constructor(
    aggregator: VoteAggregatorOptions,
    readonly policy: ScalingPolicy = scalingPolicy(DEFAULT_POLICY_NAME),
    /** Replica counts to start from, per service (default: the policy's minimum). */
    private readonly initialReplicas: Readonly<Record<string, number>> = {},
    /** Services with a policy of their own (a config file's per-service bounds and parameters). */
    private readonly policies: Readonly<Record<string, ScalingPolicy>> = {},
  ) {
    this.aggregator = new VoteAggregator(aggregator);
    // Attribution is a poll's business, not one service's: every service's policy must attribute as the
    // scaler's does (a config file's services inherit its defaults), and the scaler's is the one applied.
    checkServicePolicies(policy, policies);
    // A poll waits for its late services as long as one service's votes wait for a late model.
    if (policy.attribution) this.polls = new PollBuffer(aggregator.windowMs);
  }

  /** Whether decisions are taken per poll (the policy attributes across services). */
  get attributes(): boolean {
    return this.polls !== undefined;
  }

  /** The poll buffer's counts (whole, timed out, late), when the policy attributes. */
  get pollStats() {
    return this.polls?.stats;
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

  /**
   * Verdicts taken at `nowMs` (from `vote` or `expire`), grouped as they are to be decided: one group per
   * verdict, or, when the policy attributes, one per poll released by the PollBuffer (by these verdicts
   * or by time), oldest first. Each group goes to `decidePoll`, groups in the order returned.
   */
  gather(verdicts: readonly EnsembleVerdict[], nowMs: number): EnsembleVerdict[][] {
    return this.polls ? this.polls.add(verdicts, nowMs) : verdicts.map((v) => [v]);
  }

  /** Releases every poll the buffer holds (the scaler is stopping); nothing when the policy does not attribute. */
  flushPolls(): EnsembleVerdict[][] {
    return this.polls?.flush() ?? [];
  }

  /** A vote arrives at `nowMs`; returns the decisions it completed (with attribution, a whole poll's). */
  onVote(vote: Vote, nowMs: number): TakenDecision[] {
    const verdict = this.vote(vote, nowMs);
    return this.gather(verdict ? [verdict] : [], nowMs).flatMap((poll) => this.decidePoll(poll));
  }

  /** Closes the windows (and polls) that expired by `nowMs`; returns the (possibly degraded) decisions taken. */
  onTick(nowMs: number): TakenDecision[] {
    return this.gather(this.expire(nowMs), nowMs).flatMap((poll) => this.decidePoll(poll));
  }

  /**
   * Decides one group from `gather`: the policy sees the poll's verdicts after its callee attribution (verdictsForPoll,
   * as in replay and the lab), each service counted at its state's replicas before this poll.
   */
  decidePoll(poll: readonly EnsembleVerdict[]): TakenDecision[] {
    if (!this.polls) return poll.map((v) => this.decide(v));
    const entries = poll.map((verdict) => ({ verdict, observation: verdict.observation, replicas: this.stateOf(verdict.service).replicas }));
    return verdictsForPoll(this.policy, entries).map((v) => this.decide(v));
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
    return policyForService(this.policy, this.policies, service);
  }
}

function pollTime(timestamp: string): number {
  const ms = parseIsoTime(timestamp);
  return Number.isNaN(ms) ? 0 : ms;
}
