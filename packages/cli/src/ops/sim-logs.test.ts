import { describe, expect, it } from 'vitest';
import { spawnSockml } from '../lib/sockml-child.js';
import { REPO } from '../test-support.js';

describe('sim --log-format', () => {
  it.each([
    ['json', (lines: string[]) => lines.map((l) => JSON.parse(l)).every((r) => r.command === 'sim' && r.level === 'info' && !Number.isNaN(Date.parse(r.time)))],
    ['text', (lines: string[]) => lines.every((l) => l.startsWith('sockml sim: '))],
  ] as const)('%s: its status lines on stderr, stdout empty', async (format, check) => {
    const sim = spawnSockml(['sim', '--port', '0', '--log-format', format], { cwd: REPO, timeoutMs: 60_000 });
    await sim.waitFor(/emulator on http/, 30_000, 'stderr');
    const r = await sim.stop('SIGTERM');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(check(lines), r.stderr).toBe(true);
    expect(r.stdout).toBe('');
  });
});
