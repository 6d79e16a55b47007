import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { classifyExperimentFile, parseSnapshotJsonl, type ExperimentSnapshot } from '@sockml/core';
import { InputError } from '../lib/base-command.js';
import { expandInputs } from '../lib/recordings.js';

export interface ExperimentFiles {
  used: string[];
  skipped: { file: string; reason: string }[];
}

/**
 * Expands files and directories (recursively, *.jsonl) and applies the prototype's file selection:
 * explicitly named files go through it too, so `analyze dir/*` and `analyze dir` agree; every file left
 * out is reported with its reason rather than dropped silently.
 */
export async function selectExperimentFiles(inputs: readonly string[]): Promise<ExperimentFiles> {
  const candidates = await expandInputs(inputs, '.jsonl', 'snapshot files');
  const seen = new Set<string>();
  const out: ExperimentFiles = { used: [], skipped: [] };
  for (const file of candidates) {
    if (seen.has(resolve(file))) continue; // a file named twice (dir and file) counts once
    seen.add(resolve(file));
    const c = classifyExperimentFile(file);
    if (c.use) out.used.push(file);
    else out.skipped.push({ file, reason: c.reason });
  }
  if (out.used.length === 0) {
    throw new InputError(`no experiment files to analyze (expected <condition>_<pattern>_run<id>.jsonl; skipped: ${out.skipped.map((s) => `${s.file} (${s.reason})`).join(', ') || 'none'})`);
  }
  return out;
}

/** Reads and validates every selected file; a malformed line fails with `file:line: reason` (exit 2). */
export async function readExperimentFiles(files: readonly string[]): Promise<ExperimentSnapshot[]> {
  const all: ExperimentSnapshot[] = [];
  for (const f of files) all.push(...parseSnapshotJsonl(await readFile(f, 'utf8'), f));
  return all;
}
