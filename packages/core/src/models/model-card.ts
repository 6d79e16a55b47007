import { FEATURE_SET_IDS } from '../features/registry.js';
import type { LabelDefinition } from '../labels/labeler.js';
import { parseCalibration, type PlattCalibration } from '../voting/calibration.js';

/**
 * The JSON beside every `models/<name>.onnx`: what the model expects and how good it was measured to be.
 * The ModelRunner refuses a model whose card does not match the feature set in use.
 */
export interface ModelCard {
  name: string;
  version: string;
  algorithm: string;
  featureSet: string;
  /** Input order of the ONNX model; must equal the feature set's names. */
  features: string[];
  label: LabelDefinition & { definition: string };
  /** Vote 1 when the violation probability is ≥ this. */
  threshold: number;
  /** Optional weight for the weighted voting strategy (e.g. cross-validated F1). */
  weight?: number;
  /** Maps the model's probability onto a scale shared with the other models, for the weighted strategy. */
  calibration?: PlattCalibration;
  /** The ensemble this model was trained into; every card of one training carries the same block. */
  ensemble?: EnsembleParameters;
  /** What the `regime` strategy reads; every card of one training carries the same block. */
  regime?: RegimeParameters;
  onnx: { input: string; probabilities: string; opset: Record<string, number> };
  training?: Record<string, unknown>;
  evaluation?: Record<string, unknown>;
}

/** What the weighted strategy needs beyond each model's own card fields (models/train.py, `ensemble_block`). */
export interface EnsembleParameters {
  /** The models the ensemble was trained with. */
  members: string[];
  /** The calibrated mean's decision threshold. */
  weighted: { threshold: number };
  /** The learned vote weights (`--weights stacked`). */
  stacked: { intercept: number; coefficients: Record<string, number>; threshold: number };
}

/** The `regime` strategy's calm stage (models/train.py, `regime_block`; voting/strategies/regime.ts). */
export interface RegimeParameters {
  /** The model whose probability decides calm polls with latency data. */
  model: string;
  /** Its cut on those polls, chosen on the training runs' leave-one-run-out out-of-fold probabilities of calm polls with latency data. */
  calmThreshold: number;
  /** How the cut was chosen, in words. */
  rule: string;
}

export class ModelCardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelCardError';
  }
}

/** Validates a parsed card; `where` names the file in errors. */
export function parseModelCard(json: unknown, where: string): ModelCard {
  if (typeof json !== 'object' || json === null) throw new ModelCardError(`${where}: model card is not a JSON object`);
  const c = json as Record<string, any>;
  const need = (k: string, ok: boolean, what: string) => {
    if (!ok) throw new ModelCardError(`${where}: field '${k}' must be ${what}`);
  };
  need('name', typeof c.name === 'string' && c.name !== '', 'a non-empty string');
  need('version', typeof c.version === 'string' && c.version !== '', 'a non-empty string');
  need('algorithm', typeof c.algorithm === 'string', 'a string');
  need('featureSet', typeof c.featureSet === 'string' && c.featureSet !== '', 'a feature set id');
  if (!FEATURE_SET_IDS.includes(c.featureSet)) throw new ModelCardError(`${where}: field 'featureSet': unknown feature set '${c.featureSet}' (known: ${FEATURE_SET_IDS.join(', ')})`);
  need('features', Array.isArray(c.features) && c.features.every((f: unknown) => typeof f === 'string'), 'a list of feature names');
  need('threshold', typeof c.threshold === 'number' && c.threshold > 0 && c.threshold < 1, 'a number in (0, 1)');
  need('label', typeof c.label === 'object' && c.label !== null && typeof c.label.sloMs === 'number' && Number.isInteger(c.label.lookahead), 'an object with sloMs and lookahead');
  need('onnx', typeof c.onnx === 'object' && c.onnx !== null && typeof c.onnx.input === 'string' && typeof c.onnx.probabilities === 'string', 'an object naming the input and probabilities tensors');
  if (c.weight !== undefined) need('weight', typeof c.weight === 'number' && c.weight >= 0, 'a number ≥ 0');
  if (c.calibration !== undefined) {
    try {
      c.calibration = parseCalibration(c.calibration, where);
    } catch (e) {
      throw new ModelCardError((e as Error).message);
    }
  }
  if (c.ensemble !== undefined) {
    const e = c.ensemble;
    const unit = (x: unknown) => typeof x === 'number' && x > 0 && x < 1;
    need('ensemble', typeof e === 'object' && e !== null && Array.isArray(e.members) && e.members.every((m: unknown) => typeof m === 'string'), 'an object with a list of members');
    need('ensemble.weighted.threshold', unit(e.weighted?.threshold), 'a number in (0, 1)');
    need('ensemble.stacked.threshold', unit(e.stacked?.threshold), 'a number in (0, 1)');
    need('ensemble.stacked.intercept', typeof e.stacked.intercept === 'number' && Number.isFinite(e.stacked.intercept), 'a finite number');
    need(
      'ensemble.stacked.coefficients',
      typeof e.stacked.coefficients === 'object' && e.stacked.coefficients !== null && Object.values(e.stacked.coefficients).every((x) => typeof x === 'number' && x >= 0 && Number.isFinite(x)),
      'an object of numbers ≥ 0 by model',
    );
  }
  if (c.regime !== undefined) {
    const r = c.regime;
    need('regime', typeof r === 'object' && r !== null && !Array.isArray(r), 'an object');
    need('regime.model', typeof r.model === 'string' && r.model !== '', 'a model name');
    need('regime.calmThreshold', typeof r.calmThreshold === 'number' && r.calmThreshold > 0 && r.calmThreshold < 1, 'a number in (0, 1)');
    need('regime.rule', typeof r.rule === 'string', 'a string');
  }
  return c as ModelCard;
}
