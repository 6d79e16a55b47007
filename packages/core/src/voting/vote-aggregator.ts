import type { PollObservation, Vote } from '../schema.js';
import type { VoteStrategy } from './vote-strategy.js';

/** The ensemble's verdict for one (service, snapshot), with the votes it was taken on. */
export interface EnsembleVerdict {
  snapshotId: string;
  service: string;
  timestamp: string;
  strategy: string;
  votes: Vote[];
  scaleUp: boolean;
  score: number;
  scaleUpVotes: number;
  noActionVotes: number;
  totalVotes: number;
  /** Mean confidence of the votes counted. */
  confidence: number;
  /** Taken at window close without every expected model. */
  degraded: boolean;
  /** Expected models that had not voted when the verdict was taken. */
  missingModels: string[];
  /** The poll's measurements, from the first vote (in model order) that carried them. */
  observation?: PollObservation;
}

export interface VoteAggregatorOptions {
  strategy: VoteStrategy;
  /** Names of the models expected to vote on every (service, snapshot). */
  expectedModels: readonly string[];
  /** How long after its first vote a (service, snapshot) waits for the rest. */
  windowMs: number;
  /** Votes needed to decide at window close (default: a majority of the expected models). */
  quorum?: number;
  /** How many decided keys to remember for recognising late votes (bounded memory). */
  rememberDecided?: number;
}

export interface VoteAggregatorStats {
  votes: number;
  duplicates: number;
  /** Votes that arrived after their (service, snapshot) was decided: counted, not re-decided. */
  late: number;
  /** Votes from models not in the expected set: counted and ignored. */
  unexpected: number;
  decided: number;
  degraded: number;
  /** Windows that closed below quorum: no decision taken. */
  expiredBelowQuorum: number;
  /**
   * Verdicts taken on votes that carried no poll measurements (a producer older than `observed`): the policy
   * cannot size from CPU, and `regime` cannot tell a hot poll from a calm one, so neither acts on them.
   */
  withoutObservation: number;
}

interface Open {
  snapshotId: string;
  service: string;
  timestamp: string;
  deadlineMs: number;
  votes: Map<string, Vote>;
}

/**
 * Collects votes per (service, snapshot) and takes one decision for each: as soon as every expected
 * model has voted, or when the window closes with at least a quorum. A model's second vote on the same
 * key counts once. Time is an input (`nowMs`), never read here, so replays and live runs agree.
 */
export class VoteAggregator {
  readonly stats: VoteAggregatorStats = { votes: 0, duplicates: 0, late: 0, unexpected: 0, decided: 0, degraded: 0, expiredBelowQuorum: 0, withoutObservation: 0 };
  private readonly open = new Map<string, Open>();
  private readonly decided = new Set<string>();
  /** Ring buffer of decided keys in decision order, to forget the oldest in O(1). */
  private readonly decidedOrder: (string | undefined)[];
  private decidedNext = 0;
  private readonly expected: Set<string>;
  private readonly quorum: number;
  private readonly remember: number;

  constructor(readonly options: VoteAggregatorOptions) {
    if (options.expectedModels.length === 0) throw new Error('VoteAggregator: expectedModels must name at least one model');
    if (!(options.windowMs >= 0)) throw new Error(`VoteAggregator: windowMs must be ≥ 0, got ${options.windowMs}`);
    this.expected = new Set(options.expectedModels);
    this.quorum = options.quorum ?? Math.floor(options.expectedModels.length / 2) + 1;
    if (!Number.isInteger(this.quorum) || this.quorum < 1 || this.quorum > this.expected.size) {
      throw new Error(`VoteAggregator: quorum must be a whole number from 1 to ${this.expected.size}, got ${options.quorum}`);
    }
    this.remember = options.rememberDecided ?? 100_000;
    if (!Number.isInteger(this.remember) || this.remember < 1) throw new Error(`VoteAggregator: rememberDecided must be a whole number ≥ 1, got ${options.rememberDecided}`);
    this.decidedOrder = new Array(this.remember);
  }

