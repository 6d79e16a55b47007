import { parseDuration } from '@sockml/core';
import { InputError } from './base-command.js';

/** A duration flag (`30s`, `1m30s`, `500ms`) in ms; a bad value is bad input naming the flag. */
export function durationFlag(flag: string, raw: string): number {
  try {
    return parseDuration(raw);
  } catch (e) {
    throw new InputError(`--${flag}: ${(e as Error).message}`);
  }
}
