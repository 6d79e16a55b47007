import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readModelCard, type ModelCard } from '@sockml/core';
import { InputError } from './base-command.js';

/** The feature set the models in `dir` were trained on (their cards name it). */
export async function featureSetOfModels(dir: string): Promise<string> {
  const card = (await readdir(dir).catch(() => [] as string[])).find((f) => f.endsWith('.card.json'));
  if (!card) throw new InputError(`${dir}: no model cards to take the feature set from; pass --feature-set`);
  return (await readModelCard(join(dir, card))).featureSet;
}

/**
 * The sha256 of every file the models were trained on (the cards' `training.files`): a recording with
 * one of them is training data, and scores on it are in-sample, flattering the models.
 */
export function trainingFileDigests(cards: readonly ModelCard[]): Set<string> {
  const trained = new Set<string>();
  for (const card of cards) {
    const listed = (card.training as { files?: unknown } | undefined)?.files;
    if (!Array.isArray(listed)) continue;
    for (const f of listed) if (typeof (f as { sha256?: unknown })?.sha256 === 'string') trained.add((f as { sha256: string }).sha256);
  }
  return trained;
}
