import { ModelCardError, type ModelCard } from '../../models/model-card.js';
import type { VoteStrategy } from '../vote-strategy.js';
import { STRATEGY_NAMES } from './names.js';
import { majorityStrategy } from './majority.js';
import { regimeStrategy } from './regime.js';
import { unanimousStrategy } from './unanimous.js';
import { weightedStrategy, WEIGHTINGS, type Weighting, type WeightedOptions } from './weighted.js';

/**
 * The strategy `replay`, `scale` and `lab` vote with, configured from the model cards in use: for
 * `weighted`, each card's weight and calibration, and the ensemble's thresholds and stacking weights that
 * every card of one training carries alike. `weighting` 'stacked' (`--weights stacked`) uses the learned
 * weights, which exist only for the exact set of models they were learned on.
 */
export function voteStrategyFromCards(
  name: string,
  cards: readonly ModelCard[],
  weighting: Weighting = 'f1',
  /** The SLO of the run (replay's --slo, the lab's): `regime`'s hot polls are over it. Default: its calm model's label's. */
  run: { sloMs?: number } = {},
): VoteStrategy {
  if (!WEIGHTINGS.includes(weighting)) throw new Error(`unknown weighting '${weighting}' (known: ${WEIGHTINGS.join(', ')})`);
  if (name !== 'weighted') {
    if (weighting !== 'f1') throw new ModelCardError(`--weights ${weighting} applies to --strategy weighted, not ${name}`);
    if (name === 'majority') return majorityStrategy;
    if (name === 'unanimous') return unanimousStrategy;
    if (name === 'regime') return regimeFromCards(cards, run.sloMs);
    throw new Error(`unknown voting strategy '${name}' (known: ${STRATEGY_NAMES.join(', ')})`);
  }
  const options: WeightedOptions = { weights: {}, calibration: {} };
  for (const c of cards) {
    if (c.weight !== undefined) (options.weights as Record<string, number>)[c.name] = c.weight;
    if (c.calibration !== undefined) (options.calibration as Record<string, NonNullable<ModelCard['calibration']>>)[c.name] = c.calibration;
  }
  const ensemble = trainingBlock(cards, 'ensemble', ' and cannot vote as one weighted ensemble');
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

/** `regime`: the cards' regime block (alike on every card of one training), its model in use; the run's SLO, else its model's label's. */
function regimeFromCards(cards: readonly ModelCard[], sloMs?: number): VoteStrategy {
  const regime = trainingBlock(cards, 'regime');
  if (!regime) {
    throw new ModelCardError(`--strategy regime needs cards with a calm-poll threshold (field 'regime', written by models/train.py); these cards have none: retrain, or use another strategy`);
  }
  const calm = cards.find((c) => c.name === regime.model);
  if (!calm) {
    throw new ModelCardError(`--strategy regime decides calm polls with model '${regime.model}' (the cards' regime block), which is not among the models in use (${cards.map((c) => c.name).join(', ')})`);
  }
  return regimeStrategy({ sloMs: sloMs ?? calm.label.sloMs, model: regime.model, calmThreshold: regime.calmThreshold });
}

/**
 * A block every card of one training carries alike (`ensemble`, `regime`): the first card's, after checking that
 * no other card in use carries a different one (cards of different trainings cannot vote as one). Undefined when
 * no card carries it.
 */
function trainingBlock<K extends 'ensemble' | 'regime'>(cards: readonly ModelCard[], key: K, consequence = ''): ModelCard[K] {
  const carrying = cards.filter((c) => c[key] !== undefined);
  const block = carrying[0]?.[key];
  const differing = carrying.find((c) => JSON.stringify(c[key]) !== JSON.stringify(block));
  if (differing) {
    throw new ModelCardError(`models '${carrying[0].name}' and '${differing.name}' carry different ${key} parameters: they come from different trainings${consequence}`);
  }
  return block;
}
