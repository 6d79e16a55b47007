import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { featureSet as featureSetById } from '../features/registry.js';
import type { FeatureSet } from '../features/feature-set.js';
import { ModelCardError } from './model-card.js';
import { ModelRunner, readModelCard, type Model, type ModelRunnerOptions } from './model-runner.js';
import { ThreadedModel } from './threaded-model.js';

/**
 * Loads every `<name>.onnx` with a card in `dir`. The feature set comes from the cards (they must agree)
 * unless one is asked for, in which case every card must match it.
 */
export async function loadModelDirectory(
  dir: string,
  options: ModelRunnerOptions & {
    featureSet?: string;
    only?: readonly string[];
    /** Run each model in its own worker thread (single-threaded onnxruntime), for throughput. */
    workerThreads?: boolean;
  } = {},
): Promise<{ featureSet: FeatureSet<any>; models: (Model & { close(): Promise<void> })[] }> {
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
  const load = (n: string) => {
    const path = join(dir, `${n}.onnx`);
    return options.workerThreads ? ThreadedModel.load(path, set, options) : ModelRunner.load(path, set, options);
  };
  const settled = await Promise.allSettled(names.map(load));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // Release what did load: a worker thread left running would keep the process alive.
    await Promise.all(settled.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    throw failed.reason;
  }
  const models = settled.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof load>>>).value);
  return { featureSet: set, models };
}