  /** Adds a vote; returns the verdict if this vote completed its (service, snapshot), else null. */
  add(vote: Vote, nowMs: number): EnsembleVerdict | null {
    this.stats.votes++;
    if (!this.expected.has(vote.model)) {
      this.stats.unexpected++;
      return null;
    }
    const key = `${vote.service}\u0000${vote.snapshotId}`;
    if (this.decided.has(key)) {
      this.stats.late++;
      return null;
    }
    let o = this.open.get(key);
    if (!o) {
      o = { snapshotId: vote.snapshotId, service: vote.service, timestamp: vote.timestamp, deadlineMs: nowMs + this.options.windowMs, votes: new Map() };
      this.open.set(key, o);
    }
    if (o.votes.has(vote.model)) {
      this.stats.duplicates++;
      return null;
    }
    o.votes.set(vote.model, vote);
    if (o.votes.size < this.expected.size) return null;
    return this.close(key, o);
  }

  /** Closes every window whose deadline has passed; returns the verdicts taken on quorum. */
  tick(nowMs: number): EnsembleVerdict[] {
    const out: EnsembleVerdict[] = [];
    for (const [key, o] of this.open) {
      if (o.deadlineMs > nowMs) continue;
      if (o.votes.size >= this.quorum) out.push(this.close(key, o));
      else {
        this.stats.expiredBelowQuorum++;
        this.open.delete(key);
        this.markDecided(key);
      }
    }
    return out;
  }

  /** Number of (service, snapshot) keys still waiting for votes. */
  get pending(): number {
    return this.open.size;
  }

  private close(key: string, o: Open): EnsembleVerdict {
    this.open.delete(key);
    this.markDecided(key);
    // Order votes as the expected models are listed, so output does not depend on arrival order.
    const votes: Vote[] = [];
    for (const m of this.options.expectedModels) {
      const v = o.votes.get(m);
      if (v) votes.push(v);
    }
    const verdict = verdictFrom(votes, this.options.strategy, this.options.expectedModels, o);
    this.stats.decided++;
    if (verdict.degraded) this.stats.degraded++;
    if (!verdict.observation) this.stats.withoutObservation++;
    return verdict;
  }

  private markDecided(key: string): void {
    // Forget the oldest decided key once `remember` are held. (Deleting a Set's first entry instead
    // is O(n) in V8 while deleted slots pile up; it made the aggregator the replay's hot spot.)
    const oldest = this.decidedOrder[this.decidedNext];
    if (oldest !== undefined) this.decided.delete(oldest);
    this.decidedOrder[this.decidedNext] = key;
    this.decidedNext = (this.decidedNext + 1) % this.remember;
    this.decided.add(key);
  }
}

/**
 * The ensemble's verdict on one (service, snapshot) from the votes counted, ordered as `expectedModels`.
 * The one place a verdict is made: the VoteAggregator calls it when a key completes or its window
 * closes, and replay calls it directly because it holds every model's vote for a row at once.
 */
export function verdictFrom(
  votes: Vote[],
  strategy: VoteStrategy,
  expectedModels: readonly string[],
  key: { snapshotId: string; service: string; timestamp: string },
  /** The poll's measurements when the caller holds them (replay, the lab): what the strategy reads, before the votes' own. */
  pollObservation?: PollObservation,
): EnsembleVerdict {
  const observation = votes.find((v) => v.observation)?.observation;
  const { scaleUp, score } = strategy.decide(votes, pollObservation ?? observation);
  let up = 0;
  let conf = 0;
  for (const v of votes) {
    up += v.prediction;
    conf += v.confidence;
  }
  const degraded = votes.length < expectedModels.length;
  return {
    snapshotId: key.snapshotId,
    service: key.service,
    timestamp: key.timestamp,
    strategy: strategy.name,
    votes,
    scaleUp,
    score,
    scaleUpVotes: up,
    noActionVotes: votes.length - up,
    totalVotes: votes.length,
    confidence: votes.length === 0 ? 0 : conf / votes.length,
    degraded,
    missingModels: degraded ? expectedModels.filter((m) => !votes.some((v) => v.model === m)) : [],
    ...(observation ? { observation } : {}),
  };
}
