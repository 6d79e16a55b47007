import type { PollObservation, Vote } from '../schema.js';

/** The ensemble's verdict on one (service, snapshot) before the scaling policy acts on it. */
export interface StrategyResult {
  /** True: the ensemble predicts an SLO violation (vote to scale up). */
  scaleUp: boolean;
  /** The strategy's score for "violation" in [0, 1]: what it compared with its threshold. */
  score: number;
}

/** How a set of model votes becomes one verdict. One implementation per file under strategies/. */
export interface VoteStrategy {
  readonly name: string;
  /**
   * The verdict on one (service, poll). `observation` is the poll's own measurements where the caller has
   * them (replay and the lab always; the live scaler when serve-model passed them on with the votes): a
   * strategy may read the poll's latency (`regime` does), the others look only at the votes.
   */
  decide(votes: readonly Vote[], observation?: PollObservation): StrategyResult;
}
