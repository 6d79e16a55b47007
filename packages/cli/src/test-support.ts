import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { spawnSockml } from './lib/sockml-child.js';

export const REPO = resolve(__dirname, '../../..');

/**
 * Runs the built `sockml` binary as a user would (build first: pnpm -r build). Asynchronous on
 * purpose: a synchronous spawn would block the test worker's event loop, and vitest's worker RPC times
 * out (and fails the run) when a test blocks it for a minute, as a slow replay on a busy machine can.
 */
export async function sockml(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!existsSync(resolve(REPO, 'packages/cli/dist/commands/replay.js'))) {
    throw new Error('packages/cli is not built: run `pnpm -r run build` (scripts/test.sh does)');
  }
  // A command that hangs (e.g. a worker thread left running) is killed before vitest's 120 s test
  // timeout, so the failure shows its stderr and no process outlives its test.
  const r = await spawnSockml(args, { cwd: options.cwd ?? REPO, env: options.env, timeoutMs: 110_000 }).done;
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}
