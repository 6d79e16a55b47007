import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
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
 * The inputs whose bytes are one of the files the models were trained on (the cards' `training.files`,
 * by sha256): scores on them are in-sample, and flatter the models than any unseen run would.
 */
export async function trainingDataAmong(files: readonly string[], cards: readonly ModelCard[]): Promise<string[]> {
  const trained = new Set<string>();
  for (const card of cards) {
    const listed = (card.training as { files?: unknown } | undefined)?.files;
    if (!Array.isArray(listed)) continue;
    for (const f of listed) if (typeof (f as { sha256?: unknown })?.sha256 === 'string') trained.add((f as { sha256: string }).sha256);
  }
  if (trained.size === 0) return [];
  const hashes = await Promise.all(files.map(async (f) => createHash('sha256').update(await readFile(f)).digest('hex')));
  return files.filter((_, i) => trained.has(hashes[i]));
}
