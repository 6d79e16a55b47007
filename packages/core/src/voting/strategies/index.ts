import type { VoteStrategy } from '../vote-strategy.js';
import { majorityStrategy } from './majority.js';
import { unanimousStrategy } from './unanimous.js';
import { weightedStrategy } from './weighted.js';

export const STRATEGY_NAMES = ['majority', 'unanimous', 'weighted'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export function voteStrategy(name: string, modelWeights?: Readonly<Record<string, number>>): VoteStrategy {
  switch (name) {
    case 'majority':
      return majorityStrategy;
    case 'unanimous':
      return unanimousStrategy;
    case 'weighted':
      return weightedStrategy(modelWeights);
    default:
      throw new Error(`unknown voting strategy '${name}' (known: ${STRATEGY_NAMES.join(', ')})`);
  }
}

export { majorityStrategy, unanimousStrategy, weightedStrategy };
