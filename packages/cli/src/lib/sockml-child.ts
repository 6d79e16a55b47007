/**
 * Runs another `sockml` command as a child process of this one, with the same Node and the same CLI
 * build. The experiment runner starts the live pipeline this way (collect, serve-model ×3, scale), so a
 * proactive run exercises exactly the processes a user deploys, not an in-process imitation of them;
 * the tests start the CLI the same way.
 *
 * Output is kept in memory for readiness checks (`waitFor`) and, when `logFile` is given, also written
 * to it as it arrives, so a failed run leaves each process's own log behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/cli/bin/run.js (this file is packages/cli/{src,dist}/lib/sockml-child.{ts,js}). */
export const SOCKML_BIN = resolve(fileURLToPath(import.meta.url), '../../../bin/run.js');

export interface SockmlChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SockmlChild {
  readonly name: string;
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once the output (stdout or stderr, or just the one named) matches; rejects when the process ends first or after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs?: number, stream?: 'any' | 'stdout' | 'stderr'): Promise<void>;
  /** Sends `signal` (default SIGTERM), then SIGKILL after graceMs; resolves with the result. Idempotent. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<SockmlChildResult>;
  readonly done: Promise<SockmlChildResult>;
}

export interface SockmlChildOptions {
  /** A short name for messages (default: the command). */
  name?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Append stdout and stderr to this file. */
  logFile?: string;
  /** Kill (SIGKILL) after this long, so a hung child cannot hang its parent. Default: never. */
  timeoutMs?: number;
}

/** Children still running: killed when this process exits, however it exits short of SIGKILL. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export function spawnSockml(args: readonly string[], options: SockmlChildOptions = {}): SockmlChild {
  const name = options.name ?? args[0] ?? 'sockml';
  const child = spawn(process.execPath, [SOCKML_BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let log: WriteStream | undefined;
  if (options.logFile) {
    log = createWriteStream(options.logFile, { flags: 'a' });
    // A log that cannot be written (disk full) must not crash the parent and orphan its children.
    log.on('error', () => (log = undefined));
    log.write(`$ sockml ${args.join(' ')}\n`);
  }
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
    log?.write(d);
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
    log?.write(d);
  });
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  let exited = false;
  const done = new Promise<SockmlChildResult>((resolveDone) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (exited) return;
      exited = true;
      live.delete(child);
      clearTimeout(timer);
      const result = { code, signal, stdout, stderr };
      if (log) log.end(`[exit ${code ?? signal}]\n`, () => resolveDone(result));
      else resolveDone(result);
    };
    child.once('close', finish);
    // A child that cannot be spawned at all emits 'error' and may never emit 'close'.
    child.once('error', (e) => {
      stderr += `\n${e.message}\n`;
      finish(null, null);
    });
  });

  const waitFor = async (pattern: RegExp, timeoutMs = 30_000, stream: 'any' | 'stdout' | 'stderr' = 'any') => {
    const until = Date.now() + timeoutMs;
    const matched = () => (stream !== 'stderr' && pattern.test(stdout)) || (stream !== 'stdout' && pattern.test(stderr));
    while (!matched()) {
      if (exited) throw new Error(`sockml ${name} ended before its output matched ${pattern}:\n${tail(stderr || stdout)}`);
      if (Date.now() > until) throw new Error(`sockml ${name}: output did not match ${pattern} within ${timeoutMs} ms:\n${tail(stderr || stdout)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000) => {
    if (!exited) {
      child.kill(signal);
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await done;
      } finally {
        clearTimeout(kill);
      }
    }
    return done;
  };

  return { name, child, stdout: () => stdout, stderr: () => stderr, waitFor, stop, done };
}

/** The last lines of a process's output, for error messages. */
export function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
