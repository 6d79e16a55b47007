import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { metricsCsvLayout, parseMetricsRow, type MetricsSample } from '../schema.js';
import { readMetricsCsv, type MetricsCsvReadStats } from './metrics-csv-reader.js';

const FIXTURES = resolve(__dirname, '../../../../fixtures');
const HEADER = 'timestamp,service,request_rate_rps,error_rate_pct,p50_latency_ms,p95_latency_ms,p99_latency_ms,cpu_usage_pct,memory_usage_mb,delta_rps,delta_p95_latency_ms,delta_cpu_usage_pct,sla_violated';
const LINE = '2026-04-08T22:32:44.730092+00:00,carts,1.5,0.0,2.5,4.75,4.95,0.16,326.2,0.0,0.0,0.0,0';

/** Reads text through the reader in chunks of `chunk` characters (to cross record boundaries). */
async function read(text: string, opts: { skipInvalid?: boolean; requireTimeOrder?: boolean; chunk?: number } = {}, stats?: MetricsCsvReadStats) {
  const size = opts.chunk ?? 7;
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  const out: MetricsSample[] = [];
  for await (const b of readMetricsCsv(Readable.from(chunks), 'mem.csv', { skipInvalid: opts.skipInvalid, requireTimeOrder: opts.requireTimeOrder, batchSize: 3 }, stats)) out.push(...b);
  return out;
}

/** The bundled recordings: every fixture CSV but the load traces (fixtures/traces, `t_seconds,rps`). */
function fixtureFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.csv') && !f.startsWith('traces'))
    .map((f) => join(dir, f));
}

