import { mkdtempSync, readFileSync, existsSync, createReadStream, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetricsCsv, type MetricsSample } from '@sockml/core';
import { pollOf, sampleAt, T0 } from '../testing/collected-polls.js';
import { CsvSampleSink } from './csv-sample-sink.js';

const sample = sampleAt;
const poll = pollOf;
const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n');
const cells = (file: string) => lines(file).slice(1).map((l) => l.split(','));

describe('CsvSampleSink', () => {
  it('without a label definition: rows at once, empty sla_violated, deltas against the previous slot only', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sockml-sink-')), 'm.csv');
    const sink = new CsvSampleSink(out);
    await sink.write(poll(0, [sample(0, 'a', 10, 10)]));
    await sink.write(poll(1, [sample(1, 'a', 20, 12)]));
    await sink.missing({ slot: 2, timeMs: T0 + 60_000 });
    await sink.write(poll(3, [sample(3, 'a', 30, null)]));
    await sink.write(poll(4, [sample(4, 'a', 30, 15)]));
    expect(cells(out).map((c) => [c[9], c[10], c[12]])).toEqual([
      ['', '', ''], // first poll: no previous
      ['2', '10', ''],
      ['', '', ''], // after a missing poll: no delta over two intervals
      ['', '0', ''], // rps missing on this side
    ]);
    await sink.close();
    expect(sink.rowsWritten).toBe(4);
    expect(lines(out)[0]).toBe('timestamp,service,request_rate_rps,error_rate_pct,p50_latency_ms,p95_latency_ms,p99_latency_ms,cpu_usage_pct,memory_usage_mb,delta_rps,delta_p95_latency_ms,delta_cpu_usage_pct,sla_violated');
  });

  it('with labels: a row is written once labelled; the rest waits in the journal; close appends it unlabelled', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sockml-sink-')), 'm.csv');
    const sink = new CsvSampleSink(out, { label: { metric: 'p95_latency_ms', sloMs: 35, lookahead: 1 } });
    await sink.write(poll(0, [sample(0, 'a', 10), sample(0, 'b', 10)]));
    expect(cells(out)).toEqual([]);
    expect(cells(`${out}.pending`).map((c) => c[1])).toEqual(['a', 'b']); // crash-safe: the journal holds poll 0
    await sink.write(poll(1, [sample(1, 'a', 90), sample(1, 'b', 10)]));
    expect(cells(out).map((c) => [c[1], c[12]])).toEqual([
      ['a', '1'],
      ['b', '0'],
    ]);
    expect(cells(`${out}.pending`).map((c) => [c[1], c[12]])).toEqual([
      ['a', ''],
      ['b', ''],
    ]);
    await sink.missing({ slot: 2, timeMs: T0 + 60_000 });
    await sink.write(poll(3, [sample(3, 'a', 10)]));
    await sink.close();
    expect(existsSync(`${out}.pending`)).toBe(false);
    expect(cells(out).map((c) => [c[0].slice(11, 19), c[1], c[12]])).toEqual([
      ['22:40:00', 'a', '1'],
      ['22:40:00', 'b', '0'],
      ['22:40:30', 'a', ''], // its next slot was missing: unknown, not 0
      ['22:40:30', 'b', ''],
      ['22:41:30', 'a', ''], // end of run
    ]);
    expect(sink.labelled).toEqual({ positive: 1, negative: 1, unlabelled: 3 });

    // The file is a metrics CSV the replay reader accepts as is.
    const read: MetricsSample[] = [];
    for await (const batch of readMetricsCsv(createReadStream(out), out)) read.push(...batch);
    expect(read.map((s) => [s.service, s.p95LatencyMs, s.slaViolated])).toEqual([
      ['a', 10, 1],
      ['b', 10, 0],
      ['a', 90, null],
      ['b', 10, null],
      ['a', 10, null],
    ]);
  });

  describe('one writer per file', () => {
    const fresh = () => join(mkdtempSync(join(tmpdir(), 'sockml-sink-')), 'm.csv');

    it('a second sink on a file that a live writer holds is refused, and the file is untouched', async () => {
      const out = fresh();
      const first = new CsvSampleSink(out);
      await first.write(poll(0, [sample(0, 'a', 10)]));
      const before = readFileSync(out, 'utf8');
      expect(() => new CsvSampleSink(out)).toThrow(new RegExp(`m\\.csv is being written by another collect \\(pid ${process.pid}\\)`));
      await first.write(poll(1, [sample(1, 'a', 12)]));
      expect(readFileSync(out, 'utf8').startsWith(before)).toBe(true);
      expect(cells(out)).toHaveLength(2);
      await first.close();
      expect(existsSync(`${out}.lock`)).toBe(false);
    });

    it('a lock left by a writer that no longer runs is taken over', async () => {
      const out = fresh();
      writeFileSync(`${out}.lock`, '999999999\n'); // no such process
      const sink = new CsvSampleSink(out);
      expect(readFileSync(`${out}.lock`, 'utf8').trim()).toBe(String(process.pid));
      await sink.close();
    });

    it('a file with an unfinished journal is refused until recovered', () => {
      const out = fresh();
      writeFileSync(`${out}.pending`, 'x\n');
      expect(() => new CsvSampleSink(out, { label: { metric: 'p95_latency_ms', sloMs: 35, lookahead: 1 } })).toThrow(/m\.csv\.pending exists: .*sockml collect recover/);
      expect(existsSync(`${out}.lock`)).toBe(false);
    });
  });

  it('--out /dev/null (or /dev/stdout): written in place, never renamed over, no lock beside it', async () => {
    const sink = new CsvSampleSink('/dev/null');
    await sink.write(poll(0, [sample(0, 'a', 10)]));
    await sink.close();
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(existsSync('/dev/null.lock')).toBe(false);
    expect(sink.rowsWritten).toBe(1);
  });

  it('a run that never completes a poll leaves an existing file as it was (and writes no journal)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sockml-sink-')), 'm.csv');
    writeFileSync(out, 'yesterday\'s recording\n');
    const sink = new CsvSampleSink(out, { label: { metric: 'p95_latency_ms', sloMs: 35, lookahead: 1 } });
    await sink.missing({ slot: 0, timeMs: T0 });
    await sink.missing({ slot: 1, timeMs: T0 + 30_000 });
    expect(existsSync(`${out}.pending`)).toBe(false);
    await sink.close();
    expect(readFileSync(out, 'utf8')).toBe('yesterday\'s recording\n');
    expect(sink.rowsWritten).toBe(0);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });
});
