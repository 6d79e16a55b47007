import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
    // Every poll is a row; the last lookahead (2) polls of each service have an empty label, after the service's labelled rows.
    expect(rows.length).toBe(input.length);
    const unlabelled = rows.filter((x) => x.label === '');
    expect(unlabelled.length).toBe(2 * services);
    expect(rows.every((x) => ['0', '1', ''].includes(x.label))).toBe(true);
    for (const x of unlabelled) {
      const series = input.filter((y) => y.service === x.service).map((y) => y.timestamp);
      expect(series.slice(-2), `${x.service} ${x.timestamp}`).toContain(x.timestamp);
      const own = rows.filter((y) => y.service === x.service);
      expect(own.slice(-2).map((y) => y.label)).toEqual(['', '']);
    }
    expect(summary).toMatchObject({ labelled: rows.length - 2 * services, unlabelled: 2 * services, featureSet: 'seed-v1' });
    expect(rows.every((x) => x.pattern === 'step' && x.run_id === src)).toBe(true);
    // A positive label is always explained by a later poll of the same service above the SLO.
    for (const [i, x] of rows.entries()) {
      if (x.label !== '1') continue;
      const later = rows.slice(i + 1).filter((y) => y.service === x.service).slice(0, 2).map((y) => Number(y.p95_now_ms));
      const tail = input.filter((y) => y.service === x.service && y.timestamp > x.timestamp).slice(0, 2).map((y) => Number(y.p95_latency_ms));
      expect(Math.max(...later, ...tail), `${x.service} ${x.timestamp}`).toBeGreaterThan(35.68);
    }
  });

  it("defaults to the bundled models' feature set, as train does", async () => {
    const cards = readdirSync(join(REPO, 'models')).filter((f) => f.endsWith('.card.json'));
    const sets = new Set(cards.map((f) => JSON.parse(readFileSync(join(REPO, 'models', f), 'utf8')).featureSet));
    expect(cards.length).toBeGreaterThan(0);
    expect(sets.size).toBe(1);
    const [bundled] = sets;
    const out = join(mkdtempSync(join(tmpdir(), 'sockml-')), 'train.csv');
    const r = await sockml(['dataset', 'build', 'fixtures/sockshop-gke/runs/step/run_1.csv', '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).featureSet).toBe(bundled);
    const train = await sockml(['train', '--help']);
    expect(train.stdout).toMatch(new RegExp(`--feature-set=<option>\\s+\\[default: ${bundled}\\]`));
  });

  it('fails with file:line on a malformed row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockml-'));
    const r = await sockml(['dataset', 'build', join(REPO, 'packages/cli/src/testdata/malformed.csv'), '-o', join(dir, 'x.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/malformed\.csv:4: column 'p95_latency_ms': 'slow' is not a number/);
  });

  it('does not read its own earlier training matrix in the recordings directory as a recording', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockml-'));
    copyFileSync(join(REPO, 'fixtures/sockshop-gke/runs/step/run_1.csv'), join(dir, 'run_1.csv'));
    const first = await sockml(['dataset', 'build', dir, '--feature-set', 'seed-v1', '-o', join(dir, 'train.csv')]);
    expect(first.code, first.stderr).toBe(0);
    const again = await sockml(['dataset', 'build', dir, '--feature-set', 'seed-v1', '-o', join(dir, 'train-2.csv')]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/train\.csv:1: not a metrics recording: this is a `sockml dataset build` training matrix/);
  });

  it('refuses a value beyond float32 (1e308) with file:line instead of writing Infinity into the matrix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockml-'));
    const lines = readFileSync(join(REPO, 'fixtures/sockshop-gke/runs/step/run_1.csv'), 'utf8').trim().split('\n');
    lines[5] = lines[5].split(',').map((c, i) => (i === 2 ? '1e308' : c)).join(','); // request_rate_rps
    writeFileSync(join(dir, 'huge.csv'), lines.join('\n') + '\n');
    const r = await sockml(['dataset', 'build', join(dir, 'huge.csv'), '--feature-set', 'seed-v1', '-o', join(dir, 'train.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/huge\.csv:6: column 'request_rate_rps': 1e\+308 is beyond float32/);
    expect(existsSync(join(dir, 'train.csv'))).toBe(false);
  });
});
