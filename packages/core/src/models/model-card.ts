import { FEATURE_SET_IDS } from '../features/registry.js';
import type { LabelDefinition } from '../labels/labeler.js';

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
  onnx: { input: string; probabilities: string; opset: Record<string, number> };
  training?: Record<string, unknown>;
  evaluation?: Record<string, unknown>;
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
  return c as ModelCard;
}
