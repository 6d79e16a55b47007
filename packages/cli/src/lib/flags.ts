import { Flags } from '@oclif/core';
import { DEFAULT_POLL_INTERVAL_MS, parseDuration, STRATEGY_NAMES, voteStrategyFromCards, WEIGHTINGS, type ModelCard, type VoteStrategy, type Weighting } from '@sockml/core';
import { InputError } from './base-command.js';

/** A duration flag (`30s`, `1m30s`, `500ms`) in ms; a bad value is bad input naming the flag. */
export function durationFlag(flag: string, raw: string, options: { allowZero?: boolean } = {}): number {
  try {
    return parseDuration(raw, options);
  } catch (e) {
    throw new InputError(`--${flag}: ${(e as Error).message}`);
  }
}

/**
 * `--poll-interval`, for commands that read recordings: the interval they were collected at. A series
 * whose next poll comes 1.5 intervals later or more has a missing poll, and features and labels do not
 * reach across it (as collect's own CSV deltas and labels do not).
 */
export const pollIntervalFlag = Flags.string({
  description: "the recordings' poll interval; features and labels do not reach across a missing poll (a gap of 1.5 intervals or more)",
  default: `${DEFAULT_POLL_INTERVAL_MS / 1000}s`,
});

/**
 * `--feature-set` of the commands that build training data (`train`, `dataset build`): the set the bundled
 * models use (models/*.card.json), so a matrix built with defaults is the one `train` would train on.
 * trend-v2 classifies better in nested CV but makes the closed loop worse (models/README.md).
 */
export const TRAINING_FEATURE_SET = 'seed-v1';

/** `--connect-timeout` of the commands that need Kafka: how long a broker may take to answer at start-up. */
export const connectTimeoutFlag = Flags.string({
  description: 'give up (exit 4) when the Kafka brokers have not answered within this long at start-up',
  default: '30s',
});

/**
 * `--weights`, the weighted strategy's option: 'f1' averages the calibrated probabilities with the cards'
 * weights (each model's cross-validated F1); 'stacked' combines them by the weights learned on out-of-fold
 * probabilities (a logistic regression on the calibrated logits, models/README.md).
 */
export const weightsFlag = Flags.string({
  description: "--strategy weighted: 'f1' = calibrated probabilities averaged with the cards' weights; 'stacked' = the learned (stacked) vote weights",
  options: [...WEIGHTINGS],
  default: 'f1',
});

/** --strategy, as every command that votes takes it; `proactive` prefixes the description for commands with conditions. */
export function strategyFlag(proactive = false) {
  return Flags.string({
    description: `${proactive ? 'proactive: ' : ''}how the votes combine: majority counts votes, unanimous needs all, weighted averages probabilities, regime predicts a violation where the p95 of the poll is over the SLO and asks the calm model of the cards elsewhere`,
    options: [...STRATEGY_NAMES],
    default: 'majority',
  });
}

/** The vote strategy the flags ask for, configured from the cards in use. */
export function strategyFromFlags(flags: { strategy: string; weights: string }, cards: readonly ModelCard[], sloMs?: number): VoteStrategy {
  if (flags.weights !== 'f1' && flags.strategy !== 'weighted') throw new InputError(`--weights ${flags.weights} applies to --strategy weighted only, not ${flags.strategy}`);
  return voteStrategyFromCards(flags.strategy, cards, flags.weights as Weighting, sloMs === undefined ? {} : { sloMs });
}
