import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { featureSet as featureSetById } from '../features/registry.js';
import type { FeatureSet } from '../features/feature-set.js';
import { ModelCardError } from './model-card.js';
import { ModelRunner, readModelCard, type ModelRunnerOptions } from './model-runner.js';

/**
 * Loads every `<name>.onnx` with a card in `dir`. The feature set comes from the cards (they must agree)
 * unless one is asked for, in which case every card must match it.
 */
export async function loadModelDirectory(
  dir: string,
  options: ModelRunnerOptions & { featureSet?: string; only?: readonly string[] } = {},
): Promise<{ featureSet: FeatureSet<any>; models: ModelRunner[] }> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    throw new ModelCardError(`${dir}: model directory not found`);
  }
  let names = entries.filter((e) => e.endsWith('.onnx')).map((e) => e.slice(0, -'.onnx'.length)).sort();
  if (options.only) {
    const unknown = options.only.filter((n) => !names.includes(n));
    if (unknown.length > 0) throw new ModelCardError(`${dir}: no model named ${unknown.join(', ')} (found: ${names.join(', ') || 'none'})`);
    names = [...options.only];
  }
  if (names.length === 0) throw new ModelCardError(`${dir}: no .onnx models found`);
  const cards = await Promise.all(names.map((n) => readModelCard(join(dir, `${n}.card.json`))));
  const setId = options.featureSet ?? cards[0].featureSet;
  const set = featureSetById(setId);
  const models = await Promise.all(names.map((n) => ModelRunner.load(join(dir, `${n}.onnx`), set, options)));
  return { featureSet: set, models };
}
