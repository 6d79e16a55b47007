/** `experiment run`'s input checks: they fail before any emulator or load starts. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sockml } from '../../test-support.js';

describe('sockml experiment run: bad input (exit 2)', () => {
  it('says proactive is not implemented yet', () => {
    const r = sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'proactive']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/proactive is not implemented yet/);
  });
  it('rejects an unknown condition, a bad duration and an interval longer than the run', () => {
    expect(sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'hpa']).stderr).toMatch(/unknown condition 'hpa'/);
    expect(sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'static', '--duration', 'soon']).code).toBe(2);
    expect(sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'static', '--duration', '10s', '--interval', '30s']).stderr).toMatch(/longer than --duration/);
  });
  it('never overwrites a run file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockml-exprun-'));
    writeFileSync(join(dir, 'static_step_run01.jsonl'), '');
    const r = sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'static', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/static_step_run01\.jsonl exists/);
  });
});
