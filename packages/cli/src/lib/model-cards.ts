import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readModelCard } from '@sockml/core';
import { InputError } from './base-command.js';

/** The feature set the models in `dir` were trained on (their cards name it). */
export async function featureSetOfModels(dir: string): Promise<string> {
  const card = (await readdir(dir).catch(() => [] as string[])).find((f) => f.endsWith('.card.json'));
  if (!card) throw new InputError(`${dir}: no model cards to take the feature set from; pass --feature-set`);
  return (await readModelCard(join(dir, card))).featureSet;
}
