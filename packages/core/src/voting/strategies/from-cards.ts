import { ModelCardError, type ModelCard } from '../../models/model-card.js';
import type { VoteStrategy } from '../vote-strategy.js';
import { majorityStrategy } from './majority.js';
import { unanimousStrategy } from './unanimous.js';
import { weightedStrategy, WEIGHTINGS, type Weighting, type WeightedOptions } from './weighted.js';

/**
 * The strategy `replay`, `scale` and `lab` vote with, configured from the model cards in use: for
 * `weighted`, each card's weight and calibration, and the ensemble's thresholds and stacking weights that
 * every card of one training carries alike. `weighting` 'stacked' (`--weights stacked`) uses the learned
 * weights, which exist only for the exact set of models they were learned on.
 */
export function voteStrategyFromCards(name: string, cards: readonly ModelCard[], weighting: Weighting = 'f1'): VoteStrategy {
  if (!WEIGHTINGS.includes(weighting)) throw new Error(`unknown weighting '${weighting}' (known: ${WEIGHTINGS.join(', ')})`);
  if (name !== 'weighted') {
    if (weighting !== 'f1') throw new ModelCardError(`--weights ${weighting} applies to --strategy weighted, not ${name}`);
    if (name === 'majority') return majorityStrategy;
    if (name === 'unanimous') return unanimousStrategy;
    throw new Error(`unknown voting strategy '${name}' (known: majority, unanimous, weighted)`);
  }
  const options: WeightedOptions = { weights: {}, calibration: {} };
  for (const c of cards) {
    if (c.weight !== undefined) (options.weights as Record<string, number>)[c.name] = c.weight;
    if (c.calibration !== undefined) (options.calibration as Record<string, NonNullable<ModelCard['calibration']>>)[c.name] = c.calibration;
  }
  const withEnsemble = cards.filter((c) => c.ensemble !== undefined);
  const ensemble = withEnsemble[0]?.ensemble;
  const differing = withEnsemble.find((c) => JSON.stringify(c.ensemble) !== JSON.stringify(ensemble));
  if (differing) {
    throw new ModelCardError(
      `models '${withEnsemble[0].name}' and '${differing.name}' carry different ensemble parameters: they come from different trainings and cannot vote as one weighted ensemble`,
    );
  }
  if (ensemble) options.threshold = ensemble.weighted.threshold;
  if (weighting === 'stacked') {
    if (!ensemble) throw new ModelCardError(`--weights stacked needs cards with learned ensemble weights (field 'ensemble'); these cards have none: use --weights f1`);
    const inUse = cards.map((c) => c.name).sort();
    const learned = [...ensemble.members].sort();
    if (inUse.join(',') !== learned.join(',')) {
      throw new ModelCardError(`--weights stacked: the weights were learned for models ${learned.join(', ')}, but ${inUse.join(', ')} are in use`);
    }
    options.stacked = ensemble.stacked;
  }
  return weightedStrategy(options);
}
