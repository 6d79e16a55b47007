/** The vote strategies by name, one file each beside this one (`--strategy` of replay, scale, lab and experiment run). */
export const STRATEGY_NAMES = ['majority', 'unanimous', 'weighted', 'regime'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];
