/**
 * Runs the built `sockml` binary as a child process without blocking the event loop (the collect
 * tests serve the metrics Prometheus scrapes from this same process, which spawnSync would freeze).
 * The tests' view of lib/sockml-child.ts: run from the repository root, killed after a timeout.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSockml, type SockmlChild, type SockmlChildResult } from '../lib/sockml-child.js';

/** The repository root (this file is packages/cli/{src,dist}/testing/sockml-process.{ts,js}). */
const REPO = resolve(fileURLToPath(import.meta.url), '../../../../..');

export interface SockmlProcess {
  readonly child: SockmlChild['child'];
  /** stderr so far (progress lines, errors). */
  stderr(): string;
  /** Resolves once stderr matches; rejects when the process ends first or after timeoutMs. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  readonly done: Promise<SockmlChildResult>;
}

export function startSockml(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): SockmlProcess {
  // A command that hangs fails the test instead of blocking CI.
  const p = spawnSockml(args, { cwd: REPO, timeoutMs: options.timeoutMs ?? 120_000, env: options.env });
  return { child: p.child, stderr: p.stderr, waitForStderr: (pattern, timeoutMs) => p.waitFor(pattern, timeoutMs, 'stderr'), done: p.done };
}
