import type { VoteStrategy } from '../vote-strategy.js';
import { majorityStrategy } from './majority.js';
import { unanimousStrategy } from './unanimous.js';
import { weightedStrategy, WEIGHTINGS, type StackedWeights, type Weighting, type WeightedOptions } from './weighted.js';

export const STRATEGY_NAMES = ['majority', 'unanimous', 'weighted'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** A strategy by name; `weighted` takes its weights, calibration and thresholds from `weighted` (see voteStrategyFromCards). */
export function voteStrategy(name: string, weighted?: WeightedOptions): VoteStrategy {
  switch (name) {
    case 'majority':
      return majorityStrategy;
    case 'unanimous':
      return unanimousStrategy;
    case 'weighted':
      return weightedStrategy(weighted);
    default:
      throw new Error(`unknown voting strategy '${name}' (known: ${STRATEGY_NAMES.join(', ')})`);
  }
}

export { majorityStrategy, unanimousStrategy, weightedStrategy, WEIGHTINGS };
export type { StackedWeights, Weighting, WeightedOptions };
export { voteStrategyFromCards } from './from-cards.js';
