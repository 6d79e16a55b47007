/** `experiment run`'s input checks: they fail before any emulator or load starts. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sockml } from '../../test-support.js';

describe('sockml experiment run: bad input (exit 2)', () => {
  it('names what proactive needs: Kafka, Prometheus and the port Prometheus scrapes', async () => {
    const r = await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'proactive,static']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs --kafka host:port, --prometheus URL, --sim-port N/);
    const some = await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'proactive', '--kafka', '127.0.0.1:9092', '--sim-port', '8089']);
    expect(some.code).toBe(2);
    expect(some.stderr).toMatch(/needs --prometheus URL\s*$/m);
  });
  it('rejects a model directory without models before starting anything (proactive)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'sockml-nomodels-'));
    const r = await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'proactive', '--kafka', '127.0.0.1:9092', '--prometheus', 'http://127.0.0.1:9090', '--sim-port', '8089', '--models', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--models: .*no <name>\.onnx with <name>\.card\.json/);
  });
  it('rejects an unknown condition, a bad duration and an interval longer than the run', async () => {
    expect((await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'hpa'])).stderr).toMatch(/unknown condition 'hpa'/);
    expect((await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'static', '--duration', 'soon'])).code).toBe(2);
    expect((await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'static', '--duration', '10s', '--interval', '30s'])).stderr).toMatch(/longer than --duration/);
  });
  it('never overwrites a run file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockml-exprun-'));
    writeFileSync(join(dir, 'static_step_run01.jsonl'), '');
    const r = await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'static', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/static_step_run01\.jsonl exists/);
  });
});
