import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSockml } from '../testing/sockml-process.js';
import { REPO, sockml } from '../test-support.js';

/**
 * Slow (about a minute): retrains the three models from the committed fixtures with `sockml train`
 * and checks that it reproduces the committed models exactly — cards (with their CV metrics), the
 * CV report, the parity file and the ONNX bytes. Needs the Python packages of models/requirements.txt
 * (scripts/setup-python.sh; scripts/test.sh runs it).
 */
describe('sockml train (integration)', () => {
  it('reproduces the committed models, cards and CV report from the fixtures', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sockml-train-'));
    // Async: a minute of spawnSync would block this test worker past vitest's RPC timeout.
    const r = await startSockml(['train', '--out-dir', out], { timeoutMs: 600_000 }).done;
    expect(r.code, r.stderr).toBe(0);
    const committed = readdirSync(join(REPO, 'models')).filter((f) => /\.(onnx|card\.json)$|^cv-report\.(json|md)$|^parity\.csv$/.test(f));
    expect(committed.length).toBe(3 * 2 + 3);
    for (const f of committed) {
      expect(readFileSync(join(out, f)).equals(readFileSync(join(REPO, 'models', f))), `${f} differs from the committed one`).toBe(true);
    }
  });

  it('refuses to train on a held-out recording unless asked to', async () => {
    const r = await sockml(['train', 'fixtures/sockshop-gke/runs/step/run_3.csv', '--out-dir', mkdtempSync(join(tmpdir(), 'sockml-train-'))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/fixtures\/sockshop-gke\/runs\/step\/run_3\.csv: held out for evaluation \(models\/holdout-runs\.txt\)/);
  });

  it('says exactly what is missing when Python is not there', async () => {
    const r = await sockml(['train', '--python', '/nonexistent/python3']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/cannot run '\/nonexistent\/python3'/);
  });
});
