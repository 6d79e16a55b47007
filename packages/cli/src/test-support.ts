import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPO = resolve(__dirname, '../../..');
const BIN = resolve(REPO, 'packages/cli/bin/run.js');

/** Runs the built `sockml` binary as a user would (build first: pnpm -r build). */
export function sockml(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  if (!existsSync(resolve(REPO, 'packages/cli/dist/commands/replay.js'))) {
    throw new Error('packages/cli is not built: run `pnpm -r run build` (scripts/test.sh does)');
  }
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    maxBuffer: 64 << 20,
    // A command that hangs (e.g. a worker thread left running) fails the test instead of blocking CI.
    timeout: 150_000,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
