import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { REPO, sockml } from '../../test-support.js';

describe('sockml dataset build', () => {
  it('writes features in model order, future-only labels and run metadata', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sockml-')), 'train.csv');
    const src = 'fixtures/sockshop-gke/runs/step/run_1.csv';
    const r = await sockml(['dataset', 'build', src, '--feature-set', 'seed-v1', '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    const rows = parseCsvSync(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    const input = parseCsvSync(readFileSync(join(REPO, src), 'utf8'), { columns: true }) as Record<string, string>[];
    const services = new Set(input.map((x) => x.service)).size;
    expect(Object.keys(rows[0]).slice(0, 10)).toEqual([
      'request_rate_rps', 'error_rate_pct', 'p50_latency_ms', 'p95_latency_ms', 'p99_latency_ms',
      'cpu_usage_pct', 'memory_usage_mb', 'delta_rps', 'delta_p95_latency_ms', 'delta_cpu_usage_pct',
    ]);
    expect(Object.keys(rows[0]).slice(10)).toEqual(['label', 'run_id', 'pattern', 'service', 'timestamp', 'p95_now_ms']);
    // The last lookahead (2) polls of each service stay unlabelled and are left out.
    expect(rows.length).toBe(input.length - 2 * services);
    expect(summary).toMatchObject({ labelled: rows.length, unlabelled: 2 * services, featureSet: 'seed-v1' });
    expect(rows.every((x) => x.pattern === 'step' && x.run_id === src)).toBe(true);
    // A positive label is always explained by a later poll of the same service above the SLO.
    for (const [i, x] of rows.entries()) {
      if (x.label !== '1') continue;
      const later = rows.slice(i + 1).filter((y) => y.service === x.service).slice(0, 2).map((y) => Number(y.p95_now_ms));
      const tail = input.filter((y) => y.service === x.service && y.timestamp > x.timestamp).slice(0, 2).map((y) => Number(y.p95_latency_ms));
      expect(Math.max(...later, ...tail), `${x.service} ${x.timestamp}`).toBeGreaterThan(35.68);
    }
  });

  it('fails with file:line on a malformed row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockml-'));
    const r = await sockml(['dataset', 'build', join(REPO, 'packages/cli/src/testdata/malformed.csv'), '-o', join(dir, 'x.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/malformed\.csv:4: column 'p95_latency_ms': 'slow' is not a number/);
  });
});
