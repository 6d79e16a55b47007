import type { VoteStrategy } from '../vote-strategy.js';
import { majorityStrategy } from './majority.js';
import { STRATEGY_NAMES } from './names.js';
import { regimeStrategy, type RegimeOptions } from './regime.js';
import { unanimousStrategy } from './unanimous.js';
import { weightedStrategy, WEIGHTINGS, type StackedWeights, type Weighting, type WeightedOptions } from './weighted.js';

export { STRATEGY_NAMES, type StrategyName } from './names.js';

/**
 * A strategy by name; `weighted` takes its weights, calibration and thresholds from `weighted`, `regime` its
 * parameters from `regime` (see voteStrategyFromCards, which reads both from the model cards).
 */
export function voteStrategy(name: string, weighted?: WeightedOptions, regime?: RegimeOptions): VoteStrategy {
  switch (name) {
    case 'majority':
      return majorityStrategy;
    case 'unanimous':
      return unanimousStrategy;
    case 'weighted':
      return weightedStrategy(weighted);
    case 'regime':
      if (!regime) throw new Error(`voting strategy 'regime' needs its parameters (the SLO, the calm model and its threshold)`);
      return regimeStrategy(regime);
    default:
      throw new Error(`unknown voting strategy '${name}' (known: ${STRATEGY_NAMES.join(', ')})`);
  }
}

export { majorityStrategy, regimeStrategy, unanimousStrategy, weightedStrategy, WEIGHTINGS };
export type { RegimeOptions, StackedWeights, Weighting, WeightedOptions };
export { voteStrategyFromCards } from './from-cards.js';