describe('readMetricsCsv', () => {
  it('reads every bundled recording exactly as csv-parse does', async () => {
    const files = fixtureFiles(FIXTURES);
    expect(files.length).toBeGreaterThanOrEqual(21);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const records = parseCsvSync(text) as string[][];
      const layout = metricsCsvLayout(records[0]);
      const expected = records.slice(1).map((r) => parseMetricsRow(r, layout));
      const got = await read(text, { chunk: 4096, requireTimeOrder: true }); // each one run in time order
      expect(got, f).toEqual(expected);
    }
  });

  it('handles quoted fields, CRLF line ends, a BOM and blank lines like csv-parse', async () => {
    const text = '\ufeff' + HEADER + '\r\n' + LINE.replace('carts', '"carts"') + '\r\n\r\n' + LINE.replace(',carts,', ',"front-end",') + '\n';
    const got = await read(text);
    expect(got.map((s) => s.service)).toEqual(['carts', 'front-end']);
  });

  it('reads a quoted field with an embedded newline as one record', async () => {
    const text = HEADER + '\n' + LINE.replace('carts', '"car\nts"') + '\n' + LINE + '\n';
    const got = await read(text);
    expect(got.map((s) => s.service)).toEqual(['car\nts', 'carts']);
  });

  it('names file and line of a malformed row', async () => {
    const text = [HEADER, LINE, LINE, LINE.replace('4.75', 'fast'), LINE].join('\n');
    await expect(read(text)).rejects.toThrow(/^mem\.csv:4: column 'p95_latency_ms': 'fast' is not a number/);
  });

  it('names file and line of a row with the wrong number of cells', async () => {
    const text = [HEADER, LINE, LINE + ',extra'].join('\n');
    await expect(read(text)).rejects.toThrow(/^mem\.csv:3: expected 13 cells as in the header, got 14/);
  });

  it('with skipInvalid, skips and counts malformed rows and keeps the rest', async () => {
    const stats: MetricsCsvReadStats = { rows: 0, invalid: 0, invalidExamples: [] };
    const text = [HEADER, LINE, 'garbage', LINE.replace('0.16', '-3'), LINE].join('\n');
    const got = await read(text, { skipInvalid: true }, stats);
    expect(got).toHaveLength(2);
    expect(stats).toMatchObject({ rows: 2, invalid: 2 });
    expect(stats.invalidExamples[0]).toMatch(/^mem\.csv:3: /);
    expect(stats.invalidExamples[1]).toMatch(/^mem\.csv:4: column 'cpu_usage_pct'/);
  });

  describe('requireTimeOrder', () => {
    const later = LINE.replace('22:32:44', '22:33:14');
    it.each([
      ['a repeated row', [HEADER, LINE, LINE.replace('carts', 'orders'), LINE], 4, 2],
      ['a poll before the previous one', [HEADER, LINE, later, LINE.replace('carts', 'orders'), LINE], 5, 3],
      ['a quoted row (the validating path)', [HEADER, later, LINE.replace('carts', '"carts"')], 3, 2],
    ])('names file and line of %s, and the previous poll\'s line', async (_, lines, at, previous) => {
      const text = lines.join('\n') + '\n';
      for (const chunk of [5, 4096]) {
        await expect(read(text, { requireTimeOrder: true, chunk })).rejects.toThrow(
          new RegExp(`^mem\\.csv:${at}: service 'carts' has a poll at 2026-04-08T22:32:44\\.730092\\+00:00 that is not after its previous poll \\(line ${previous}\\)`),
        );
      }
      // Well formed, so not skipped as malformed: the file is not one run in time order.
      await expect(read(text, { requireTimeOrder: true, skipInvalid: true })).rejects.toThrow(/not after its previous poll/);
      // Without it, the rows are read as they are.
      expect(await read(text)).toHaveLength(lines.length - 1);
    });

    it('accepts each service in time order, services of a poll in any order', async () => {
      const text = [HEADER, LINE.replace('carts', 'orders'), LINE, later, later.replace('carts', 'orders')].join('\n');
      expect((await read(text, { requireTimeOrder: true })).map((s) => s.service)).toEqual(['orders', 'carts', 'carts', 'orders']);
    });
  });

  it('rejects a file without a required column, naming it', async () => {
    await expect(read(HEADER.replace('p95_latency_ms,', '') + '\n')).rejects.toThrow(/mem\.csv:1: missing required column 'p95_latency_ms'/);
  });

  it('rejects an empty file', async () => {
    await expect(read('')).rejects.toThrow(/mem\.csv:1: file is empty/);
  });

  it('rejects a header-only file: no rows is not an empty recording', async () => {
    for (const text of [HEADER + '\n', HEADER, HEADER + '\r\n\r\n']) {
      await expect(read(text)).rejects.toThrow(/^mem\.csv: no rows after the header/);
    }
  });

  it.each([
    ['CR only (classic Mac)', '\r'],
    ['CRLF', '\r\n'],
    ['LF', '\n'],
  ])('reads every row with %s line ends, whatever the chunking', async (_, eol) => {
    const lines = [HEADER, LINE, LINE.replace('carts', 'orders'), LINE.replace('carts', 'user')];
    for (const chunk of [1, 7, 4096]) {
      const got = await read(lines.join(eol) + eol, { chunk });
      expect(got.map((s) => s.service), `chunk ${chunk}`).toEqual(['carts', 'orders', 'user']);
    }
    // Line numbers count CR-only lines too.
    const bad = [HEADER, LINE, LINE.replace('4.75', 'slow')].join(eol);
    await expect(read(bad)).rejects.toThrow(/^mem\.csv:3: column 'p95_latency_ms'/);
  });

  it.each([
    ['1e308', /column 'p95_latency_ms': 1e\+308 is beyond float32/],
    ['3.5e38', /column 'p95_latency_ms': 3\.5e\+38 is beyond float32/],
    ['Infinity', /column 'p95_latency_ms': 'Infinity' is not a number/],
  ])('rejects %s, which the models\' float32 input cannot hold, with file:line', async (value, message) => {
    const text = [HEADER, LINE, LINE.replace('4.75', value)].join('\n');
    await expect(read(text)).rejects.toThrow(/^mem\.csv:3: /);
    await expect(read(text)).rejects.toThrow(message);
  });

  it('accepts the largest float32', async () => {
    const got = await read([HEADER, LINE.replace('326.2', '3.4e38')].join('\n'));
    expect(got[0].memoryUsageMb).toBe(3.4e38);
  });

  it.each([
    ['a replay --out decisions log', 'run_id,pattern,timestamp,service,request_rate_rps,error_rate_pct,p50_latency_ms,p95_latency_ms,p99_latency_ms,cpu_usage_pct,memory_usage_mb,xgboost_probability,xgboost_vote,ensemble_score,ensemble_vote,decision,target_replicas,label', /this is a `sockml replay --out` decisions log/],
    ['a dataset build training matrix', 'request_rate_rps,error_rate_pct,p50_latency_ms,p95_latency_ms,p99_latency_ms,cpu_usage_pct,memory_usage_mb,delta_rps,delta_p95_latency_ms,delta_cpu_usage_pct,label,run_id,pattern,service,timestamp,p95_now_ms', /this is a `sockml dataset build` training matrix/],
    ['extra columns', HEADER + ',pod', /unknown column 'pod'/],
    ['a duplicated column', HEADER + ',service', /column 'service' appears twice/],
  ])('refuses %s as a recording, at line 1', async (_, header, message) => {
    await expect(read(header + '\n' + LINE + '\n')).rejects.toThrow(/^mem\.csv:1: not a metrics recording/);
    await expect(read(header + '\n' + LINE + '\n')).rejects.toThrow(message);
  });
});
