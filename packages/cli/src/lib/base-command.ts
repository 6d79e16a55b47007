import { Command } from '@oclif/core';
import { ModelCardError, SchemaError } from '@sockml/core';

/**
 * Exit codes every sockml command shares (documented in the README); `thresholds` is loadtest's failed
 * thresholds, k6's own code for them.
 */
export const EXIT = { ok: 0, failure: 1, badInput: 2, model: 3, environment: 4, thresholds: 99 } as const;

/**
 * Maps the core's typed errors to a one-line reason on stderr and a stable exit code, so commands stay
 * thin: bad input (malformed CSV or message, unknown path) → 2, a model or card problem → 3, a service
 * the command needs (Kafka, Prometheus) unreachable or misconfigured → 4.
 * (oclif's own error box wraps long lines, which would split a `file:line: reason` apart.)
 */
export abstract class SockmlCommand extends Command {
  protected async catch(err: Error & { exitCode?: number }): Promise<any> {
    const code =
      err instanceof SchemaError || err instanceof InputError ? EXIT.badInput : err instanceof ModelCardError ? EXIT.model : err instanceof EnvironmentError ? EXIT.environment : undefined;
    if (code === undefined) return super.catch(err);
    process.stderr.write(`sockml ${(this.id ?? '').replace(/:/g, ' ')}: ${err.message.replace(/\s*\n\s*/g, ' ')}\n`);
    process.exitCode = code;
  }
}

/** A problem with what the user passed (a path, a flag value), reported with exit code 2. */
export class InputError extends Error {}

/** A service the command needs is unreachable or not set up as required, reported with exit code 4. */
export class EnvironmentError extends Error {}
