import { Command } from '@oclif/core';
import { ModelCardError, SchemaError } from '@sockml/core';

/**
 * Exit codes every sockml command shares (documented in the README); `thresholds` is loadtest's failed
 * thresholds, k6's own code for them.
 */
export const EXIT = { ok: 0, failure: 1, badInput: 2, model: 3, environment: 4, thresholds: 99 } as const;

/**
 * Maps the core's typed errors to a one-line reason on stderr and a stable exit code, so commands stay
 * thin: bad input (malformed CSV or message, unknown path, a flag oclif refuses) → 2, a model or card
 * problem → 3, a service the command needs (Kafka, Prometheus) unreachable or misconfigured → 4.
 * (oclif's own error box wraps long lines, which would split a `file:line: reason` apart.)
 * With --json, every error — these and unexpected ones (exit 1) — is also one JSON object on stdout,
 * `{"error": {"message", "exitCode"}}`, so a script reads the result or the reason from one place.
 */
export abstract class SockmlCommand extends Command {
  protected async catch(err: Error & { exitCode?: number; code?: string; oclif?: { exit?: number } }): Promise<any> {
    if (err.code === 'EEXIT') return super.catch(err); // this.exit(n): not an error
    const code =
      err instanceof SchemaError || err instanceof InputError
        ? EXIT.badInput
        : err instanceof ModelCardError
          ? EXIT.model
          : err instanceof EnvironmentError
            ? EXIT.environment
            : typeof err.oclif?.exit === 'number'
              ? err.oclif.exit // oclif's flag and argument errors (2), and this.error(…, { exit })
              : undefined;
    const message = oneLine(err.message ?? String(err));
    // A flag oclif refused ends parsing; without this, oclif (outside NODE_ENV=production) adds a
    // two-line "did not parse its arguments" warning to the one-line reason.
    (this as unknown as { parsed: boolean }).parsed = true;
    if (this.jsonEnabled()) {
      process.exitCode = code ?? EXIT.failure;
      process.stdout.write(JSON.stringify({ error: { message, exitCode: code ?? EXIT.failure } }, null, 2) + '\n');
      process.stderr.write(`sockml ${this.commandName()}: ${message}\n`);
      return;
    }
    if (code === undefined) return super.catch(err);
    process.stderr.write(`sockml ${this.commandName()}: ${message}\n`);
    process.exitCode = code;
  }

  private commandName(): string {
    return (this.id ?? '').replace(/:/g, ' ');
  }
}

/** oclif's multi-line messages (`Parsing --x\n\tExpected …\nSee more help with --help`) as one line. */
const oneLine = (message: string) =>
  message
    .replace(/\s*See more help with --help\s*$/, ' (see --help)')
    .replace(/\s*\n\s*/g, ' ')
    .trim();

/** A problem with what the user passed (a path, a flag value), reported with exit code 2. */
export class InputError extends Error {}

/** A service the command needs is unreachable or not set up as required, reported with exit code 4. */
export class EnvironmentError extends Error {}
