import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from './base-command.js';
import { describeRecording, readMetricsCsv, type MetricsCsvReadStats, type RecordedRun } from '@sockml/core';

/**
 * Expands files and directories into a list of paths: a directory contributes its files ending in
 * `extension` (recursively, sorted); a named file is taken as it is. `what` names them in errors.
 */
export async function expandInputs(inputs: readonly string[], extension: string, what: string): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    let st;
    try {
      st = await stat(input);
    } catch {
      throw new InputError(`${input}: no such file or directory`);
    }
    if (st.isDirectory()) {
      const entries = (await readdir(input, { recursive: true })).filter((e) => e.toLowerCase().endsWith(extension)).sort();
      if (entries.length === 0) throw new InputError(`${input}: directory has no ${extension} ${what}`);
      out.push(...entries.map((e) => join(input, e)));
    } else out.push(input);
  }
  return out;
}

/** Expands files and directories (recursively, *.csv) into a sorted list of recording paths. */
export const expandRecordings = (inputs: readonly string[]) => expandInputs(inputs, '.csv', 'recordings');

/**
 * Opens each recording as one run (streamed, never loaded whole). Run ids are paths relative to `root`
 * (default: the current directory, so a replay report names the files a user passed).
 */
export function openRecordings(
  paths: readonly string[],
  options: {
    skipInvalid?: boolean;
    batchSize?: number;
    root?: string;
    /** Called with a recording's sha256 once it has been read to its end (hashed as it streams, never read twice). */
    onDigest?: (path: string, sha256: string) => void;
  },
  stats: MetricsCsvReadStats,
): RecordedRun[] {
  const { onDigest, ...readOptions } = options;
  return paths.map((path) => {
    const { runId, pattern } = describeRecording(resolve(path), options.root ?? process.cwd());
    const stream = createReadStream(path, { highWaterMark: 1 << 20 });
    return {
      runId,
      pattern,
      // A recording is one run: a poll out of order is refused with file:line here, not later by the extractor.
      samples: readMetricsCsv(onDigest ? hashing(stream, (h) => onDigest(path, h)) : stream, path, { ...readOptions, requireTimeOrder: true }, stats),
    };
  });
}

/** The chunks of `source`, passed on as they come, and their sha256 once the source ends. */
async function* hashing(source: AsyncIterable<Buffer>, onEnd: (sha256: string) => void): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of source) {
    hash.update(chunk);
    yield chunk;
  }
  onEnd(hash.digest('hex'));
}

export const newReadStats = (): MetricsCsvReadStats => ({ rows: 0, invalid: 0, invalidExamples: [] });
