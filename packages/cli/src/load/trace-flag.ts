import { readFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { parseTrace, TRACE_PATTERN, type Trace } from '@sockml/core';
import { InputError } from '../lib/base-command.js';

/** `--trace FILE`, for every command with a `--pattern`. */
export const traceFlag = Flags.string({
  description: "with --pattern trace: the rate curve to play, a CSV with the header t_seconds,rps or a metrics recording (its front-end's request_rate_rps)",
  helpValue: 'FILE',
});

/**
 * The trace `--pattern trace --trace FILE` names, read and validated (a bad file is exit 2 naming file and
 * line); undefined for the built-in patterns, which take no file.
 */
export function readTraceFlag(pattern: string, path: string | undefined): Trace | undefined {
  if (pattern !== TRACE_PATTERN) {
    if (path !== undefined) throw new InputError(`--trace is for --pattern ${TRACE_PATTERN} (got --pattern ${pattern})`);
    return undefined;
  }
  if (path === undefined) throw new InputError(`--pattern ${TRACE_PATTERN} needs --trace FILE (a t_seconds,rps CSV or a metrics recording)`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`--trace ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : (e as Error).message}`);
  }
  return parseTrace(text, path);
}

/** A pattern as a person reads it in a summary: its name, and for a trace the file it plays. */
export function patternLabel(p: { name: string; params: Readonly<Record<string, unknown>> }): string {
  return p.name === TRACE_PATTERN ? `${p.name} ${String(p.params.file)}` : p.name;
}
