/**
 * Runs the built `sockml` binary as a child process without blocking the event loop (the collect
 * tests serve the metrics Prometheus scrapes from this same process, which spawnSync would freeze).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is packages/cli/{src,dist}/testing/sockml-process.{ts,js}). */
const REPO = resolve(fileURLToPath(import.meta.url), '../../../../..');
const BIN = resolve(REPO, 'packages/cli/bin/run.js');

export interface SockmlProcess {
  readonly child: ChildProcess;
  /** stderr so far (progress lines, errors). */
  stderr(): string;
  /** Resolves once stderr matches; rejects when the process ends first or after timeoutMs. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

export function startSockml(args: string[], options: { timeoutMs?: number } = {}): SockmlProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  // A command that hangs fails the test instead of blocking CI.
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolvePromise) => {
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
  let exited = false;
  void done.then(() => (exited = true));
  const waitForStderr = async (pattern: RegExp, timeoutMs = 30_000) => {
    const until = Date.now() + timeoutMs;
    while (!pattern.test(stderr)) {
      if (exited) throw new Error(`sockml ended before stderr matched ${pattern}:\n${stderr}`);
      if (Date.now() > until) throw new Error(`stderr did not match ${pattern} within ${timeoutMs} ms:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { child, stderr: () => stderr, waitForStderr, done };
}
